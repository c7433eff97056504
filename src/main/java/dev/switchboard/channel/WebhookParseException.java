package dev.switchboard.channel;

/** The body is JSON but not a webhook we can normalise; the raw event is marked failed with this message. */
public final class WebhookParseException extends RuntimeException {
  public WebhookParseException(String message) {
    super(message, null, false, false);
  }
}
