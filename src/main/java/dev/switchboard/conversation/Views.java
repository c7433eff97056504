package dev.switchboard.conversation;

import dev.switchboard.common.Times;
import dev.switchboard.common.WindowPolicy;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The API shapes of conversations, contacts and messages (docs/openapi.yaml), built from rows. One
 * place, so the list, a single fetch and every pushed event show exactly the same object.
 */
public final class Views {

  private Views() {
  }

  /**
   * Selects everything a conversation view needs, its unread count as {@code reader} sees it (an
   * SQL expression naming an agent id, or NULL when no agent is looking, as for events); append a
   * WHERE clause. Columns are read by name.
   *
   * <p>The unread count is what the read agent has not read: the conversation's assigned agent,
   * otherwise the reader. It counts customer messages after that agent's mark (conversation_reads,
   * an index range on messages_conversation_idx, capped at {@link #UNREAD_CAP}); an agent who never
   * opened the conversation sees the account's counter {@code unread_count} (customer messages
   * since the account last read it before read marks were per agent). The last message (the
   * list's preview) is the newest row of the same index. Both run once per row of the answer (a
   * page, one event), never per row the list query walks.
   */
  static String conversationSelect(String reader) {
    return """
      SELECT cv.id, cv.account_id, cv.status, cv.assignee_type, cv.assignee_id, cv.last_message_at,
             cv.last_inbound_at, cv.unread_count, cv.created_at, cv.channel_id, cv.ad_referral_at,
             cv.needs_reply, cv.snoozed_until,
             ch.platform, ch.name AS channel_name,
             ct.id AS contact_id, ct.platform_user_id, ct.display_name, ct.platform_name, ct.phone, ct.email,
             ct.bsuid, ct.parent_bsuid, ct.username,
             CASE cv.assignee_type WHEN 'agent' THEN (SELECT u.name FROM users u WHERE u.id = cv.assignee_id)
                                   WHEN 'team' THEN (SELECT t.name FROM teams t WHERE t.id = cv.assignee_id) END AS assignee_name,
             (SELECT coalesce(jsonb_object_agg(f.name, f.value), '{}'::jsonb) FROM contact_fields f WHERE f.contact_id = ct.id) AS fields,
             (SELECT coalesce(jsonb_agg(l.name ORDER BY l.name), '[]'::jsonb) FROM contact_labels l WHERE l.contact_id = ct.id) AS labels,
             rd.reader AS read_by, rd.last_read_message_id,
             CASE WHEN rd.last_read_at IS NULL THEN NULL ELSE
               (SELECT count(*) FROM (SELECT 1 FROM messages m
                                       WHERE m.conversation_id = cv.id AND (m.created_at, m.id) > (rd.last_read_at, rd.last_read_message_id)
                                         AND m.direction = 'in' AND m.deleted_at IS NULL
                                       LIMIT %2$d) x) END AS unread_after_mark,
             lm.id AS last_id, lm.direction AS last_direction, lm.type AS last_type, lm.content_type AS last_content_type,
             left(lm.text, %3$d) AS last_text, CASE WHEN jsonb_typeof(lm.attachments) = 'array' THEN jsonb_array_length(lm.attachments) ELSE 0 END AS last_attachments,
             lm.attachments->0->>'mimeType' AS last_mime, lm.sender_type AS last_sender_type, lm.deleted_at AS last_deleted_at
        FROM conversations cv
        JOIN channels ch ON ch.id = cv.channel_id
        JOIN contacts ct ON ct.id = cv.contact_id
        LEFT JOIN LATERAL (
          SELECT w.reader, r.last_read_message_id, r.last_read_at
            FROM (SELECT CASE WHEN cv.assignee_type = 'agent' THEN cv.assignee_id ELSE %1$s END AS reader) w
            LEFT JOIN conversation_reads r ON r.conversation_id = cv.id AND r.user_id = w.reader) rd ON true
        LEFT JOIN LATERAL (
          SELECT m.id, m.direction, m.type, m.content_type, m.text, m.attachments, m.sender_type, m.deleted_at
            FROM messages m WHERE m.conversation_id = cv.id ORDER BY m.created_at DESC, m.id DESC LIMIT 1) lm ON true
      """.formatted(reader, UNREAD_CAP, PREVIEW_MAX);
  }

  /** Unread counts stop here (the inbox shows "99+"): counting further only costs. */
  public static final int UNREAD_CAP = 100;
  /** Characters of the last message a list row shows. */
  public static final int PREVIEW_MAX = 120;

  /** {@link #conversationSelect} as no agent sees it (events, timers): the assigned agent's unread count. */
  public static final String CONVERSATION_SELECT = conversationSelect("NULL::bigint");
  /** {@link #conversationSelect} for the agent in {@code $2}; the WHERE clause names ids in {@code $1}. */
  static final String CONVERSATION_SELECT_FOR = conversationSelect("$2::bigint");

  public static final String CONTACT_SELECT = """
      SELECT ct.id AS contact_id, ct.account_id, ct.channel_id, ct.platform_user_id, ct.display_name, ct.platform_name,
             ct.phone, ct.email, ct.bsuid, ct.parent_bsuid, ct.username, ch.platform,
             (SELECT coalesce(jsonb_object_agg(f.name, f.value), '{}'::jsonb) FROM contact_fields f WHERE f.contact_id = ct.id) AS fields,
             (SELECT coalesce(jsonb_agg(l.name ORDER BY l.name), '[]'::jsonb) FROM contact_labels l WHERE l.contact_id = ct.id) AS labels
        FROM contacts ct
        JOIN channels ch ON ch.id = ct.channel_id
      """;

  public static final String MESSAGE_COLUMNS =
      "id, account_id, conversation_id, channel_id, direction, type, content_type, text, attachments, raw, sender_type, "
          + "sender_id, status, error_code, error_message, external_id, reply_to, platform_timestamp, created_at, updated_at, "
          + "payload, deleted_at, pricing";

  /** Loads conversation views by id (any account: callers scope ids before asking). Order follows {@code ids}. */
  public static Future<List<JsonObject>> conversations(SqlClient sql, Collection<Long> ids, WindowPolicy policy, Instant now) {
    return conversations(sql, ids, null, policy, now);
  }

  /** The same, with unread counts as agent {@code reader} sees them (null: as no agent does). */
  public static Future<List<JsonObject>> conversations(SqlClient sql, Collection<Long> ids, Long reader, WindowPolicy policy, Instant now) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    Long[] array = ids.toArray(new Long[0]);
    return (reader == null
        ? sql.preparedQuery(CONVERSATION_SELECT + " WHERE cv.id = ANY($1)").execute(Tuple.of(array))
        : sql.preparedQuery(CONVERSATION_SELECT_FOR + " WHERE cv.id = ANY($1)").execute(Tuple.of(array, reader)))
        .map(rows -> {
          Map<Long, JsonObject> byId = new HashMap<>();
          for (Row r : rows) {
            byId.put(r.getLong("id"), conversation(r, policy, now));
          }
          List<JsonObject> out = new ArrayList<>();
          for (Long id : ids) {
            JsonObject v = byId.get(id);
            if (v != null) {
              out.add(v);
            }
          }
          return out;
        });
  }

  /** A conversation row (from {@link #CONVERSATION_SELECT}) as the API shows it. */
  public static JsonObject conversation(Row r, WindowPolicy policy, Instant now) {
    String platform = r.getString("platform");
    Instant lastInbound = instant(r.getOffsetDateTime("last_inbound_at"));
    WindowPolicy.View w = policy.view(platform, lastInbound, instant(r.getOffsetDateTime("ad_referral_at")), now);
    String assigneeType = r.getString("assignee_type");
    JsonObject assignee = assigneeType == null ? null : new JsonObject()
        .put("type", assigneeType)
        .put("id", String.valueOf(r.getLong("assignee_id")))
        .put("name", r.getString("assignee_name"));
    JsonObject contact = contact(r);
    return new JsonObject()
        .put("id", String.valueOf(r.getLong("id")))
        .put("accountId", String.valueOf(r.getLong("account_id")))
        .put("status", r.getString("status"))
        .put("platform", platform)
        .put("channelId", String.valueOf(r.getLong("channel_id")))
        .put("channelName", r.getString("channel_name"))
        .put("contact", contact)
        .put("assignee", assignee)
        .put("labels", contact.getJsonArray("labels"))
        .put("unreadCount", unread(r))
        .put("readBy", r.getLong("read_by") == null ? null : String.valueOf(r.getLong("read_by")))
        .put("lastReadMessageId", r.getLong("last_read_message_id") == null ? null : String.valueOf(r.getLong("last_read_message_id")))
        .put("lastMessage", lastMessage(r))
        .put("lastMessageAt", Times.iso(r.getOffsetDateTime("last_message_at")))
        .put("lastInboundAt", Times.iso(lastInbound))
        .put("createdAt", Times.iso(r.getOffsetDateTime("created_at")))
        .put("needsReply", r.getBoolean("needs_reply"))
        .put("snoozedUntil", Times.iso(r.getOffsetDateTime("snoozed_until")))
        .put("window", new JsonObject()
            .put("humanExpiresAt", Times.iso(w.humanExpiresAt()))
            .put("automationExpiresAt", Times.iso(w.automationExpiresAt()))
            .put("templateRequired", w.templateRequired()));
  }

  /** After the read agent's mark; without one, the account's counter (what no agent has opened yet). */
  private static int unread(Row r) {
    Long afterMark = r.getLong("unread_after_mark");
    return afterMark != null ? afterMark.intValue() : r.getInteger("unread_count");
  }

  /** The newest message, as a list row previews it; null for a conversation without messages. */
  private static JsonObject lastMessage(Row r) {
    Long id = r.getLong("last_id");
    if (id == null) {
      return null;
    }
    Integer attachments = r.getInteger("last_attachments");
    return new JsonObject()
        .put("id", String.valueOf(id))
        .put("direction", r.getString("last_direction"))
        .put("type", r.getString("last_type"))
        .put("contentType", r.getString("last_content_type"))
        .put("text", r.getString("last_text"))
        .put("attachments", attachments == null ? 0 : attachments)
        .put("mimeType", r.getString("last_mime"))
        .put("senderType", r.getString("last_sender_type"))
        .put("deleted", r.getOffsetDateTime("last_deleted_at") != null);
  }

  /** A contact from a row holding the {@link #CONTACT_SELECT} columns (also part of a conversation row). */
  public static JsonObject contact(Row r) {
    Object fields = r.getValue("fields");
    Object labels = r.getValue("labels");
    return new JsonObject()
        .put("id", String.valueOf(r.getLong("contact_id")))
        .put("channelId", String.valueOf(r.getLong("channel_id")))
        .put("platform", r.getString("platform"))
        .put("platformUserId", r.getString("platform_user_id"))
        .put("displayName", r.getString("display_name"))
        .put("platformName", r.getString("platform_name"))
        .put("phone", r.getString("phone"))
        .put("email", r.getString("email"))
        .put("userId", r.getString("bsuid"))
        .put("parentUserId", r.getString("parent_bsuid"))
        .put("username", r.getString("username"))
        .put("fields", fields instanceof JsonObject o ? o : new JsonObject())
        .put("labels", labels instanceof JsonArray a ? a : new JsonArray());
  }

  /** A message row (columns {@link #MESSAGE_COLUMNS}) as the API shows it. */
  public static JsonObject message(Row r) {
    String errorCode = r.getString("error_code");
    String errorMessage = r.getString("error_message");
    Object attachments = r.getValue("attachments");
    JsonObject m = new JsonObject()
        .put("id", String.valueOf(r.getLong("id")))
        .put("conversationId", String.valueOf(r.getLong("conversation_id")))
        .put("direction", r.getString("direction"))
        .put("type", r.getString("type"))
        .put("contentType", r.getString("content_type"))
        .put("text", r.getString("text"))
        .put("attachments", attachments instanceof JsonArray a ? a : new JsonArray())
        .put("senderType", r.getString("sender_type"))
        .put("senderId", r.getLong("sender_id") == null ? null : String.valueOf(r.getLong("sender_id")))
        .put("status", r.getString("status"))
        .put("error", errorCode == null && errorMessage == null ? null
            : new JsonObject().put("code", errorCode).put("message", errorMessage))
        .put("externalId", r.getString("external_id"))
        .put("replyTo", r.getString("reply_to"))
        .put("payload", r.getString("payload"))
        .put("deletedAt", Times.iso(r.getOffsetDateTime("deleted_at")))
        .put("platformTimestamp", Times.iso(r.getOffsetDateTime("platform_timestamp")))
        .put("createdAt", Times.iso(r.getOffsetDateTime("created_at")))
        .put("updatedAt", Times.iso(r.getOffsetDateTime("updated_at")));
    Object pricing = r.getValue("pricing");
    if (pricing instanceof JsonObject p) {
      // what Meta said the message costs (WhatsApp statuses): shown in the message's details
      m.put("pricing", p);
    }
    if ("unsupported".equals(r.getString("content_type"))) {
      m.put("raw", r.getValue("raw"));
    }
    return m;
  }

  private static Instant instant(OffsetDateTime t) {
    return t == null ? null : t.toInstant();
  }
}
