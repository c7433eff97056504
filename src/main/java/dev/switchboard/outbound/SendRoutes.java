package dev.switchboard.outbound;

import io.vertx.sqlclient.Pool;
import dev.switchboard.store.RedisStore;
import dev.switchboard.conversation.Transactions;
import dev.switchboard.common.Principal;
import dev.switchboard.channel.GraphClient;
import dev.switchboard.channel.Sender;
import dev.switchboard.common.ApiException;
import dev.switchboard.http.Bodies;
import dev.switchboard.common.Ids;
import dev.switchboard.common.Text;
import dev.switchboard.media.MediaTypes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /conversations/{id}/messages} (reply or note), {@code POST /conversations/{id}/template}
 * and {@code GET /channels/{id}/templates}.
 */
public final class SendRoutes {

  private static final int MAX_KEY_LENGTH = 255;
  /** An attachment's URL: the length browsers, CDNs and Meta's fetchers reliably take. */
  static final int ATTACHMENT_URL_MAX = 2048;
  /** An attachment's file name and MIME type: what file systems keep of a name, past RFC 6838's 127 + 1 + 127. */
  static final int ATTACHMENT_NAME_MAX = 255;
  /** WhatsApp takes a template body of at most 1,024 characters, so no parameter of it can be longer. */
  static final int TEMPLATE_PARAMETER_MAX = 1024;
  /** More placeholders than a 1,024-character body can hold ({{n}} takes 5 characters or more). */
  static final int TEMPLATE_PARAMETERS_MAX = 200;

  private final Pool pool;
  private final Outbox outbox;
  private final Templates templates;

  public SendRoutes(Transactions tx, Outbox outbox, RedisStore redis, GraphClient graph, int templateCacheSeconds) {
    this.pool = tx.pool();
    this.outbox = outbox;
    this.templates = new Templates(redis, tx, graph, templateCacheSeconds);
  }

  public void mount(Router api) {
    api.post("/conversations/:id/messages").handler(this::postMessage);
    api.post("/conversations/:id/template").handler(this::postTemplate);
    api.post("/conversations/:id/request-phone").handler(this::requestPhone);
    api.get("/channels/:id/templates").handler(this::listTemplates);
  }

  private void postMessage(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    long conversationId = Ids.parse(ctx.pathParam("id"), "conversation");
    JsonObject body = Bodies.object(ctx);
    String type = Bodies.string(body, "type", true);
    if (!"reply".equals(type) && !"note".equals(type)) {
      throw ApiException.badRequest("invalid_field", "type must be reply or note");
    }
    String text = Bodies.string(body, "text", false);
    if ("note".equals(type) && text != null) {
      text = Text.text(text, "text", Text.NOTE_MAX);
    }
    List<Sender.Attachment> attachments = attachments(Bodies.array(body, "attachments", false));
    if ((text == null || text.isBlank()) && attachments.isEmpty()) {
      throw ApiException.badRequest("missing_field", "text is required (or at least one attachment)");
    }
    outbox.post(p.accountId(), p.actor(), conversationId, type, text, attachments, key(ctx), basedOn(body))
        .onSuccess(posted -> answer(ctx, posted))
        .onFailure(ctx::fail);
  }

  private void postTemplate(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    long conversationId = Ids.parse(ctx.pathParam("id"), "conversation");
    JsonObject body = Bodies.object(ctx);
    String name = Bodies.string(body, "name", true);
    String language = Bodies.string(body, "language", true);
    JsonArray raw = Bodies.array(body, "parameters", false);
    List<String> parameters = new ArrayList<>();
    if (raw != null) {
      if (raw.size() > TEMPLATE_PARAMETERS_MAX) {
        throw ApiException.unprocessable("invalid_parameters", "at most " + TEMPLATE_PARAMETERS_MAX + " parameters");
      }
      for (int i = 0; i < raw.size(); i++) {
        if (!(raw.getValue(i) instanceof String s)) {
          throw ApiException.badRequest("invalid_field", "parameters[" + i + "] must be a string");
        }
        parameters.add(Text.text(s, "parameters[" + i + "]", TEMPLATE_PARAMETER_MAX));
      }
    }
    String key = key(ctx);
    outbox.channelOfConversation(p.accountId(), conversationId)
        .compose(ch -> templates.approved(ch.getLong("id"), ch.getString("platform"), ch.getString("waba_id"), ch.getString("access_token")))
        .compose(list -> {
          JsonObject t = Templates.find(list, name, language);
          // the count of parameters is checked before the conversation is read
          Templates.render(t.getString("body"), parameters);
          return outbox.postTemplate(p.accountId(), p.actor(), conversationId, new Sender.Template(name, language, parameters),
              t.getString("body"), t.getBoolean("needsPhone", false), key);
        })
        .onSuccess(posted -> answer(ctx, posted))
        .onFailure(ctx::fail);
  }

  private void requestPhone(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    long conversationId = Ids.parse(ctx.pathParam("id"), "conversation");
    // the body is optional: an empty POST asks with the default prompt
    JsonObject body = ctx.body() == null || ctx.body().length() <= 0 ? new JsonObject() : Bodies.object(ctx);
    String text = Bodies.string(body, "text", false);
    outbox.postPhoneRequest(p.accountId(), p.actor(), conversationId, text, key(ctx))
        .onSuccess(posted -> answer(ctx, posted))
        .onFailure(ctx::fail);
  }

  private void listTemplates(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    long channelId = Ids.parse(ctx.pathParam("id"), "channel");
    pool.preparedQuery(OutboxSql.CHANNEL).execute(Tuple.of(channelId, p.accountId()))
        .compose(rows -> {
          if (rows.size() == 0) {
            throw ApiException.notFound("channel");
          }
          var ch = rows.iterator().next();
          return templates.approved(channelId, ch.getString("platform"), ch.getString("waba_id"), ch.getString("access_token"));
        })
        .onSuccess(items -> ctx.json(new JsonObject().put("items", items)))
        .onFailure(ctx::fail);
  }

  // A replay answers 200 with the first message; a new message 201 (more pieces of a split reply in `more`).
  private static void answer(RoutingContext ctx, Outbox.Posted posted) {
    JsonObject out = posted.message().copy();
    if (!posted.more().isEmpty()) {
      out.put("more", new JsonArray(new ArrayList<>(posted.more())));
    }
    if (posted.replayed()) {
      ctx.response().putHeader("Idempotent-Replayed", "true");
    }
    ctx.response().setStatusCode(posted.replayed() ? 200 : 201);
    ctx.json(out);
  }

  /** {@code basedOnMessageId} unless {@code force: true} (then the agent chose to send anyway). */
  private static Long basedOn(JsonObject body) {
    String raw = body.getValue("basedOnMessageId") instanceof Number n ? String.valueOf(n.longValue())
        : Bodies.string(body, "basedOnMessageId", false);
    Boolean force = Bodies.bool(body, "force");
    if (raw == null || Boolean.TRUE.equals(force)) {
      return null;
    }
    Long id = Ids.tryParse(raw);
    if (id == null) {
      throw ApiException.badRequest("invalid_field", "basedOnMessageId must be a message id");
    }
    return id;
  }

  private static String key(RoutingContext ctx) {
    String key = ctx.request().getHeader("Idempotency-Key");
    if (key == null || key.isBlank()) {
      return null;
    }
    if (key.length() > MAX_KEY_LENGTH) {
      throw ApiException.badRequest("invalid_header", "Idempotency-Key may have at most " + MAX_KEY_LENGTH + " characters");
    }
    return key.trim();
  }

  /** The attachment's file name, one line of at most 255 characters; null when absent or blank. */
  private static String filename(JsonObject attachment, int i) {
    String raw = Bodies.string(attachment, "filename", false);
    return raw == null || Text.blank(raw) ? null : Text.name(raw, "attachments[" + i + "].filename", ATTACHMENT_NAME_MAX);
  }

  private static List<Sender.Attachment> attachments(JsonArray raw) {
    List<Sender.Attachment> out = new ArrayList<>();
    if (raw == null) {
      return out;
    }
    if (raw.size() > Outbox.MAX_ATTACHMENTS) {
      throw ApiException.badRequest("invalid_field", "at most " + Outbox.MAX_ATTACHMENTS + " attachments");
    }
    for (int i = 0; i < raw.size(); i++) {
      if (!(raw.getValue(i) instanceof JsonObject a)) {
        throw ApiException.badRequest("invalid_field", "attachments[" + i + "] must be an object");
      }
      if (a.containsKey("mediaId")) {
        // an upload (POST /media): its type and size are the store's, checked when the reply is queued
        String id = Bodies.string(a, "mediaId", true);
        if (Ids.tryParse(id) == null) {
          throw ApiException.badRequest("invalid_field", "attachments[" + i + "].mediaId must be the id POST /media answered");
        }
        out.add(new Sender.Attachment(null, null, filename(a, i), id, null));
        continue;
      }
      String url = Bodies.string(a, "url", true).trim();
      if (!url.startsWith("https://") && !url.startsWith("http://")) {
        throw ApiException.badRequest("invalid_field", "attachments[" + i + "].url must be an http(s) URL");
      }
      // a URL carries spaces and control characters percent-encoded, never raw
      if (url.length() > ATTACHMENT_URL_MAX || url.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
        throw ApiException.unprocessable("invalid_attachment", "attachments[" + i + "].url must be an http(s) URL of at most "
            + ATTACHMENT_URL_MAX + " characters, without spaces or control characters");
      }
      String given = Bodies.string(a, "mimeType", true).trim();
      // parameters ("audio/ogg; codecs=opus") say nothing Meta reads from the type: the type is kept without them
      String mime = given.indexOf(';') > 0 && given.length() <= ATTACHMENT_NAME_MAX ? given.substring(0, given.indexOf(';')).trim() : given;
      if (!mime.contains("/")) {
        throw ApiException.badRequest("invalid_field", "attachments[" + i + "].mimeType must be a MIME type like image/png");
      }
      if (mime.length() > ATTACHMENT_NAME_MAX || !MediaTypes.wellFormed(mime)) {
        throw ApiException.unprocessable("invalid_attachment", "attachments[" + i + "].mimeType must be a type/subtype like image/png"
            + " (RFC 6838 names; parameters after ; are dropped)");
      }
      out.add(new Sender.Attachment(url, mime.toLowerCase(java.util.Locale.ROOT), filename(a, i)));
    }
    return out;
  }
}
