package dev.switchboard.window;

import dev.switchboard.common.WindowPolicy;
import dev.switchboard.common.WindowPolicy.Decision;
import dev.switchboard.common.WindowPolicy.Sender;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("A Messenger/Instagram thread begun from an ad keeps the standard window 7 days; WhatsApp and HUMAN_AGENT rules are unchanged")
class AdReferralWindowTest {

  static final WindowPolicy POLICY = new WindowPolicy(Duration.ofHours(24), Duration.ofDays(7));
  static final Instant AD = Instant.parse("2026-01-05T10:00:00Z");

  @ParameterizedTest(name = "{0} {1}, last inbound +{2}s after the ad, at +{3}s: {4}")
  @CsvSource({
      // the ad's first message: standard (bot and agent alike, no tag) for 7 days
      "messenger, BOT, 0, 86400, ALLOWED",
      "messenger, BOT, 0, 604799, ALLOWED",
      "messenger, BOT, 0, 604800, CLOSED",
      "messenger, AGENT, 0, 604799, ALLOWED",
      "messenger, AGENT, 0, 604800, CLOSED",
      "instagram, BOT, 0, 300000, ALLOWED",
      // a later message past the 7 days: its own 24 h, then HUMAN_AGENT to 7 days after it, as always
      "messenger, BOT, 600000, 686399, ALLOWED",
      "messenger, BOT, 600000, 686400, CLOSED",
      "messenger, AGENT, 600000, 686400, HUMAN_AGENT_TAG",
      "messenger, AGENT, 600000, 1204800, CLOSED",
      // WhatsApp has no ad rule here
      "whatsapp, AGENT, 0, 86400, TEMPLATE_ONLY",
  })
  void decisions(String platform, Sender sender, long lastAfterAd, long at, Decision expected) {
    assertThat(POLICY.decide(platform, sender, AD.plusSeconds(lastAfterAd), AD, AD.plusSeconds(at))).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"messenger", "instagram"})
  void view(String platform) {
    WindowPolicy.View v = POLICY.view(platform, AD, AD, AD.plusSeconds(90_000));
    assertThat(v.automationExpiresAt()).isEqualTo(AD.plus(Duration.ofDays(7)));
    assertThat(v.humanExpiresAt()).isEqualTo(AD.plus(Duration.ofDays(7)));
    assertThat(POLICY.view(platform, AD, null, AD).automationExpiresAt()).isEqualTo(AD.plus(Duration.ofHours(24)));
  }

  @org.junit.jupiter.api.Test
  @DisplayName("the window timer's standard expiry of an ad thread is 7 days after the referral; without one, 24 hours after the message")
  void timerExpiries() {
    WindowTimer timer = new WindowTimer(null, POLICY);
    java.util.List<WindowTimer.Expiry> ad = timer.expiries(7L, "messenger", AD, AD, AD.plusSeconds(90_000));
    assertThat(ad).extracting(WindowTimer.Expiry::kind).containsExactly(WindowTimer.Kind.standard);
    assertThat(ad.get(0).atMs()).isEqualTo(AD.plus(Duration.ofDays(7)).toEpochMilli());
    java.util.List<WindowTimer.Expiry> plain = timer.expiries(7L, "messenger", AD, null, AD);
    assertThat(plain).extracting(WindowTimer.Expiry::atMs)
        .containsExactly(AD.plus(Duration.ofHours(24)).toEpochMilli(), AD.plus(Duration.ofDays(7)).toEpochMilli());
  }
}
