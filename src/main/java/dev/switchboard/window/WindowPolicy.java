package dev.switchboard.window;

import java.time.Duration;
import java.time.Instant;

/**
 * The reply-window rules (docs/architecture.md) as a pure function: for a platform, a sender kind, the
 * customer's last inbound time and now, what may be sent. An expiry instant itself is outside
 * the window (the window is {@code [lastInbound, lastInbound + duration)}).
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

  private final Duration standard;
  private final Duration humanAgent;

  public WindowPolicy(Duration standard, Duration humanAgent) {
    this.standard = standard;
    this.humanAgent = humanAgent;
  }

  public Duration standard() {
    return standard;
  }

  public Duration humanAgent() {
    return humanAgent;
  }

  public View view(String platform, Instant lastInboundAt, Instant now) {
    if (lastInboundAt == null) {
      return new View(null, null, isWhatsApp(platform));
    }
    Instant automation = lastInboundAt.plus(standard);
    if (isWhatsApp(platform)) {
      return new View(automation, automation, !now.isBefore(automation));
    }
    return new View(lastInboundAt.plus(humanAgent), automation, false);
  }

  public Decision decide(String platform, Sender sender, Instant lastInboundAt, Instant now) {
    if (lastInboundAt == null) {
      return isWhatsApp(platform) ? Decision.TEMPLATE_ONLY : Decision.CLOSED;
    }
    boolean inStandard = now.isBefore(lastInboundAt.plus(standard));
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

  /** When the decision for this sender next changes (null: it never will without a new inbound message). */
  public Instant nextChange(String platform, Sender sender, Instant lastInboundAt, Instant now) {
    if (lastInboundAt == null) {
      return null;
    }
    Instant a = lastInboundAt.plus(standard);
    if (now.isBefore(a)) {
      return a;
    }
    Instant h = lastInboundAt.plus(humanAgent);
    if (!isWhatsApp(platform) && sender == Sender.AGENT && now.isBefore(h)) {
      return h;
    }
    return null;
  }

  private static boolean isWhatsApp(String platform) {
    return "whatsapp".equals(platform);
  }
}
