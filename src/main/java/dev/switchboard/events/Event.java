package dev.switchboard.events;

import io.vertx.core.json.JsonObject;

import java.util.Objects;

/**
 * One change, as the log stores it and clients receive it: {@code {type, accountId,
 * conversationId, data}} (the log adds {@code id}). Ids are strings on the wire.
 */
public record Event(long accountId, EventType type, Long conversationId, JsonObject data) {

  public Event {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(data, "data");
  }

  public static Event messageCreated(long accountId, long conversationId, JsonObject message) {
    return new Event(accountId, EventType.MESSAGE_CREATED, conversationId, message);
  }

  public static Event messageUpdated(long accountId, long conversationId, JsonObject message) {
    return new Event(accountId, EventType.MESSAGE_UPDATED, conversationId, message);
  }

  public static Event conversationCreated(long accountId, long conversationId, JsonObject conversation) {
    return new Event(accountId, EventType.CONVERSATION_CREATED, conversationId, conversation);
  }

  public static Event conversationUpdated(long accountId, long conversationId, JsonObject conversation) {
    return new Event(accountId, EventType.CONVERSATION_UPDATED, conversationId, conversation);
  }

  /** The inbox drops {@code removed} (it is gone) and shows {@code into}, which holds its messages now. */
  public static Event conversationMerged(long accountId, long removed, long into) {
    return new Event(accountId, EventType.CONVERSATION_MERGED, removed,
        new JsonObject().put("id", String.valueOf(removed)).put("into", String.valueOf(into)));
  }

  public static Event windowChanged(long accountId, long conversationId, JsonObject conversation) {
    return new Event(accountId, EventType.CONVERSATION_WINDOW_CHANGED, conversationId, conversation);
  }

  /** The conversation view with {@code expiresAt}: the human-reply deadline it warns of. */
  public static Event windowExpiring(long accountId, long conversationId, JsonObject conversation) {
    return new Event(accountId, EventType.CONVERSATION_WINDOW_EXPIRING, conversationId, conversation);
  }

  /** {@code data}: {@code conversationId}, {@code agentId}, {@code lastReadMessageId}. */
  public static Event conversationRead(long accountId, long conversationId, JsonObject data) {
    return new Event(accountId, EventType.CONVERSATION_READ, conversationId, data);
  }

  public static Event contactUpdated(long accountId, Long conversationId, JsonObject contact) {
    return new Event(accountId, EventType.CONTACT_UPDATED, conversationId, contact);
  }

  public static Event channelUpdated(long accountId, JsonObject channel) {
    return new Event(accountId, EventType.CHANNEL_UPDATED, null, channel);
  }

  /** {@code data}: the endpoint's {@code id}, {@code url} and the {@code reason} it was disabled. */
  public static Event webhookEndpointDisabled(long accountId, long endpointId, String url, String reason) {
    return new Event(accountId, EventType.WEBHOOK_ENDPOINT_DISABLED, null,
        new JsonObject().put("id", String.valueOf(endpointId)).put("url", url).put("reason", reason));
  }

  /** {@code kind} "label" or "field"; {@code to} the new name (a merge target), or null when deleted. */
  public static Event namesChanged(long accountId, String kind, String from, String to) {
    return new Event(accountId, EventType.NAMES_CHANGED, null, new JsonObject().put("kind", kind).put("from", from).put("to", to));
  }

  /**
   * {@code section} the Settings section that shows it ("agents", "teams", "saved-replies",
   * "flows"), the thing's {@code id}, and {@code deleted} when it is gone. Contents are not
   * carried: a page that shows them reads them again with its own rights.
   */
  public static Event settingsChanged(long accountId, String section, long id, boolean deleted) {
    return new Event(accountId, EventType.SETTINGS_CHANGED, null,
        new JsonObject().put("section", section).put("id", String.valueOf(id)).put("deleted", deleted));
  }

  /** The stored form: what the log keeps and /events answers (without the log's {@code id}). */
  public String encode() {
    return new JsonObject()
        .put("type", type.wire())
        .put("accountId", String.valueOf(accountId))
        .put("conversationId", conversationId == null ? null : String.valueOf(conversationId))
        .put("data", data)
        .encode();
  }
}
