package dev.switchboard.inbox;

import dev.switchboard.bot.FlowNames;
import dev.switchboard.conversation.Placeholders;
import dev.switchboard.conversation.Transactions;
import dev.switchboard.common.AccountLimit;
import dev.switchboard.common.ApiException;
import dev.switchboard.common.Principal;
import dev.switchboard.conversation.TxEvents;
import dev.switchboard.events.Event;
import dev.switchboard.http.Bodies;
import dev.switchboard.http.Reply;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/**
 * Admins' account-wide label and field names: {@code GET /labels/usage} and {@code /fields/usage}
 * (each name with its number of contacts), {@code PATCH /labels/{name}} and {@code /fields/{name}}
 * (rename; into a name in use it is a merge, and flows and saved replies that name it follow),
 * {@code DELETE} (off every contact). Each change is one transaction with one {@code names.changed}
 * event, however many contacts it touches: every open inbox reloads its names and the contact it shows.
 * {@code POST /labels} and {@code POST /fields} define a name before any contact carries it, so a
 * team's labels and fields are offered from the start (a label's spelling is set, a field's exact
 * name); a rename moves the definition with the contacts' name and a delete removes it.
 */
public final class NameRoutes {

  /** Labels an account may define ahead of use: the Settings list and every label menu stay readable. */
  public static final int DEFINED_LABELS_MAX = 1_000;
  /** Fields an account may define ahead of use: the Settings list, the contact pane's and "Insert field" menus stay readable. */
  public static final int DEFINED_FIELDS_MAX = 1_000;

  private final Transactions tx;

  public NameRoutes(Transactions tx) {
    this.tx = tx;
  }

  public void mount(Router api) {
    for (Kind kind : Kind.values()) {
      api.post("/" + kind.path).handler(ctx -> define(ctx, kind));
      api.get("/" + kind.path + "/usage").handler(ctx -> usage(ctx, kind));
      api.patch("/" + kind.path + "/:name").handler(ctx -> rename(ctx, kind));
      api.delete("/" + kind.path + "/:name").handler(ctx -> delete(ctx, kind));
    }
  }

  /**
   * The two kinds of name: their path (also their {@code settings.changed} section), the word
   * ContactRoutes.name checks them as, their SQL on contacts, and their definitions ahead of use
   * with the account's limit on them.
   */
  private enum Kind {
    LABEL("labels", "label", NameSql.LABEL_USAGE, NameSql.LABEL_SPELLING, NameSql.LABEL_DROP_DOUBLES, NameSql.LABEL_RENAME,
        NameSql.LABEL_DELETE, NameSql.LABEL_DEFINE, NameSql.LABEL_UNDEFINE, new AccountLimit("label_names",
            NameSql.LABEL_DEFINED_COUNT, DEFINED_LABELS_MAX, "too_many_label_names", "defined labels; delete one first")),
    FIELD("fields", "field", NameSql.FIELD_USAGE, NameSql.FIELD_SPELLING, NameSql.FIELD_DROP_DOUBLES, NameSql.FIELD_RENAME,
        NameSql.FIELD_DELETE, NameSql.FIELD_DEFINE, NameSql.FIELD_UNDEFINE, new AccountLimit("field_names",
            NameSql.FIELD_DEFINED_COUNT, DEFINED_FIELDS_MAX, "too_many_field_names", "defined custom fields; delete one first"));

    final String path;
    final String word;
    final String usage;
    /** The account's name that $2 is ($1 account), defined or in use, else null. */
    final String spelling;
    final String dropDoubles;
    final String rename;
    final String delete;
    final String define;
    final String undefine;
    final AccountLimit defined;

    Kind(String path, String word, String usage, String spelling, String dropDoubles, String rename, String delete,
         String define, String undefine, AccountLimit defined) {
      this.path = path;
      this.word = word;
      this.usage = usage;
      this.spelling = spelling;
      this.dropDoubles = dropDoubles;
      this.rename = rename;
      this.delete = delete;
      this.define = define;
      this.undefine = undefine;
      this.defined = defined;
    }

    /** Whether two names are one: labels regardless of case, fields exactly. */
    boolean same(String a, String b) {
      return this == LABEL ? a.equalsIgnoreCase(b) : a.equals(b);
    }
  }

  private void usage(RoutingContext ctx, Kind kind) {
    Principal p = Principal.of(ctx).requireAdmin();
    Reply.ok(ctx, tx.pool().preparedQuery(kind.usage).execute(Tuple.of(p.accountId())).map(rows -> {
      JsonArray items = new JsonArray();
      rows.forEach(r -> items.add(new JsonObject().put("name", r.getString("name")).put("contacts", r.getLong("contacts"))));
      return new JsonObject().put("items", items);
    }));
  }

  /**
   * A new name no contact carries yet, checked as a contact's label or field name: 201 with it, or
   * 409 {@code label_exists} / {@code field_exists} naming the account's name when it is defined or
   * in use (a label in any case, a field exactly), so a form says so instead of silently keeping
   * another. Other admins' open Labels or Custom fields pages and inboxes' menus follow through
   * {@code settings.changed} (section "labels" or "fields"): no contact changed, so no list reloads.
   */
  private void define(RoutingContext ctx, Kind kind) {
    Principal p = Principal.of(ctx).requireAdmin();
    String name = ContactRoutes.name(Bodies.string(Bodies.object(ctx), "name", true), kind.word);
    long account = p.accountId();
    Reply.created(ctx, tx.run(ev -> kind.defined.room(ev.conn(), account)
        .compose(v -> ev.conn().preparedQuery(kind.spelling).execute(Tuple.of(account, name)))
        .compose(spelling -> {
          String existing = spelling.iterator().next().getString("name");
          return existing != null ? Future.<Long>failedFuture(exists(kind, existing))
              : ev.conn().preparedQuery(kind.define).execute(Tuple.of(account, name)).compose(rows -> rows.size() == 0
                  ? Future.failedFuture(exists(kind, name))
                  : Future.succeededFuture(rows.iterator().next().getLong("id")));
        })
        .map(id -> {
          ev.add(Event.settingsChanged(account, kind.path, id, false));
          return new JsonObject().put("name", name).put("contacts", 0);
        })));
  }

  private static ApiException exists(Kind kind, String spelling) {
    return ApiException.conflict(kind.word + "_exists", "the " + kind.word + " “" + spelling + "” exists already");
  }

  private void rename(RoutingContext ctx, Kind kind) {
    Principal p = Principal.of(ctx).requireAdmin();
    String from = ContactRoutes.name(ctx.pathParam("name"), kind.word);
    String to = ContactRoutes.name(Bodies.string(Bodies.object(ctx), "name", true), kind.word);
    Reply.ok(ctx, tx.run(ev -> target(ev.conn(), kind, p.accountId(), from, to).compose(target -> {
      boolean merge = !kind.same(from, to) && target.existing();
      Future<Integer> doubles = merge
          ? ev.conn().preparedQuery(kind.dropDoubles).execute(Tuple.of(p.accountId(), from, target.name())).map(r -> r.rowCount())
          : Future.succeededFuture(0);
      return doubles.compose(dropped -> ev.conn().preparedQuery(kind.rename).execute(Tuple.of(p.accountId(), from, target.name()))
          .compose(renamed -> moveDefinition(ev.conn(), kind, p.accountId(), from, target.name()).compose(moved -> {
            int contacts = dropped + renamed.rowCount();
            if (contacts == 0 && !moved) {
              return Future.failedFuture(ApiException.notFound(kind.word));
            }
            ev.add(Event.namesChanged(p.accountId(), kind.word, from, target.name()));
            return references(ev, kind, p.accountId(), from, target.name()).map(refs -> refs
                .put("name", target.name()).put("merged", merge).put("contacts", contacts));
          })));
    })));
  }

  /**
   * A defined name follows its rename: the old definition goes and the new name is defined unless
   * it is already (a merge into a defined label or field keeps that one). Whether one moved.
   */
  private static Future<Boolean> moveDefinition(SqlConnection c, Kind kind, long accountId, String from, String to) {
    return c.preparedQuery(kind.undefine).execute(Tuple.of(accountId, from)).compose(gone -> gone.rowCount() == 0
        ? Future.succeededFuture(false)
        : c.preparedQuery(kind.define).execute(Tuple.of(accountId, to)).map(true));
  }

  /**
   * What names the old name besides contacts, renamed in the same transaction: flows' label and
   * field actions and reply placeholders, saved replies' placeholders. Each changed one is a
   * {@code settings.changed}, so open Settings pages show the new name.
   */
  private static Future<JsonObject> references(TxEvents ev, Kind kind, long accountId, String from, String to) {
    if (kind == Kind.FIELD && from.equals(to)) {
      return Future.succeededFuture(new JsonObject().put("flows", 0).put("savedReplies", 0));
    }
    return FlowNames.rename(ev.conn(), accountId, kind == Kind.LABEL, from, to).compose(flows -> {
      flows.forEach(id -> ev.add(Event.settingsChanged(accountId, "flows", id, false)));
      Future<Integer> replies = kind == Kind.FIELD ? savedReplies(ev, accountId, from, to) : Future.succeededFuture(0);
      return replies.map(n -> new JsonObject().put("flows", flows.size()).put("savedReplies", n));
    });
  }

  private static Future<Integer> savedReplies(TxEvents ev, long accountId, String from, String to) {
    return ev.conn().preparedQuery(SavedReplySql.WITH_PLACEHOLDERS).execute(Tuple.of(accountId)).compose(rows -> {
      List<Tuple> updates = new ArrayList<>();
      for (Row r : rows) {
        String content = r.getString("content");
        String renamed = Placeholders.rename(content, from, to);
        if (!renamed.equals(content)) {
          if (renamed.length() > SavedReplyRoutes.CONTENT_MAX) {
            return Future.failedFuture(ApiException.unprocessable("rename_refused", "with the new name, saved reply “"
                + r.getString("title") + "” would be longer than " + SavedReplyRoutes.CONTENT_MAX + " characters: shorten it first"));
          }
          updates.add(Tuple.of(r.getLong("id"), accountId, renamed));
          ev.add(Event.settingsChanged(accountId, "saved-replies", r.getLong("id"), false));
        }
      }
      return updates.isEmpty() ? Future.succeededFuture(0)
          : ev.conn().preparedQuery(SavedReplySql.SET_CONTENT).executeBatch(updates).map(updates.size());
    });
  }

  /** The name a rename writes, and whether it is defined or in use already: a label takes the account's spelling. */
  private record Target(String name, boolean existing) {
  }

  private static Future<Target> target(SqlConnection c, Kind kind, long accountId, String from, String to) {
    if (kind.same(from, to)) {
      // "vip" to "VIP" respells the label; a field renamed to itself changes nothing but is answered
      return Future.succeededFuture(new Target(to, true));
    }
    return c.preparedQuery(kind.spelling).execute(Tuple.of(accountId, to)).map(rows -> {
      String spelling = rows.iterator().next().getString("name");
      return spelling == null ? new Target(to, false) : new Target(spelling, true);
    });
  }

  private void delete(RoutingContext ctx, Kind kind) {
    Principal p = Principal.of(ctx).requireAdmin();
    String name = ContactRoutes.name(ctx.pathParam("name"), kind.word);
    // a defined name goes with its uses: deleted, it is no longer offered either
    Reply.ok(ctx, tx.run(ev -> ev.conn().preparedQuery(kind.delete).execute(Tuple.of(p.accountId(), name))
        .compose(rows -> ev.conn().preparedQuery(kind.undefine).execute(Tuple.of(p.accountId(), name)).map(undefined -> {
          if (rows.rowCount() == 0 && undefined.rowCount() == 0) {
            throw ApiException.notFound(kind.word);
          }
          ev.add(Event.namesChanged(p.accountId(), kind.word, name, null));
          return new JsonObject().put("contacts", rows.rowCount());
        }))));
  }
}
