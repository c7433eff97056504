package dev.switchboard.channel;

import java.util.Map;

/**
 * The reason an agent reads on a failed message, for the WhatsApp errors that need explaining:
 * what happened and what to do, with the platform's own words after it (the inbox shows it
 * after "Not delivered:"). The stored error code
 * stays the platform's, so the two can always be matched to Meta's documentation.
 */
public final class FailureReasons {

  private static final Map<String, String> REASONS = Map.of(
      "131049", "WhatsApp held back this marketing message to protect the customer from too many "
          + "marketing messages. Do not resend it now; try again in a few days or reach them another way.",
      "131050", "The customer has stopped marketing messages from this business. Marketing templates "
          + "will not reach them until they turn marketing messages back on.",
      "131056", "Too many messages went to this customer in a short time. Sending to them pauses "
          + "for a moment; other customers are not affected.",
      "130429", "This WhatsApp number reached its sending speed limit. Sending from it pauses for a "
          + "moment, then continues.",
      "131062", "This kind of message cannot go to a customer known only by their WhatsApp username "
          + "(no phone number). Ask for their phone number first (Request phone number).");

  private FailureReasons() {
  }

  /** The agent's reason for {@code code}, or the platform's message as it is for other codes. */
  public static String describe(String code, String platformMessage) {
    String reason = code == null ? null : REASONS.get(code);
    if (reason == null) {
      return platformMessage;
    }
    return platformMessage == null || platformMessage.isBlank() ? reason : reason + " (WhatsApp: " + platformMessage + ")";
  }
}
