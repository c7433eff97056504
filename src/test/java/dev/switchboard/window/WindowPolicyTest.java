package dev.switchboard.window;

import dev.switchboard.common.WindowPolicy;
import dev.switchboard.common.WindowPolicy.Decision;
import dev.switchboard.common.WindowPolicy.Sender;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The reply-window policy")
class WindowPolicyTest {

  static final Duration STANDARD = Duration.ofHours(24);
  static final Duration HUMAN = Duration.ofDays(7);
  static final WindowPolicy POLICY = new WindowPolicy(STANDARD, HUMAN);
  static final Instant LAST = Instant.parse("2026-01-05T10:00:00Z");

  @ParameterizedTest(name = "{0} {1} at +{2}s: {3}")
  @CsvSource({
      // WhatsApp: agent and bot alike, 24 h then template only
      "whatsapp, AGENT, 0, ALLOWED",
      "whatsapp, AGENT, 86399, ALLOWED",
      "whatsapp, AGENT, 86400, TEMPLATE_ONLY",
      "whatsapp, BOT, 86399, ALLOWED",
      "whatsapp, BOT, 86400, TEMPLATE_ONLY",
      "whatsapp, AGENT, 604800, TEMPLATE_ONLY",
      // Messenger: bot 24 h then nothing; human RESPONSE to 24 h, HUMAN_AGENT to 7 days, then nothing
      "messenger, BOT, 0, ALLOWED",
      "messenger, BOT, 86399, ALLOWED",
      "messenger, BOT, 86400, CLOSED",
      "messenger, AGENT, 86399, ALLOWED",
      "messenger, AGENT, 86400, HUMAN_AGENT_TAG",
      "messenger, AGENT, 604799, HUMAN_AGENT_TAG",
      "messenger, AGENT, 604800, CLOSED",
      // Instagram: the same rules as Messenger
      "instagram, BOT, 86399, ALLOWED",
      "instagram, BOT, 86400, CLOSED",
      "instagram, AGENT, 86399, ALLOWED",
      "instagram, AGENT, 86400, HUMAN_AGENT_TAG",
      "instagram, AGENT, 604799, HUMAN_AGENT_TAG",
      "instagram, AGENT, 604800, CLOSED",
  })
  void decide(String platform, Sender sender, long secondsAfter, Decision expected) {
    assertThat(POLICY.decide(platform, sender, LAST, LAST.plusSeconds(secondsAfter))).isEqualTo(expected);
  }

  @Test
  @DisplayName("the expiry instant itself is outside the window, one millisecond before is inside")
  void boundaryIsExclusive() {
    Instant end = LAST.plus(STANDARD);
    assertThat(POLICY.decide("whatsapp", Sender.AGENT, LAST, end.minusMillis(1))).isEqualTo(Decision.ALLOWED);
    assertThat(POLICY.decide("whatsapp", Sender.AGENT, LAST, end)).isEqualTo(Decision.TEMPLATE_ONLY);
    Instant humanEnd = LAST.plus(HUMAN);
    assertThat(POLICY.decide("messenger", Sender.AGENT, LAST, humanEnd.minusMillis(1))).isEqualTo(Decision.HUMAN_AGENT_TAG);
    assertThat(POLICY.decide("messenger", Sender.AGENT, LAST, humanEnd)).isEqualTo(Decision.CLOSED);
  }

  @Test
  @DisplayName("without any inbound message WhatsApp needs a template and Messenger/Instagram may send nothing")
  void noInbound() {
    Instant now = LAST;
    assertThat(POLICY.decide("whatsapp", Sender.AGENT, null, now)).isEqualTo(Decision.TEMPLATE_ONLY);
    assertThat(POLICY.decide("whatsapp", Sender.BOT, null, now)).isEqualTo(Decision.TEMPLATE_ONLY);
    assertThat(POLICY.decide("messenger", Sender.AGENT, null, now)).isEqualTo(Decision.CLOSED);
    assertThat(POLICY.decide("instagram", Sender.BOT, null, now)).isEqualTo(Decision.CLOSED);
    assertThat(POLICY.view("whatsapp", null, now)).isEqualTo(new WindowPolicy.View(null, null, true));
    assertThat(POLICY.view("messenger", null, now)).isEqualTo(new WindowPolicy.View(null, null, false));
  }

  @Test
  @DisplayName("the view shows both expiries and whether a template is required")
  void view() {
    assertThat(POLICY.view("whatsapp", LAST, LAST.plusSeconds(10)))
        .isEqualTo(new WindowPolicy.View(LAST.plus(STANDARD), LAST.plus(STANDARD), false));
    assertThat(POLICY.view("whatsapp", LAST, LAST.plus(STANDARD)))
        .isEqualTo(new WindowPolicy.View(LAST.plus(STANDARD), LAST.plus(STANDARD), true));
    assertThat(POLICY.view("messenger", LAST, LAST.plus(STANDARD)))
        .isEqualTo(new WindowPolicy.View(LAST.plus(HUMAN), LAST.plus(STANDARD), false));
    assertThat(POLICY.view("instagram", LAST, LAST.plus(HUMAN)).templateRequired()).isFalse();
  }

  @Test
  @DisplayName("durations shrunk to seconds apply the same rules")
  void shrunkDurations() {
    WindowPolicy p = new WindowPolicy(Duration.ofSeconds(3), Duration.ofSeconds(6));
    assertThat(p.decide("messenger", Sender.AGENT, LAST, LAST.plusSeconds(2))).isEqualTo(Decision.ALLOWED);
    assertThat(p.decide("messenger", Sender.AGENT, LAST, LAST.plusSeconds(3))).isEqualTo(Decision.HUMAN_AGENT_TAG);
    assertThat(p.decide("messenger", Sender.BOT, LAST, LAST.plusSeconds(3))).isEqualTo(Decision.CLOSED);
    assertThat(p.decide("messenger", Sender.AGENT, LAST, LAST.plusSeconds(6))).isEqualTo(Decision.CLOSED);
    assertThat(p.decide("whatsapp", Sender.BOT, LAST, LAST.plusSeconds(3))).isEqualTo(Decision.TEMPLATE_ONLY);
  }
}
