package dev.switchboard.conversation;

import dev.switchboard.channel.PlatformEvent;
import dev.switchboard.conversation.InboundStore.RawEvent;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * The typed values of the processor's plan ({@link InboundPlan}): what it reads from a batch and
 * the database, and the rows it decides to write. Plain records, one per row of a set-based
 * statement in {@link InboundSql}; {@link InboundStore} turns each list into the statement's
 * arrays.
 */
final class InboundRows {

  private InboundRows() {
  }

  /** A channel a webhook entry names: platform and the platform's id of the page or number. */
  record ChannelKey(String platform, String externalId) {
  }

  /** A channel of an enabled account. */
  record Channel(long id, long accountId, String platform) {
  }

  /** Where an event came from: its raw row and its channel. */
  record Ctx(RawEvent raw, Channel channel) {

    /** {@code t}, but never later than the row was received: a clock ahead of ours moves nothing forward. */
    Instant notAfterReceipt(Instant t) {
      Instant received = raw.receivedAt().toInstant();
      return t == null || t.isAfter(received) ? received : t;
    }
  }

  /** An event of a kind other than a message, with where it came from. */
  record At<E extends PlatformEvent>(Ctx ctx, E event) {
  }

  /** A message of the batch, first of its (channel, platform id); {@code order} is its place in the batch. */
  record Msg(Ctx ctx, PlatformEvent.Message event, int order) {

    Instant effectiveTime() {
      return ctx.notAfterReceipt(event.timestamp());
    }

    /** Customer messages count as inbound (window, unread, hooks); echoes and reactions do not. */
    boolean countsAsInbound() {
      return !event.echo() && !"reaction".equals(event.contentType());
    }

    long channelId() {
      return ctx.channel().id();
    }

    long accountId() {
      return ctx.channel().accountId();
    }
  }

  /** A dead letter: something kept as received with the reason it was not stored. */
  record Dead(long rawId, String platform, String externalId, String reason, JsonObject payload) {
  }

  /** A WhatsApp status for a wamid no message has yet (most likely a send whose wamid is not recorded yet). */
  record Early(long rawId, long channelId, String wamid, JsonObject payload) {
  }

  /** A Messenger or Instagram contact, keyed by the platform's user id; the last name and phone seen win. */
  record ContactRow(long accountId, long channelId, String uid, String name, String phone) {
  }

  /** A contact as {@link InboundSql#REFRESH_CONTACTS} answers. */
  record ContactRead(long id, long channelId, String uid, boolean nameChanged) {
  }

  /** A conversation to insert if missing, with the batch's newest activity in it. */
  record ConversationRow(long accountId, long channelId, long contactId, OffsetDateTime lastMessageAt) {
  }

  /** A conversation of the batch as locked before the messages go in. */
  record Conversation(long id, long accountId, long channelId, long contactId, String status,
                      OffsetDateTime lastInboundBefore, boolean inserted) {
  }

  /** One message to insert, in the column order of {@link InboundSql#INSERT_MESSAGES}. */
  record MessageRow(long accountId, long conversationId, long channelId, String direction, String type,
                    String contentType, String text, String attachments, String raw, String senderType, String status,
                    String externalId, String replyTo, OffsetDateTime platformTimestamp, String payload) {
  }

  /** A message the insert created (a redelivery creates none), with its view for the event. */
  record Inserted(long id, long accountId, long conversationId, long channelId, String externalId, JsonObject view) {
  }

  /** What a conversation's new messages move: newest activity, newest inbound, unread count. */
  record ConversationTouch(long id, OffsetDateTime lastAt, OffsetDateTime lastIn, int unread) {
  }

  /** A conversation after {@link InboundSql#UPDATE_CONVERSATIONS}. */
  record Touched(long id, String status, OffsetDateTime lastInbound) {
  }

  /** The winning status of one message in the batch, in the column order of {@link InboundSql#APPLY_STATUSES}. */
  record StatusRow(long channelId, String externalId, String status, String code, String message, String pricing,
                   At<PlatformEvent.Status> source) {
  }

  /** The newest delivery and read watermark of one customer's thread (null: none in the batch). */
  record WatermarkRow(long channelId, String uid, OffsetDateTime delivered, OffsetDateTime read) {
  }

  record DeletionRow(long channelId, String externalId) {
  }

  record UnreactRow(long channelId, String uid, String reactedId) {
  }

  record AdReferralRow(long channelId, String uid, OffsetDateTime at) {
  }
}
