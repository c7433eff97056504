package dev.switchboard.common;

import java.time.Duration;
import java.time.Instant;

/**
 * The reply-window rules (docs/architecture.md) as a pure function: for a platform, a sender kind, the
 * customer's last inbound time and now, what may be sent. An expiry instant itself is outside
 * the window (the window is {@code [lastInbound, lastInbound + duration)}).
 *
 * <p>Messenger/Instagram threads that began from a Click-to-Messenger / Click-to-Direct ad
 * ({@code adReferralAt}) keep the standard window for 7 days after the referral, or 24 hours
 * after the last message if that is later. The human-agent window is unchanged.
 */
public final class WindowPolicy {

  /** Who is sending. */
  public enum Sender { AGENT, BOT }

  /** What the platform allows right now. */
  public enum Decision {
    /** A normal reply ({@code messaging_type: RESPONSE} on Messenger/Instagram). */
    ALLOWED,
    /** Messenger/Instagram, a human, between the standard and the human-agent window: tag HUMAN_AGENT. */
    HUMAN_AGENT_TAG,
    /** WhatsApp outside its window: only an approved template. */
    TEMPLATE_ONLY,
    /** Nothing may be sent. */
    CLOSED
  }

  /** The conversation's windows as the inbox shows them. */
  public record View(Instant humanExpiresAt, Instant automationExpiresAt, boolean templateRequired) {
  }

  /** Meta's standard window after an ad referral on Messenger and Instagram. */
  public static final Duration AD_REFERRAL = Duration.ofDays(7);

  private final Duration standard;
  private final Duration humanAgent;

  public WindowPolicy(Duration standard, Duration humanAgent) {
    this.standard = standard;
    this.humanAgent = humanAgent;
  }

  /** When the standard window ends (for this platform, this last inbound and ad referral). */
  public Instant standardEnd(String platform, Instant lastInboundAt, Instant adReferralAt) {
    Instant end = lastInboundAt.plus(standard);
    if (adReferralAt != null && !isWhatsApp(platform)) {
      Instant ad = adReferralAt.plus(AD_REFERRAL);
      return ad.isAfter(end) ? ad : end;
    }
    return end;
  }

  public Duration standard() {
    return standard;
  }

  public Duration humanAgent() {
    return humanAgent;
  }

  public View view(String platform, Instant lastInboundAt, Instant now) {
    return view(platform, lastInboundAt, null, now);
  }

  public View view(String platform, Instant lastInboundAt, Instant adReferralAt, Instant now) {
    if (lastInboundAt == null) {
      return new View(null, null, isWhatsApp(platform));
    }
    Instant automation = standardEnd(platform, lastInboundAt, adReferralAt);
    if (isWhatsApp(platform)) {
      return new View(automation, automation, !now.isBefore(automation));
    }
    Instant human = lastInboundAt.plus(humanAgent);
    return new View(automation.isAfter(human) ? automation : human, automation, false);
  }

  /**
   * The human-reply deadline ({@link View#humanExpiresAt}) as an SQL expression over the given
   * columns, for the deadline PostgreSQL stores and sorts by ({@code conversations.reply_deadline}):
   * the same rule as {@link #view}, with this policy's durations. NULL without a last inbound.
   */
  public String humanDeadlineSql(String platform, String lastInboundAt, String adReferralAt) {
    String std = lastInboundAt + " + " + interval(standard);
    return "CASE WHEN " + lastInboundAt + " IS NULL THEN NULL"
        + " WHEN " + platform + " = 'whatsapp' THEN " + std
        + " ELSE greatest(" + std + ", " + adReferralAt + " + " + interval(AD_REFERRAL) + ", "
        + lastInboundAt + " + " + interval(humanAgent) + ") END";
  }

  private static String interval(Duration d) {
    return "interval '" + d.toMillis() + " milliseconds'";
  }

  public Decision decide(String platform, Sender sender, Instant lastInboundAt, Instant now) {
    return decide(platform, sender, lastInboundAt, null, now);
  }

  public Decision decide(String platform, Sender sender, Instant lastInboundAt, Instant adReferralAt, Instant now) {
    if (lastInboundAt == null) {
      return isWhatsApp(platform) ? Decision.TEMPLATE_ONLY : Decision.CLOSED;
    }
    boolean inStandard = now.isBefore(standardEnd(platform, lastInboundAt, adReferralAt));
    if (isWhatsApp(platform)) {
      return inStandard ? Decision.ALLOWED : Decision.TEMPLATE_ONLY;
    }
    if (inStandard) {
      return Decision.ALLOWED;
    }
    if (sender == Sender.AGENT && now.isBefore(lastInboundAt.plus(humanAgent))) {
      return Decision.HUMAN_AGENT_TAG;
    }
    return Decision.CLOSED;
  }

  private static boolean isWhatsApp(String platform) {
    return "whatsapp".equals(platform);
  }
}
