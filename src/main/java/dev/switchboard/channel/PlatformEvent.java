package dev.switchboard.channel;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;

/**
 * One thing a webhook says, in platform-neutral terms: what the processor stores. Ids are the
 * platform's own (customer id, message id); the channel is resolved by the processor.
 */
public sealed interface PlatformEvent {

  /**
   * A message in a customer's thread: from the customer, or (echo) sent by the business from
   * elsewhere. {@code customerId} is always the customer, never the page or number.
   */
  record Message(
      String customerId,
      String customerName,
      String phone,
      boolean echo,
      String externalId,
      Instant timestamp,
      String contentType,
      String text,
      JsonArray attachments,
      String payload,
      String replyTo,
      JsonObject raw) implements PlatformEvent {
  }

  /** A delivery status of one of our outbound messages (WhatsApp). */
  record Status(String externalId, String status, Instant timestamp, String errorCode, String errorMessage)
      implements PlatformEvent {
  }

  /** Every outbound message of the customer's thread sent at or before {@code watermark} reached {@code level}. */
  record Watermark(String customerId, String level, Instant watermark) implements PlatformEvent {
  }

  /** The customer deleted (unsent) one of their messages. */
  record Deletion(String customerId, String externalId) implements PlatformEvent {
  }

  /** The customer took back their reaction to {@code reactedId}. */
  record Unreact(String customerId, String reactedId) implements PlatformEvent {
  }

  /** Something we do not store as a message; kept as a dead letter with the reason. */
  record Unhandled(String reason, JsonObject json) implements PlatformEvent {
  }
}
