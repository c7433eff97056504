package dev.switchboard.inbox;

import dev.switchboard.conversation.Transactions;
import dev.switchboard.http.Reply;
import dev.switchboard.common.Principal;
import dev.switchboard.common.AccountLimit;
import dev.switchboard.common.ApiException;
import dev.switchboard.http.Bodies;
import dev.switchboard.http.Versions;
import dev.switchboard.common.Ids;
import dev.switchboard.common.Text;
import dev.switchboard.common.Times;
import dev.switchboard.conversation.Placeholders;
import dev.switchboard.conversation.TxEvents;
import dev.switchboard.events.Event;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

/** Saved replies per account: {@code {title, content}}, content with {@code {{field name}}} placeholders. */
public final class SavedReplyRoutes {

  /** Saved replies an account may hold: the composer's picker loads them all. */
  public static final int MAX_PER_ACCOUNT = 1_000;
  private static final AccountLimit LIMIT = new AccountLimit("saved_replies", "SELECT count(*) FROM saved_replies WHERE account_id = $1",
      MAX_PER_ACCOUNT, "too_many_saved_replies", "saved replies; delete one first");

  static final int TITLE_MAX = 200;
  static final int CONTENT_MAX = 4096;


  private final Transactions tx;
  private final Pool pool;

  public SavedReplyRoutes(Transactions tx) {
    this.tx = tx;
    this.pool = tx.pool();
  }

  public void mount(Router api) {
    api.get("/saved-replies").handler(this::list);
    api.post("/saved-replies").handler(this::create);
    api.post("/saved-replies/preview").handler(this::preview);
    api.get("/saved-replies/:id").handler(this::get);
    api.put("/saved-replies/:id").handler(this::update);
    api.delete("/saved-replies/:id").handler(this::delete);
  }

  private void list(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    Reply.ok(ctx, pool.preparedQuery(SavedReplySql.LIST).execute(Tuple.of(p.accountId())).map(rows -> {
      JsonArray items = new JsonArray();
      rows.forEach(r -> items.add(view(r)));
      return new JsonObject().put("items", items);
    }));
  }

  /**
   * {@code {content, contactId}} → {@code {text, missing}}: the text as it would be sent to that
   * contact, by the rule sending uses; {@code text} is null and {@code missing} names the fields
   * the contact lacks when sending would be refused ({@code missing_field}). Nothing is stored.
   */
  private void preview(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    JsonObject body = Bodies.object(ctx);
    String content = Text.text(Bodies.string(body, "content", true), "content", CONTENT_MAX);
    long contactId = Ids.parse(Bodies.string(body, "contactId", true), "contact");
    Reply.ok(ctx, pool.preparedQuery(SavedReplySql.CONTACT_FIELDS).execute(Tuple.of(contactId, p.accountId())).map(rows -> {
      if (rows.size() == 0) {
        throw ApiException.notFound("contact");
      }
      java.util.Map<String, String> fields = new java.util.HashMap<>();
      Object f = rows.iterator().next().getValue("fields");
      if (f instanceof JsonObject o) {
        o.forEach(e -> fields.put(e.getKey(), String.valueOf(e.getValue())));
      }
      try {
        return new JsonObject().put("text", Placeholders.render(content, fields)).put("missing", new JsonArray());
      } catch (Placeholders.MissingFieldsException e) {
        return new JsonObject().putNull("text").put("missing", new JsonArray(new java.util.ArrayList<>(e.fields())));
      }
    }));
  }

  private void get(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    long id = Ids.parse(ctx.pathParam("id"), "saved reply");
    Reply.ok(ctx, pool.preparedQuery(SavedReplySql.GET).execute(Tuple.of(id, p.accountId())).map(SavedReplyRoutes::one));
  }

  private void create(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    Input in = input(Bodies.object(ctx));
    Reply.created(ctx, knownFields(p.accountId(), in.content())
        .compose(v -> tx.run(ev -> LIMIT.room(ev.conn(), p.accountId()).compose(x -> ev.conn().preparedQuery(SavedReplySql.INSERT)
            .execute(Tuple.of(p.accountId(), in.title(), in.content()))).map(rows -> changed(ev, p, SavedReplyRoutes.one(rows), false)))));
  }

  private void update(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    long id = Ids.parse(ctx.pathParam("id"), "saved reply");
    Input in = input(Bodies.object(ctx));
    String expected = Versions.expected(ctx);
    Reply.ok(ctx, knownFields(p.accountId(), in.content())
        .compose(v -> tx.run(ev -> ev.conn().preparedQuery(SavedReplySql.GET_FOR_UPDATE).execute(Tuple.of(id, p.accountId()))
            .compose(current -> {
              if (current.size() == 0) {
                return Future.failedFuture(ApiException.notFound("saved reply"));
              }
              Versions.check(expected, current.iterator().next().getOffsetDateTime("updated_at"), "saved reply");
              return ev.conn().preparedQuery(SavedReplySql.UPDATE).execute(Tuple.of(id, p.accountId(), in.title(), in.content()));
            })
            .map(rows -> changed(ev, p, SavedReplyRoutes.one(rows), false)))));
  }

  private void delete(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    long id = Ids.parse(ctx.pathParam("id"), "saved reply");
    Reply.noContent(ctx, tx.run(ev -> ev.conn().preparedQuery(SavedReplySql.DELETE).execute(Tuple.of(id, p.accountId())).map(rows -> {
      if (rows.rowCount() == 0) {
        throw ApiException.notFound("saved reply");
      }
      ev.add(Event.settingsChanged(p.accountId(), "saved-replies", id, true));
      return rows;
    })));
  }

  /** The saved reply's view, after noting the change for every open page of the account. */
  private static JsonObject changed(TxEvents ev, Principal p, JsonObject view, boolean deleted) {
    ev.add(Event.settingsChanged(p.accountId(), "saved-replies", Long.parseLong(view.getString("id")), deleted));
    return view;
  }

  private static final String KNOWN_FIELDS = """
      SELECT name FROM contact_fields WHERE account_id = $1 AND name = ANY($2)
       UNION SELECT name FROM field_names WHERE account_id = $1 AND name = ANY($2)""";

  /**
   * Every {{field}} the content names must be a field some contact of the account has or an admin
   * defined (V66), exactly: a typo found when the reply is saved, not when an agent sends it to a
   * customer. 422 unknown_field.
   */
  private io.vertx.core.Future<Void> knownFields(long accountId, String content) {
    java.util.List<String> names = Placeholders.names(content);
    if (names.isEmpty()) {
      return io.vertx.core.Future.succeededFuture();
    }
    return pool.preparedQuery(KNOWN_FIELDS).execute(Tuple.of(accountId, (Object) names.toArray(new String[0]))).compose(rows -> {
      java.util.Set<String> known = new java.util.HashSet<>();
      rows.forEach(r -> known.add(r.getString(0)));
      java.util.List<String> unknown = names.stream().filter(n -> !known.contains(n)).map(n -> "{{" + n + "}}").toList();
      return unknown.isEmpty() ? io.vertx.core.Future.<Void>succeededFuture()
          : io.vertx.core.Future.failedFuture(ApiException.unprocessable("unknown_field",
              "no contact has the field " + String.join(", ", unknown) + " and no admin defined it; fix the name,"
                  + " or define it in Settings → Custom fields"));
    });
  }

  private record Input(String title, String content) {
  }

  private static Input input(JsonObject body) {
    String title = Text.name(Bodies.string(body, "title", true), "title", TITLE_MAX);
    String content = Text.text(Bodies.string(body, "content", true), "content", CONTENT_MAX);
    if (Text.blank(content)) {
      throw ApiException.unprocessable("missing_field", "content must not be empty");
    }
    return new Input(title, content);
  }

  private static JsonObject one(io.vertx.sqlclient.RowSet<Row> rows) {
    if (rows.size() == 0) {
      throw ApiException.notFound("saved reply");
    }
    return view(rows.iterator().next());
  }

  static JsonObject view(Row r) {
    String content = r.getString("content");
    return new JsonObject()
        .put("id", String.valueOf(r.getLong("id")))
        .put("title", r.getString("title"))
        .put("content", content)
        .put("fields", new JsonArray(Placeholders.names(content)))
        .put("createdAt", Times.iso(r.getOffsetDateTime("created_at")))
        .put("updatedAt", Times.iso(r.getOffsetDateTime("updated_at")));
  }
}
