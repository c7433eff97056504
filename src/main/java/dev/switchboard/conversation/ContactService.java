package dev.switchboard.conversation;

import dev.switchboard.channel.GraphErrors;
import dev.switchboard.common.ApiException;
import dev.switchboard.common.Services;
import dev.switchboard.store.Bus;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Contacts as the business records them: names, email/phone, custom fields, labels; new WhatsApp contacts. */
public final class ContactService {

  private static final Logger LOG = LoggerFactory.getLogger(ContactService.class);
  public static final int NAME_MAX = 100;
  public static final int VALUE_MAX = 4096;

  private final Services s;

  public ContactService(Services s) {
    this.s = s;
  }

  /** The contact view plus {@code conversationId}; 404 for another account's contact. */
  public Future<JsonObject> get(long accountId, long id) {
    return s.pool().preparedQuery(ContactSql.GET).execute(Tuple.of(id, accountId)).map(rows -> {
      if (rows.size() == 0) {
        throw ApiException.notFound("contact");
      }
      Row r = rows.iterator().next();
      Long conv = r.getLong("conversation_id");
      return Views.contact(r).put("conversationId", conv == null ? null : String.valueOf(conv));
    });
  }

  /** The edits a PATCH asked for; an absent field stays as it is, null clears it. */
  public record Edit(boolean displayNameGiven, String displayName, boolean emailGiven, String email,
                     boolean phoneGiven, String phone) {
  }

  public Future<JsonObject> patch(long accountId, long id, Edit e) {
    return s.pool().preparedQuery(ContactSql.PATCH).execute(Tuple.of(id, accountId,
            e.displayNameGiven(), e.displayName(), e.emailGiven(), e.email(), e.phoneGiven(), e.phone()))
        .compose(rows -> changed(accountId, id, rows.size()));
  }

  /**
   * Asks the platform for the contact's current name (Messenger {@code first_name last_name},
   * Instagram {@code name} else {@code username}) and stores it as platformName.
   */
  public Future<JsonObject> refreshName(long accountId, long id) {
    return s.pool().preparedQuery(ContactSql.WITH_CHANNEL).execute(Tuple.of(id, accountId)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(ApiException.notFound("contact"));
      }
      Row r = rows.iterator().next();
      String platform = r.getString("platform");
      String fields;
      if ("messenger".equals(platform)) {
        fields = "first_name,last_name,profile_pic";
      } else if ("instagram".equals(platform)) {
        fields = "name,username,profile_pic";
      } else {
        return Future.failedFuture(ApiException.unprocessable("not_supported",
            "WhatsApp has no profile lookup: the name arrives with every inbound message"));
      }
      String url = s.config().graphApiUrl() + "/" + URLEncoder.encode(r.getString("platform_user_id"), StandardCharsets.UTF_8).replace("+", "%20");
      return s.graph().getAbs(url)
          .addQueryParam("fields", fields)
          .putHeader("Authorization", "Bearer " + r.getString("access_token"))
          .timeout(s.config().graph().timeoutMs())
          .send()
          .recover(err -> Future.failedFuture(ApiException.badGateway("graph_unreachable",
              "the " + platform + " profile API did not answer: " + err.getMessage())))
          .map(resp -> profileName(platform, resp))
          .compose(name -> s.pool().preparedQuery(ContactSql.SET_PLATFORM_NAME).execute(Tuple.of(id, accountId, name)))
          .compose(u -> changed(accountId, id, u.size()));
    });
  }

  static String profileName(String platform, HttpResponse<Buffer> resp) {
    JsonObject body;
    try {
      body = resp.bodyAsJsonObject();
    } catch (DecodeException | ClassCastException e) {
      body = null;
    }
    if (resp.statusCode() / 100 != 2 || body == null || body.containsKey("error")) {
      throw ApiException.badGateway("graph_error", GraphErrors.classify(resp.statusCode(), resp.bodyAsString()).message());
    }
    String name;
    if ("messenger".equals(platform)) {
      name = (nz(body.getString("first_name")) + " " + nz(body.getString("last_name"))).trim();
    } else {
      name = nz(body.getString("name")).trim();
      if (name.isEmpty()) {
        name = nz(body.getString("username")).trim();
      }
    }
    if (name.isEmpty()) {
      throw ApiException.badGateway("graph_error", "the profile API answered no name");
    }
    return name;
  }

  public Future<JsonObject> setField(long accountId, long id, String name, String value) {
    return owned(accountId, id)
        .compose(v -> s.pool().withTransaction(c -> c.preparedQuery(ContactSql.SET_FIELD).execute(Tuple.of(id, accountId, name, value))
            .compose(x -> c.preparedQuery(ContactSql.TOUCH).execute(Tuple.of(id)))))
        .compose(x -> changed(accountId, id, 1));
  }

  public Future<JsonObject> deleteField(long accountId, long id, String name) {
    return owned(accountId, id)
        .compose(v -> s.pool().preparedQuery(ContactSql.DELETE_FIELD).execute(Tuple.of(id, accountId, name)))
        .compose(x -> x.rowCount() == 0 ? get(accountId, id) : changed(accountId, id, 1));
  }

  public Future<JsonObject> addLabel(long accountId, long id, String name) {
    return owned(accountId, id)
        .compose(v -> s.pool().preparedQuery(ContactSql.ADD_LABEL).execute(Tuple.of(id, accountId, name)))
        .compose(x -> x.rowCount() == 0 ? get(accountId, id) : changed(accountId, id, 1));
  }

  public Future<JsonObject> removeLabel(long accountId, long id, String name) {
    return owned(accountId, id)
        .compose(v -> s.pool().preparedQuery(ContactSql.DELETE_LABEL).execute(Tuple.of(id, accountId, name)))
        .compose(x -> x.rowCount() == 0 ? get(accountId, id) : changed(accountId, id, 1));
  }

  /** Every custom field name used in the account. */
  public Future<JsonObject> fieldNames(long accountId) {
    return names(ContactSql.FIELD_NAMES, accountId);
  }

  /** The account's spelling of a label that matches {@code name} without regard to case, or {@code name}. */
  public Future<String> canonicalLabel(long accountId, String name) {
    return s.pool().preparedQuery(ContactSql.LABEL_SPELLING).execute(Tuple.of(accountId, name))
        .map(rows -> rows.size() == 0 ? name : rows.iterator().next().getString(0));
  }

  /** Every label used in the account. */
  public Future<JsonObject> labelNames(long accountId) {
    return names(ContactSql.LABEL_NAMES, accountId);
  }

  private Future<JsonObject> names(String sql, long accountId) {
    return s.pool().preparedQuery(sql).execute(Tuple.of(accountId)).map(rows -> {
      JsonArray items = new JsonArray();
      rows.forEach(r -> items.add(r.getString("name")));
      return new JsonObject().put("items", items);
    });
  }

  /** A created or existing WhatsApp contact and its conversation. */
  public record Created(JsonObject contact, long conversationId, boolean created) {
  }

  /**
   * Starts a WhatsApp conversation with a phone number. An existing contact (same channel and
   * wa_id) answers its conversation instead of a duplicate; ON CONFLICT settles concurrent calls.
   */
  public Future<Created> create(long accountId, long channelId, String waId, String displayName) {
    return s.pool().withTransaction(c -> c.preparedQuery(ContactSql.CHANNEL).execute(Tuple.of(channelId, accountId))
            .compose(ch -> {
              if (ch.size() == 0) {
                return Future.failedFuture(ApiException.notFound("channel"));
              }
              if (!"whatsapp".equals(ch.iterator().next().getString("platform"))) {
                return Future.failedFuture(ApiException.unprocessable("whatsapp_only",
                    "contacts can only be added on WhatsApp channels; Messenger and Instagram users must write first"));
              }
              // the processor's lock on this phone: a webhook naming it with a BSUID at this moment finds this contact
              return c.preparedQuery(IdentitySql.LOCK).execute(Tuple.of(new Long[] {channelId}, (Object) new String[] {waId}))
                  .compose(v -> c.preparedQuery(ContactSql.INSERT_CONTACT).execute(Tuple.of(accountId, channelId, waId, displayName)));
            })
            .compose(ins -> ins.size() == 1
                ? Future.succeededFuture(ins.iterator().next().getLong("id"))
                : c.preparedQuery(ContactSql.CONTACT_BY_USER).execute(Tuple.of(channelId, waId)).map(r -> r.iterator().next().getLong("id")))
            .compose(contactId -> c.preparedQuery(ContactSql.ENSURE_CONVERSATION).execute(Tuple.of(accountId, channelId, contactId))
                .map(r -> {
                  Row row = r.iterator().next();
                  return new long[] {contactId, row.getLong("id"), row.getBoolean("created") ? 1 : 0};
                })))
        .compose(ids -> {
          long contactId = ids[0];
          long conversationId = ids[1];
          boolean created = ids[2] == 1;
          Future<?> event = created
              ? new ConversationService(s).views(List.of(conversationId)).compose(v -> v.isEmpty() ? Future.succeededFuture()
                  : s.events().append(accountId, Bus.CONVERSATION_CREATED, conversationId, v.get(0)))
                  .onFailure(err -> LOG.warn("appending conversation.created failed: {}", err.toString()))
                  .otherwiseEmpty()
              : Future.succeededFuture();
          return event.compose(x -> get(accountId, contactId)).map(contact -> new Created(contact, conversationId, created));
        });
  }

  private Future<Void> owned(long accountId, long id) {
    return s.pool().preparedQuery(ContactSql.OWNED).execute(Tuple.of(id, accountId))
        .compose(rows -> rows.size() == 1 ? Future.succeededFuture() : Future.failedFuture(ApiException.notFound("contact")));
  }

  /** After a committed change: the contact as it is now, and a {@code contact.updated} event. */
  private Future<JsonObject> changed(long accountId, long id, int rows) {
    if (rows == 0) {
      return Future.failedFuture(ApiException.notFound("contact"));
    }
    return get(accountId, id).compose(contact -> {
      Long conv = contact.getString("conversationId") == null ? null : Long.parseLong(contact.getString("conversationId"));
      return s.events().append(accountId, Bus.CONTACT_UPDATED, conv, contact)
          .onFailure(err -> LOG.warn("appending contact.updated for account {} failed: {}", accountId, err.toString()))
          .otherwiseEmpty()
          .map(contact);
    });
  }

  private static String nz(String v) {
    return v == null ? "" : v;
  }
}
