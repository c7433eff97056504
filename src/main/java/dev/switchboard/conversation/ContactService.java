package dev.switchboard.conversation;

import io.vertx.ext.web.client.WebClient;
import dev.switchboard.config.Config;
import dev.switchboard.channel.GraphErrors;
import dev.switchboard.common.ApiException;
import dev.switchboard.events.Event;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
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
  /** Labels and custom fields one contact may carry: a contact view and its events stay small. */
  public static final int LABELS_MAX = 100;
  public static final int FIELDS_MAX = 100;

  /**
   * SQL for the account's spelling of a label, whatever the case it is asked in ({@code account}
   * and {@code name} are the statement's parameters): the admin's defined name (V64) first, else the
   * least in use (older data can have several), else null. One spelling per label, so every contact
   * shows and filters by the same one; label_names_account_lower_key and
   * contact_labels_account_lower_idx answer it. Adding a label, a flow's label and a rename read it.
   */
  public static String labelSpelling(String account, String name) {
    return "coalesce((SELECT name FROM label_names WHERE account_id = " + account + " AND lower(name) = lower(" + name + ")),"
        + " (SELECT min(name) FROM contact_labels WHERE account_id = " + account + " AND lower(name) = lower(" + name + ")))";
  }

  private final Transactions tx;
  private final WebClient graph;
  private final Config.Graph graphConfig;

  public ContactService(Transactions tx, WebClient graph, Config.Graph graphConfig) {
    this.tx = tx;
    this.graph = graph;
    this.graphConfig = graphConfig;
  }

  /** The contact view plus {@code conversationId}; 404 for another account's contact. */
  public Future<JsonObject> get(long accountId, long id) {
    return get(tx.pool(), accountId, id);
  }

  private static Future<JsonObject> get(SqlClient sql, long accountId, long id) {
    return sql.preparedQuery(ContactSql.GET).execute(Tuple.of(id, accountId)).map(rows -> {
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
    return tx.run(ev -> ev.conn().preparedQuery(ContactSql.PATCH).execute(Tuple.of(id, accountId,
            e.displayNameGiven(), e.displayName(), e.emailGiven(), e.email(), e.phoneGiven(), e.phone()))
        .compose(rows -> changed(ev, accountId, id, rows.size())));
  }

  /**
   * Asks the platform for the contact's current name (Messenger {@code first_name last_name},
   * Instagram {@code name} else {@code username}) and stores it as platformName.
   */
  public Future<JsonObject> refreshName(long accountId, long id) {
    return tx.pool().preparedQuery(ContactSql.WITH_CHANNEL).execute(Tuple.of(id, accountId)).compose(rows -> {
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
      String url = graphConfig.apiUrl() + "/" + URLEncoder.encode(r.getString("platform_user_id"), StandardCharsets.UTF_8).replace("+", "%20");
      return graph.getAbs(url)
          .addQueryParam("fields", fields)
          .putHeader("Authorization", "Bearer " + r.getString("access_token"))
          .timeout(graphConfig.timeoutMs())
          .send()
          .recover(err -> Future.failedFuture(ApiException.badGateway("graph_unreachable",
              "the " + platform + " profile API did not answer: " + err.getMessage())))
          .map(resp -> profileName(platform, resp))
          .compose(name -> tx.run(ev -> ev.conn().preparedQuery(ContactSql.SET_PLATFORM_NAME)
              .execute(Tuple.of(id, accountId, name))
              .compose(u -> changed(ev, accountId, id, u.size()))));
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
    return tx.run(ev -> roomFor(ev.conn(), accountId, id, name, false)
        .compose(x -> ev.conn().preparedQuery(ContactSql.SET_FIELD).execute(Tuple.of(id, accountId, name, value)))
        .compose(x -> ev.conn().preparedQuery(ContactSql.TOUCH).execute(Tuple.of(id)))
        .compose(x -> changed(ev, accountId, id, 1)));
  }

  public Future<JsonObject> deleteField(long accountId, long id, String name) {
    return change(accountId, id, ContactSql.DELETE_FIELD, name);
  }

  public Future<JsonObject> addLabel(long accountId, long id, String name) {
    return tx.run(ev -> roomFor(ev.conn(), accountId, id, name, true)
        .compose(x -> ev.conn().preparedQuery(ContactSql.ADD_LABEL).execute(Tuple.of(id, accountId, name)))
        .compose(x -> x.rowCount() == 0 ? get(ev.conn(), accountId, id) : changed(ev, accountId, id, 1)));
  }

  /** Locks the contact (404 when it is not the account's); fails 422 when a new label (or field) would pass its limit. */
  private static Future<Void> roomFor(SqlConnection c, long accountId, long id, String name, boolean label) {
    return c.preparedQuery(ContactSql.LOCK_CONTACT).execute(Tuple.of(id, accountId)).compose(locked -> locked.size() == 0
        ? Future.failedFuture(ApiException.notFound("contact"))
        : c.preparedQuery(ContactSql.ROOM).execute(Tuple.of(id, name))).compose(rows -> {
      Row r = rows.iterator().next();
      boolean has = r.getBoolean(label ? "has_label" : "has_field");
      long count = r.getLong(label ? "labels" : "fields");
      int max = label ? LABELS_MAX : FIELDS_MAX;
      if (!has && count >= max) {
        return Future.failedFuture(ApiException.unprocessable(label ? "too_many_labels" : "too_many_fields",
            "a contact carries at most " + max + (label ? " labels" : " custom fields") + "; remove one first"));
      }
      return Future.succeededFuture();
    });
  }

  public Future<JsonObject> removeLabel(long accountId, long id, String name) {
    return change(accountId, id, ContactSql.DELETE_LABEL, name);
  }

  // One statement ($1 contact, $2 account, $3 name) that changes nothing or the contact, with its event.
  private Future<JsonObject> change(long accountId, long id, String sql, String name) {
    return owned(accountId, id)
        .compose(v -> tx.run(ev -> ev.conn().preparedQuery(sql).execute(Tuple.of(id, accountId, name))
            .compose(x -> x.rowCount() == 0 ? get(ev.conn(), accountId, id) : changed(ev, accountId, id, 1))));
  }

  /** Every custom field name used in the account or defined by an admin ahead of use. */
  public Future<JsonObject> fieldNames(long accountId) {
    return names(ContactSql.FIELD_NAMES, accountId);
  }

  /** The account's spelling of a label that matches {@code name} without regard to case (its defined name first), or {@code name}. */
  public Future<String> canonicalLabel(long accountId, String name) {
    return tx.pool().preparedQuery(ContactSql.LABEL_SPELLING).execute(Tuple.of(accountId, name)).map(rows -> {
      String spelling = rows.iterator().next().getString(0);
      return spelling == null ? name : spelling;
    });
  }

  /** Every label used in the account or defined by an admin ahead of use. */
  public Future<JsonObject> labelNames(long accountId) {
    return names(ContactSql.LABEL_NAMES, accountId);
  }

  private Future<JsonObject> names(String sql, long accountId) {
    return tx.pool().preparedQuery(sql).execute(Tuple.of(accountId)).map(rows -> {
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
    return tx.run(ev -> createIn(ev, accountId, channelId, waId, displayName));
  }

  private Future<Created> createIn(TxEvents ev, long accountId, long channelId, String waId, String displayName) {
    SqlConnection c = ev.conn();
    return c.preparedQuery(ContactSql.CHANNEL).execute(Tuple.of(channelId, accountId))
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
                }))
        .compose(ids -> {
          long contactId = ids[0];
          long conversationId = ids[1];
          boolean created = ids[2] == 1;
          if (created) {
            ev.conversationCreated(accountId, conversationId);
          }
          return get(c, accountId, contactId).map(contact -> new Created(contact, conversationId, created));
        });
  }

  private Future<Void> owned(long accountId, long id) {
    return tx.pool().preparedQuery(ContactSql.OWNED).execute(Tuple.of(id, accountId))
        .compose(rows -> rows.size() == 1 ? Future.succeededFuture() : Future.failedFuture(ApiException.notFound("contact")));
  }

  /** After a change in {@code ev}'s transaction: the contact as it is now, and its {@code contact.updated} event. */
  private static Future<JsonObject> changed(TxEvents ev, long accountId, long id, int rows) {
    if (rows == 0) {
      return Future.failedFuture(ApiException.notFound("contact"));
    }
    return get(ev.conn(), accountId, id).map(contact -> {
      Long conv = contact.getString("conversationId") == null ? null : Long.parseLong(contact.getString("conversationId"));
      ev.add(Event.contactUpdated(accountId, conv, contact));
      return contact;
    });
  }

  private static String nz(String v) {
    return v == null ? "" : v;
  }
}
