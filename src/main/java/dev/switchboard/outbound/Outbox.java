package dev.switchboard.outbound;

import dev.switchboard.conversation.Transactions;
import dev.switchboard.common.Actor;
import dev.switchboard.media.MediaLimits;
import dev.switchboard.media.MediaRefs;
import dev.switchboard.channel.Sender;
import dev.switchboard.common.ApiException;
import dev.switchboard.common.Times;
import dev.switchboard.conversation.Placeholders;
import dev.switchboard.common.TxChanges;
import dev.switchboard.conversation.TxEvents;
import dev.switchboard.conversation.Views;
import dev.switchboard.events.Event;
import dev.switchboard.store.Bus;
import dev.switchboard.common.WindowPolicy;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Puts outbound messages into the outbox (the messages table, status {@code pending}) inside a
 * transaction, after the window check against PostgreSQL's truth; the send pipeline
 * ({@link OutboxVerticle}) delivers them. Used by the agents' API and by the bot.
 */
public final class Outbox {

  private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);

  /** The most attachments one request may carry. */
  static final int MAX_ATTACHMENTS = 10;
  /** WhatsApp captions are shorter than texts: longer text travels as its own message. */
  static final int WHATSAPP_CAPTION_LIMIT = 1024;

  /** A stored message and where it belongs, for the events published after commit. */
  public record Queued(long accountId, long conversationId, JsonObject message) {
  }

  /** What a POST answered: the (first) message, the others it was split into, and whether it was a replay. */
  public record Posted(JsonObject message, List<JsonObject> more, boolean replayed) {
  }

  /** The conversation as the send path sees it (locked for the transaction). */
  record Target(long id, long accountId, long channelId, String platform, String wabaId, String accessToken,
                Instant lastInboundAt, Map<String, String> fields, String waId, Instant adReferralAt, boolean disconnected) {
  }

  /** A conversation to send to, with the request's attachments as they will be stored. */
  private record Resolved(Target target, List<Sender.Attachment> attachments) {
  }

  /** One Graph-sized piece of a request: a text, or one attachment (with the text as caption). */
  record Unit(String text, Sender.Attachment attachment) {
  }

  private final Transactions tx;
  private final String publicUrl;
  private final long mediaMaxBytes;

  public Outbox(Transactions tx, String publicUrl, long mediaMaxBytes) {
    this.tx = tx;
    this.publicUrl = publicUrl;
    this.mediaMaxBytes = mediaMaxBytes;
  }

  /**
   * Bot API: inserts a pending bot message, and its events, in the caller's transaction (automation
   * window: never HUMAN_AGENT). Fails with 422 {@code window_closed} / {@code template_required} /
   * {@code missing_field} / {@code text_too_long}; the caller rolls back or carries on.
   */
  public Future<Void> enqueueBotReply(TxChanges events, long conversationId, String text, List<Sender.QuickReply> quickReplies) {
    SqlConnection tx = events.conn();
    return target(tx, conversationId, null).compose(t -> {
      String rendered = render(text, t.fields());
      checkText(t.platform(), rendered, false);
      checkWindow(t, WindowPolicy.Sender.BOT);
      JsonObject spec = null;
      if (quickReplies != null && !quickReplies.isEmpty()) {
        JsonArray qrs = new JsonArray();
        quickReplies.forEach(q -> qrs.add(new JsonObject().put("title", q.title()).put("payload", q.payload())));
        spec = new JsonObject().put("quickReplies", qrs);
      }
      return insert(tx, t, "bot", "text", rendered, new JsonArray(), "bot", null, "pending", spec)
          .compose(m -> touch(tx, t.id()).map(v -> {
            publish(events, List.of(new Queued(t.accountId(), t.id(), m)));
            return (Void) null;
          }));
    });
  }

  /** message.created for each new message and conversation.updated for its conversation, in {@code events}' transaction. */
  private static void publish(TxChanges events, List<Queued> queued) {
    for (Queued q : queued) {
      events.add(Event.messageCreated(q.accountId(), q.conversationId(), q.message()))
          .conversationChanged(q.accountId(), q.conversationId());
      if ("pending".equals(q.message().getString("status"))) {
        events.outboundQueued();
      }
    }
  }

  /** An agent's reply or note (the API path): idempotent by key, window-checked, split per Graph call. */
  Future<Posted> post(long accountId, Actor actor, long conversationId, String type, String text,
                      List<Sender.Attachment> given, String idempotencyKey) {
    return post(accountId, actor, conversationId, type, text, given, idempotencyKey, null);
  }

  /** The same, refused with 409 {@code newer_reply} when someone else replied after {@code basedOn} (see NewerReply). */
  Future<Posted> post(long accountId, Actor actor, long conversationId, String type, String text,
                      List<Sender.Attachment> given, String idempotencyKey, Long basedOn) {
    return keyed(accountId, conversationId, idempotencyKey, tx -> target(tx, conversationId, accountId)
        .compose(target -> NewerReply.check(tx, target.id(), "reply".equals(type) ? basedOn : null, actor).map(target))
        .compose(target -> kept(tx, target, given).map(list -> new Resolved(target, list))).compose(resolved -> {
      Target t = resolved.target();
      List<Sender.Attachment> attachments = resolved.attachments();
      if ("note".equals(type)) {
        JsonArray atts = new JsonArray();
        attachments.forEach(a -> atts.add(a.toJson()));
        String contentType = attachments.isEmpty() ? "text" : attachments.get(0).kind();
        return insert(tx, t, "note", contentType, text, atts, actor.type(), actor.id(), null, null)
            .compose(m -> touch(tx, t.id()).map(v -> List.of(new Queued(t.accountId(), t.id(), m))));
      }
      String rendered = render(text, t.fields());
      checkText(t.platform(), rendered, !attachments.isEmpty());
      checkWindow(t, WindowPolicy.Sender.AGENT);
      List<Unit> units = units(t.platform(), rendered, attachments);
      Future<List<Queued>> chain = Future.succeededFuture(new ArrayList<>());
      for (Unit u : units) {
        chain = chain.compose(list -> {
          JsonArray atts = u.attachment() == null ? new JsonArray() : new JsonArray().add(u.attachment().toJson());
          String contentType = u.attachment() == null ? "text" : u.attachment().kind();
          return insert(tx, t, "reply", contentType, u.text(), atts, actor.type(), actor.id(), "pending", null)
              .map(m -> {
                list.add(new Queued(t.accountId(), t.id(), m));
                return list;
              });
        });
      }
      return chain.compose(list -> touch(tx, t.id()).map(v -> list));
    }));
  }

  /**
   * Uploaded attachments ({@code mediaId}) with their stored type: the account's own media only
   * (422 {@code unknown_media}), of a type and size the platform takes (422
   * {@code unsupported_media} / {@code media_too_large}). Instagram fetches files from a URL, so
   * an installation without {@code PUBLIC_URL} asks for one (422).
   */
  private Future<List<Sender.Attachment>> kept(SqlConnection tx, Target t, List<Sender.Attachment> attachments) {
    Future<List<Sender.Attachment>> chain = Future.succeededFuture(new ArrayList<>());
    for (int i = 0; i < attachments.size(); i++) {
      Sender.Attachment a = attachments.get(i);
      int index = i;
      chain = chain.compose(list -> {
        if (a.mediaId() == null) {
          list.add(a);
          return Future.succeededFuture(list);
        }
        if ("instagram".equals(t.platform()) && publicUrl == null) {
          return Future.failedFuture(ApiException.unprocessable("unsupported_media",
              "Instagram downloads files from a public URL: this installation has no PUBLIC_URL, so give an https URL"));
        }
        return tx.preparedQuery(OutboxSql.KEPT_MEDIA).execute(Tuple.of(Long.parseLong(a.mediaId()), t.accountId())).compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(ApiException.unprocessable("unknown_media",
                "attachments[" + index + "].mediaId names no media of this account"));
          }
          Row r = rows.iterator().next();
          var refused = MediaLimits.check(t.platform(), r.getString("mime_type"), r.getLong("size"), mediaMaxBytes);
          if (refused != null) {
            return Future.failedFuture(ApiException.unprocessable(refused.code(), refused.getMessage()));
          }
          list.add(new Sender.Attachment(null, r.getString("mime_type"), a.filename(), a.mediaId(), null));
          return Future.succeededFuture(list);
        });
      });
    }
    return chain;
  }

  /**
   * A WhatsApp template (allowed whatever the window): its parameters' {@code {{field}}}
   * placeholders filled from the contact as a reply's are (a draft moved into a parameter keeps
   * them; 422 missing_field for a field the contact lacks), stored with its rendered body, then sent.
   */
  Future<Posted> postTemplate(long accountId, Actor actor, long conversationId, Sender.Template given, String templateBody,
                              boolean needsPhone, String idempotencyKey) {
    return keyed(accountId, conversationId, idempotencyKey, tx -> target(tx, conversationId, accountId).compose(t -> {
      if (!"whatsapp".equals(t.platform())) {
        throw ApiException.unprocessable("unsupported_platform", "templates can only be sent on WhatsApp conversations");
      }
      checkConnected(t);
      if (needsPhone && t.waId() == null) {
        throw ApiException.unprocessable("phone_required", "the template " + given.name() + " has a code button, which "
            + "WhatsApp only delivers to a phone number; this customer is known only by their username. "
            + "Ask for their phone number first (Request phone number).");
      }
      List<String> parameters = new ArrayList<>();
      for (String parameter : given.parameters()) {
        parameters.add(render(parameter, t.fields()));
      }
      Sender.Template template = new Sender.Template(given.name(), given.language(), parameters);
      String renderedBody = Templates.render(templateBody, parameters);
      JsonObject spec = new JsonObject().put("template", new JsonObject().put("name", template.name())
          .put("language", template.language()).put("parameters", new JsonArray(new ArrayList<>(template.parameters()))));
      return insert(tx, t, "template", "text", renderedBody, new JsonArray(), actor.type(), actor.id(), "pending", spec)
          .compose(m -> touch(tx, t.id()).map(v -> List.of(new Queued(t.accountId(), t.id(), m))));
    }));
  }

  /** The prompt of a contact-info request when the agent gives none. */
  static final String PHONE_REQUEST_TEXT = "Could you share your phone number with us?";

  /**
   * WhatsApp's interactive request for the customer's phone number ({@code request_contact_info}),
   * for a customer known only by username. The answer (a shared contact card) fills the
   * contact's phone in the processor. An ordinary message: the 24-hour window applies.
   */
  Future<Posted> postPhoneRequest(long accountId, Actor actor, long conversationId, String text, String idempotencyKey) {
    return keyed(accountId, conversationId, idempotencyKey, tx -> target(tx, conversationId, accountId).compose(t -> {
      if (!"whatsapp".equals(t.platform())) {
        throw ApiException.unprocessable("unsupported_platform", "a phone number can only be requested on WhatsApp conversations");
      }
      if (t.waId() != null) {
        throw ApiException.unprocessable("phone_known", "this customer's phone number is already known");
      }
      String prompt = text == null || text.isBlank() ? PHONE_REQUEST_TEXT : text;
      checkText(t.platform(), prompt, false);
      checkWindow(t, WindowPolicy.Sender.AGENT);
      return insert(tx, t, "reply", "request_contact_info", prompt, new JsonArray(), actor.type(), actor.id(), "pending",
          new JsonObject().put("requestContactInfo", true))
          .compose(m -> touch(tx, t.id()).map(v -> List.of(new Queued(t.accountId(), t.id(), m))));
    }));
  }

  /** The channel of one of the account's conversations (id, platform, waba_id, access_token); 404 if none. */
  Future<Row> channelOfConversation(long accountId, long conversationId) {
    return tx.pool().preparedQuery(OutboxSql.CHANNEL_OF_CONVERSATION)
        .execute(Tuple.of(conversationId, accountId))
        .map(rows -> {
          if (rows.size() == 0) {
            throw ApiException.notFound("conversation");
          }
          return rows.iterator().next();
        });
  }

  // Runs the insert in a transaction guarded by the idempotency key, its events with it.
  private Future<Posted> keyed(long accountId, long conversationId, String key,
                               Function<SqlConnection, Future<List<Queued>>> work) {
    Instant now = tx.clock().instant();
    return tx.run(events -> {
      SqlConnection tx = events.conn();
      Future<Boolean> taken = key == null ? Future.succeededFuture(true)
          : tx.preparedQuery(OutboxSql.TAKE_KEY).execute(Tuple.of(accountId, key, conversationId, Times.utc(now)))
              .map(rows -> rows.size() > 0);
      return taken.compose(fresh -> {
        if (!fresh) {
          return replay(tx, accountId, conversationId, key);
        }
        return work.apply(tx).compose(list -> {
          publish(events, list);
          Future<Void> remember = key == null ? Future.succeededFuture()
              : tx.preparedQuery(OutboxSql.SET_KEY_MESSAGE)
                  .execute(Tuple.of(accountId, key, Long.parseLong(list.get(0).message().getString("id")))).mapEmpty();
          return remember.map(v -> new Fresh(list));
        });
      });
    }).map(result -> {
      if (result instanceof Fresh f) {
        return new Posted(f.queued().get(0).message(),
            f.queued().subList(1, f.queued().size()).stream().map(Queued::message).toList(), false);
      }
      return (Posted) result;
    });
  }

  private record Fresh(List<Queued> queued) {
  }

  private Future<Object> replay(SqlConnection tx, long accountId, long conversationId, String key) {
    return tx.preparedQuery(OutboxSql.KEYED_MESSAGE).execute(Tuple.of(accountId, key)).map(rows -> {
      if (rows.size() == 0) {
        throw ApiException.conflict("idempotency_key_in_use", "a request with this Idempotency-Key is still in progress; retry");
      }
      Row r = rows.iterator().next();
      if (r.getLong("key_conversation_id") != conversationId) {
        throw ApiException.conflict("idempotency_key_reused", "this Idempotency-Key was used for another conversation");
      }
      return new Posted(Views.message(r), List.of(), true);
    });
  }

  Future<Target> target(SqlConnection tx, long conversationId, Long accountId) {
    return tx.preparedQuery(OutboxSql.CONVERSATION_FOR_SEND).execute(Tuple.of(conversationId, accountId)).map(rows -> {
      if (rows.size() == 0) {
        throw ApiException.notFound("conversation");
      }
      Row r = rows.iterator().next();
      Map<String, String> fields = new HashMap<>();
      Object f = r.getValue("fields");
      if (f instanceof JsonObject o) {
        o.forEach(e -> fields.put(e.getKey(), String.valueOf(e.getValue())));
      }
      return new Target(r.getLong("id"), r.getLong("account_id"), r.getLong("channel_id"), r.getString("platform"),
          r.getString("waba_id"), r.getString("access_token"),
          r.getOffsetDateTime("last_inbound_at") == null ? null : r.getOffsetDateTime("last_inbound_at").toInstant(), fields,
          r.getString("wa_id"), Times.instant(r.getOffsetDateTime("ad_referral_at")), r.getBoolean("disconnected"));
    });
  }

  private Future<JsonObject> insert(SqlConnection tx, Target t, String type, String contentType, String text, JsonArray attachments,
                                    String senderType, Long senderId, String status, JsonObject spec) {
    return tx.preparedQuery(OutboxSql.INSERT_MESSAGE)
        .execute(Tuple.tuple(List.of(t.accountId(), t.id(), t.channelId(), type, contentType)).addValue(text).addValue(attachments)
            .addValue(senderType).addValue(senderId).addValue(status).addValue(spec))
        .map(rows -> Views.message(rows.iterator().next()))
        // an upload named by the message: referenced, so retention counts from now and expiry marks it
        .compose(m -> MediaRefs.namesKept(attachments)
            ? MediaRefs.record(tx, Long.parseLong(m.getString("id"))).map(m) : Future.succeededFuture(m));
  }

  private static Future<Void> touch(SqlConnection tx, long conversationId) {
    return tx.preparedQuery(OutboxSql.TOUCH_CONVERSATION).execute(Tuple.of(conversationId)).mapEmpty();
  }

  /** {@code {{field}}} rendering; fields the contact lacks answer 422 missing_field naming them. */
  static String render(String text, Map<String, String> fields) {
    try {
      return Placeholders.render(text, fields);
    } catch (Placeholders.MissingFieldsException e) {
      throw ApiException.unprocessable("missing_field", e.getMessage());
    }
  }

  /** Nothing is sent on a disconnected channel (notes are still written: they stay inside Switchboard). */
  private static void checkConnected(Target t) {
    if (t.disconnected()) {
      throw ApiException.conflict("channel_disconnected",
          "this conversation's channel is disconnected; an admin can connect it again under Settings → Channels");
    }
  }

  private void checkWindow(Target t, WindowPolicy.Sender sender) {
    checkConnected(t);
    WindowPolicy policy = tx.windows();
    WindowPolicy.Decision d = policy.decide(t.platform(), sender, t.lastInboundAt(), t.adReferralAt(), tx.clock().instant());
    if (d == WindowPolicy.Decision.ALLOWED || d == WindowPolicy.Decision.HUMAN_AGENT_TAG) {
      return;
    }
    throw refusal(d, t.platform(), sender, t.lastInboundAt(), policy);
  }

  /** The 422 for a send the window forbids, naming when the window closed. */
  static ApiException refusal(WindowPolicy.Decision d, String platform, WindowPolicy.Sender sender, Instant lastInbound,
                              WindowPolicy policy) {
    if (d == WindowPolicy.Decision.TEMPLATE_ONLY) {
      String when = lastInbound == null ? "the customer has not written yet"
          : "the 24-hour window closed at " + Times.iso(lastInbound.plus(policy.standard()));
      return ApiException.unprocessable("template_required", when + "; only an approved template can be sent");
    }
    if (lastInbound == null) {
      return ApiException.unprocessable("window_closed", "the customer has not written yet; nothing can be sent");
    }
    boolean human = sender == WindowPolicy.Sender.AGENT && !"whatsapp".equals(platform);
    Instant closed = lastInbound.plus(human ? policy.humanAgent() : policy.standard());
    return ApiException.unprocessable("window_closed", "the reply window closed at " + Times.iso(closed)
        + (human ? " (human agents may answer for 7 days after the customer's last message)" : ""));
  }

  static void checkText(String platform, String text, boolean hasAttachments) {
    if ((text == null || text.isBlank()) && !hasAttachments) {
      throw ApiException.badRequest("missing_field", "text is required");
    }
    int limit = Sender.textLimit(platform);
    if (text != null && text.codePointCount(0, text.length()) > limit) {
      throw ApiException.unprocessable("text_too_long", platform + " texts may have at most " + limit + " characters, this has "
          + text.codePointCount(0, text.length()));
    }
  }

  /** Splits a reply into Graph calls: WhatsApp captions the first attachment; Messenger/Instagram send text first. */
  static List<Unit> units(String platform, String text, List<Sender.Attachment> attachments) {
    List<Unit> out = new ArrayList<>();
    boolean hasText = text != null && !text.isBlank();
    if (attachments.isEmpty()) {
      out.add(new Unit(text, null));
      return out;
    }
    boolean caption = hasText && "whatsapp".equals(platform) && !"audio".equals(attachments.get(0).kind())
        && text.length() <= WHATSAPP_CAPTION_LIMIT;
    if (hasText && !caption) {
      out.add(new Unit(text, null));
    }
    for (int i = 0; i < attachments.size(); i++) {
      out.add(new Unit(caption && i == 0 ? text : null, attachments.get(i)));
    }
    return out;
  }
}
