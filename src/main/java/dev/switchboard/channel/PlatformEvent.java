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
      JsonObject raw,
      WaIdentity identity) implements PlatformEvent {

    public Message(String customerId, String customerName, String phone, boolean echo, String externalId, Instant timestamp,
                   String contentType, String text, JsonArray attachments, String payload, String replyTo, JsonObject raw) {
      this(customerId, customerName, phone, echo, externalId, timestamp, contentType, text, attachments, payload, replyTo, raw, null);
    }
  }

  /**
   * Who a WhatsApp customer is: a phone ({@code wa_id}), a business-scoped user id (BSUID), or
   * both; the parent BSUID and the username when Meta sends them. The contact is keyed by the
   * BSUID when there is one, by the phone otherwise ({@link #key()}).
   */
  record WaIdentity(String phone, String bsuid, String parentBsuid, String username) {
    public String key() {
      return bsuid != null ? bsuid : phone;
    }
  }

  /**
   * A WhatsApp customer's identity moved (a new BSUID, a new phone): the contact known by either
   * old id takes the new ones. Null fields are unchanged.
   */
  record IdentityChange(String oldBsuid, String oldPhone, String newBsuid, String newPhone, String newParentBsuid)
      implements PlatformEvent {
  }

  /** A delivery status of one of our outbound messages (WhatsApp). */
  record Status(String externalId, String status, Instant timestamp, String errorCode, String errorMessage,
                JsonObject pricing) implements PlatformEvent {
    public Status(String externalId, String status, Instant timestamp, String errorCode, String errorMessage) {
      this(externalId, status, timestamp, errorCode, errorMessage, null);
    }
  }

  /** Every outbound message of the customer's thread sent at or before {@code watermark} reached {@code level}. */
  record Watermark(String customerId, String level, Instant watermark) implements PlatformEvent {
  }

  /**
   * The customer's thread began from a Click-to-Messenger / Click-to-Instagram-Direct ad
   * ({@code referral.source: ADS}) at {@code at}: Meta allows a 7-day standard window then.
   */
  record AdReferral(String customerId, Instant at) implements PlatformEvent {
  }

  /** The customer deleted (unsent) one of their messages. */
  record Deletion(String customerId, String externalId) implements PlatformEvent {
  }

  /** The customer took back their reaction to {@code reactedId}. */
  record Unreact(String customerId, String reactedId) implements PlatformEvent {
  }

  /**
   * One item of a webhook that cannot be read (a message without any sender id, a wrong type): its
   * raw event (which keeps the item as received) is marked failed with the reason, while the
   * items around it are stored as usual.
   */
  record Malformed(String reason, JsonObject json) implements PlatformEvent {
  }

  /** Something we do not store as a message; kept as a dead letter with the reason. */
  record Unhandled(String reason, JsonObject json) implements PlatformEvent {
  }
}
