package dev.switchboard.inbox;

import io.vertx.core.Vertx;
import dev.switchboard.presence.Presence;
import dev.switchboard.conversation.Transactions;
import dev.switchboard.http.Reply;
import dev.switchboard.auth.Passwords;
import dev.switchboard.common.Principal;
import dev.switchboard.auth.Sessions;
import dev.switchboard.common.AccountLimit;
import dev.switchboard.common.ApiException;
import dev.switchboard.http.Bodies;
import dev.switchboard.http.Versions;
import dev.switchboard.common.Ids;
import dev.switchboard.common.Text;
import dev.switchboard.common.Times;
import dev.switchboard.conversation.TxEvents;
import dev.switchboard.events.Event;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.LinkedHashSet;
import java.util.Set;

/** Agents and teams: admins create them, everyone lists them (to pick an assignee). */
public final class AgentRoutes {

  /** Bounds a team body: more members than any account has agents is a mistake. */
  static final int MAX_MEMBERS = 1000;
  /** People an account may hold, active or not (a deactivated one can come back), and teams. */
  static final int MAX_USERS = 5_000;
  static final int MAX_TEAMS = 500;
  private static final AccountLimit USERS = new AccountLimit("users", "SELECT count(*) FROM users WHERE account_id = $1",
      MAX_USERS, "too_many_agents", "agents and admins, active or deactivated");
  private static final AccountLimit TEAMS = new AccountLimit("teams", "SELECT count(*) FROM teams WHERE account_id = $1",
      MAX_TEAMS, "too_many_teams", "teams; delete one first");

  private final Vertx vertx;
  private final Transactions tx;
  private final Sessions sessions;
  private final Presence presence;
  private final int passwordIterations;

  public AgentRoutes(Vertx vertx, Transactions tx, Sessions sessions, Presence presence, int passwordIterations) {
    this.vertx = vertx;
    this.tx = tx;
    this.sessions = sessions;
    this.presence = presence;
    this.passwordIterations = passwordIterations;
  }

  public void mount(Router api) {
    api.post("/agents").handler(this::createAgent);
    api.get("/agents").handler(this::listAgents);
    api.patch("/agents/:id").handler(this::updateAgent);
    api.delete("/agents/:id").handler(ctx -> changeAgent(ctx, new JsonObject().put("active", false), null));
    api.post("/teams").handler(this::createTeam);
    api.patch("/teams/:id").handler(this::updateTeam);
    api.get("/teams").handler(this::listTeams);
    api.get("/teams/:id").handler(this::getTeam);
    api.delete("/teams/:id").handler(new TeamRemoval(tx)::delete);
  }

  private void createAgent(RoutingContext ctx) {
    Principal p = Principal.of(ctx).requireAdmin();
    JsonObject body = Bodies.object(ctx);
    String name = Text.name(Bodies.string(body, "name", true), "name", Text.NAME_MAX);
    String email = Bodies.string(body, "email", true).trim();
    String password = Bodies.string(body, "password", true);
    String role = Bodies.string(body, "role", false);
    role = role == null ? "agent" : role.trim().toLowerCase();
    if (!"agent".equals(role) && !"admin".equals(role)) {
      throw ApiException.unprocessable("invalid_role", "role must be agent or admin");
    }
    if (email.length() > 254 || !email.matches("[^@\\s]+@[^@\\s]+")) {
      throw ApiException.unprocessable("invalid_email", "email is not an email address");
    }
    checkPassword(password);
    String finalRole = role;
    // the teams the agent joins at once, all of this account's, in the same transaction
    Long[] teamIds = ids(Bodies.array(body, "teamIds", false), "teamIds", "unknown_team", "a team");
    Reply.created(ctx, vertx.executeBlocking(() -> Passwords.hash(password, passwordIterations))
        .compose(hash -> tx.run(ev -> USERS.room(ev.conn(), p.accountId()).compose(v -> ev.conn().preparedQuery(AdminSql.INSERT_USER)
            .execute(Tuple.of(p.accountId(), name, email, hash, finalRole)))
            .compose(rows -> {
              if (rows.size() == 0) {
                return Future.failedFuture(ApiException.conflict("email_taken", "a user with this email exists"));
              }
              JsonObject agent = agent(rows.iterator().next());
              ev.add(Event.settingsChanged(p.accountId(), "agents", Long.parseLong(agent.getString("id")), false));
              JsonArray joined = new JsonArray();
              java.util.Arrays.stream(teamIds).forEach(t -> joined.add(String.valueOf(t)));
              agent.put("teamIds", joined);
              return teamIds.length == 0 ? Future.succeededFuture(agent)
                  : ev.conn().preparedQuery(AdminSql.JOIN_TEAMS).execute(Tuple.of(Long.parseLong(agent.getString("id")), (Object) teamIds, p.accountId()))
                      .compose(in -> in.rowCount() == teamIds.length
                          ? ev.conn().preparedQuery(AdminSql.TOUCH_TEAMS).execute(Tuple.of((Object) teamIds, p.accountId())).map(agent)
                          : Future.failedFuture(ApiException.unprocessable("unknown_team", "teamIds names a team this account does not have")));
            }))));
  }

  private static void checkPassword(String password) {
    if (password.length() < 8) {
      throw ApiException.unprocessable("weak_password", "password must have at least 8 characters");
    }
    if (password.length() > 1024) {
      throw ApiException.unprocessable("invalid_password", "password must be at most 1024 characters");
    }
  }

  /** What PATCH /agents/{id} changes; anything else is refused, never ignored with a 200. */
  private static final Set<String> CHANGEABLE = Set.of("name", "role", "active", "password");

  private void updateAgent(RoutingContext ctx) {
    Principal p = Principal.of(ctx).requireAdmin();
    JsonObject body = Bodies.object(ctx);
    for (String field : body.fieldNames()) {
      if (!CHANGEABLE.contains(field)) {
        String shown = field.length() > 64 ? field.substring(0, 64) + "…" : field;
        throw ApiException.unprocessable("unknown_field", "\"" + shown + "\" cannot be changed here: an agent's name, role,"
            + " active and password can (teams are joined under /teams, and an email is fixed)");
      }
    }
    String password = Bodies.string(body, "password", false);
    if (password == null) {
      changeAgent(ctx, body, null);
      return;
    }
    checkPassword(password);
    // one's own password changes only with the current one (POST /auth/password): a borrowed
    // admin token must not lock its owner out
    if (Ids.parse(ctx.pathParam("id"), "agent") == p.userId()) {
      throw ApiException.unprocessable("own_password", "change your own password from your profile, with your current one");
    }
    vertx.executeBlocking(() -> Passwords.hash(password, passwordIterations))
        .onSuccess(hash -> changeAgent(ctx, body, hash))
        .onFailure(ctx::fail);
  }

  /**
   * Renames, changes the role of, deactivates or reactivates an agent, or sets a new password
   * (an agent who forgot theirs). A role change, a deactivation or a new password ends every
   * session, token and bridge socket of theirs on every node at once; their conversations stay
   * assigned (the list shows them deactivated). The account always keeps one active admin.
   */
  private void changeAgent(RoutingContext ctx, JsonObject body, String passwordHash) {
    Principal p = Principal.of(ctx).requireAdmin();
    long id = Ids.parse(ctx.pathParam("id"), "agent");
    String rawName = Bodies.string(body, "name", false);
    String name = rawName == null ? null : Text.name(rawName, "name", Text.NAME_MAX);
    String role = Bodies.string(body, "role", false);
    if (role != null && !"agent".equals(role) && !"admin".equals(role)) {
      throw ApiException.unprocessable("invalid_role", "role must be agent or admin");
    }
    Boolean active = Bodies.bool(body, "active");
    int[] bumped = {-1};
    Reply.ok(ctx, tx.run(ev -> ev.conn().preparedQuery(AdminSql.ACTIVE_ADMINS).execute(Tuple.of(p.accountId()))
        .compose(admins -> ev.conn().preparedQuery(AdminSql.USER_FOR_UPDATE).execute(Tuple.of(id, p.accountId())).compose(rows -> {
          if (rows.size() == 0) {
            throw ApiException.notFound("agent");
          }
          Row before = rows.iterator().next();
          String newRole = role == null ? before.getString("role") : role;
          boolean newActive = active == null ? before.getBoolean("active") : active;
          boolean wasActiveAdmin = "admin".equals(before.getString("role")) && before.getBoolean("active");
          if (wasActiveAdmin && (!"admin".equals(newRole) || !newActive) && admins.size() <= 1) {
            throw ApiException.conflict("last_admin", "the account's last active admin cannot be demoted or deactivated");
          }
          boolean accessChanged = !newRole.equals(before.getString("role")) || newActive != before.getBoolean("active")
              || passwordHash != null;
          ev.add(Event.settingsChanged(p.accountId(), "agents", id, false));
          return ev.conn().preparedQuery(AdminSql.UPDATE_USER)
              .execute(Tuple.of(id, p.accountId(), name == null ? before.getString("name") : name, newRole, newActive, passwordHash))
              .compose(updated -> (accessChanged ? sessions.endAll(ev.conn(), id) : Future.succeededFuture(-1))
                  .map(version -> {
                    bumped[0] = version;
                    return agent(updated.iterator().next());
                  }));
        })))
        .compose(view -> bumped[0] < 0 ? Future.succeededFuture(view) : sessions.publish(id, bumped[0]).map(view)));
  }

  private void listAgents(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    // presence beside each agent: online from Redis (shared by all nodes), availability their own choice
    Reply.ok(ctx, tx.pool().preparedQuery(AdminSql.USERS).execute(Tuple.of(p.accountId()))
        .compose(rows -> presence.online(p.accountId()).map(online -> {
          JsonArray items = new JsonArray();
          rows.forEach(r -> items.add(agent(r).mergeIn(dev.switchboard.presence.Presence.view(r.getLong("id"),
              online.contains(r.getLong("id")), r.getString("availability")).copy().put("id", String.valueOf(r.getLong("id"))))));
          return new JsonObject().put("items", items);
        })));
  }

  private void createTeam(RoutingContext ctx) {
    Principal p = Principal.of(ctx).requireAdmin();
    JsonObject body = Bodies.object(ctx);
    String name = Text.name(Bodies.string(body, "name", true), "name", Text.NAME_MAX);
    Long[] memberIds = memberIds(Bodies.array(body, "memberIds", false));
    Reply.created(ctx, tx.run(ev -> members(ev.conn(), p.accountId(), memberIds)
            .compose(v -> TEAMS.room(ev.conn(), p.accountId()))
            .compose(v -> ev.conn().preparedQuery(AdminSql.INSERT_TEAM).execute(Tuple.of(p.accountId(), name)))
            .compose(t -> {
              long teamId = t.iterator().next().getLong("id");
              ev.add(Event.settingsChanged(p.accountId(), "teams", teamId, false));
              return ev.conn().preparedQuery(AdminSql.INSERT_MEMBERS).execute(Tuple.of(teamId, (Object) memberIds)).map(teamId);
            }))
        .compose(teamId -> teams(p.accountId(), teamId))
        .map(items -> items.getJsonObject(0)));
  }

  /**
   * Renames a team and/or replaces its members (the whole list), in one transaction. With
   * If-Match (the team's updatedAt as the editor read it), a team changed meanwhile answers 412.
   */
  private void updateTeam(RoutingContext ctx) {
    Principal p = Principal.of(ctx).requireAdmin();
    long id = Ids.parse(ctx.pathParam("id"), "team");
    String expected = Versions.expected(ctx);
    JsonObject body = Bodies.object(ctx);
    String rawName = Bodies.string(body, "name", false);
    String name = rawName == null ? null : Text.name(rawName, "name", Text.NAME_MAX);
    JsonArray rawMembers = Bodies.array(body, "memberIds", false);
    Long[] memberIds = rawMembers == null ? null : memberIds(rawMembers);
    dev.switchboard.assign.AssignRoutes.check(body);
    Reply.ok(ctx, tx.run(ev -> ev.conn().preparedQuery(AdminSql.TEAM_FOR_UPDATE).execute(Tuple.of(id, p.accountId()))
            .compose(current -> {
              if (current.size() == 0) {
                return Future.failedFuture(ApiException.notFound("team"));
              }
              Versions.check(expected, current.iterator().next().getOffsetDateTime("updated_at"), "team");
              return ev.conn().preparedQuery(AdminSql.RENAME_TEAM).execute(Tuple.of(id, p.accountId(), name));
            })
            .compose(rows -> {
              if (rows.size() == 0) {
                return Future.failedFuture(ApiException.notFound("team"));
              }
              ev.add(Event.settingsChanged(p.accountId(), "teams", id, false));
              return dev.switchboard.assign.AssignRoutes.setTeam(ev.conn(), p.accountId(), id, body);
            })
            .compose(set -> {
              if (memberIds == null) {
                return Future.succeededFuture();
              }
              return members(ev.conn(), p.accountId(), memberIds)
                  .compose(v -> ev.conn().preparedQuery(AdminSql.DELETE_MEMBERS).execute(Tuple.of(id)))
                  .compose(v -> ev.conn().preparedQuery(AdminSql.INSERT_MEMBERS).execute(Tuple.of(id, (Object) memberIds)))
                  .mapEmpty();
            }))
        .compose(v -> teams(p.accountId(), id))
        .map(items -> items.getJsonObject(0)));
  }

  /** A body's member ids, each an id, without repeats. */
  private static Long[] memberIds(JsonArray members) {
    return ids(members, "memberIds", "unknown_member", "an agent");
  }

  /** A body's list of ids ({@code field}), each an id, without repeats; at most {@link #MAX_MEMBERS}. */
  private static Long[] ids(JsonArray raw, String field, String unknownCode, String what) {
    Set<Long> ids = new LinkedHashSet<>();
    if (raw != null) {
      if (raw.size() > MAX_MEMBERS) {
        throw ApiException.unprocessable("too_many_members", field + " has at most " + MAX_MEMBERS + " ids");
      }
      for (int i = 0; i < raw.size(); i++) {
        Object v = raw.getValue(i);
        if (!(v instanceof String) && !(v instanceof Number)) {
          throw ApiException.badRequest("invalid_field", field + "[" + i + "] must be an id");
        }
        Long id = Ids.tryParse(v.toString());
        if (id == null) {
          throw ApiException.unprocessable(unknownCode, field + "[" + i + "] is not " + what + " of this account");
        }
        ids.add(id);
      }
    }
    return ids.toArray(new Long[0]);
  }

  /** Fails with 422 unless every id is a user of the account. */
  private static Future<Void> members(io.vertx.sqlclient.SqlConnection c, long accountId, Long[] memberIds) {
    return c.preparedQuery(AdminSql.USERS_IN_ACCOUNT).execute(Tuple.of(accountId, (Object) memberIds)).compose(found -> {
      if (found.size() == memberIds.length) {
        return Future.succeededFuture();
      }
      Set<Long> known = new LinkedHashSet<>();
      found.forEach(r -> known.add(r.getLong("id")));
      Long bad = java.util.Arrays.stream(memberIds).filter(i -> !known.contains(i)).findFirst().orElse(null);
      return Future.failedFuture(ApiException.unprocessable("unknown_member", "user " + bad + " is not an agent of this account"));
    });
  }

  private void listTeams(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    Reply.ok(ctx, teams(p.accountId(), null).map(items -> new JsonObject().put("items", items)));
  }

  private void getTeam(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    long id = Ids.parse(ctx.pathParam("id"), "team");
    Reply.ok(ctx, teams(p.accountId(), id).map(items -> {
      if (items.isEmpty()) {
        throw ApiException.notFound("team");
      }
      return items.getJsonObject(0);
    }));
  }

  private Future<JsonArray> teams(long accountId, Long id) {
    return tx.pool().preparedQuery(AdminSql.TEAMS).execute(Tuple.of(accountId, id)).map(rows -> {
      JsonArray items = new JsonArray();
      for (Row r : rows) {
        Object members = r.getValue("member_ids");
        items.add(new JsonObject()
            .put("id", String.valueOf(r.getLong("id")))
            .put("name", r.getString("name"))
            .put("memberIds", members instanceof JsonArray a ? a : new JsonArray())
            .put("autoAssign", dev.switchboard.assign.AutoAssign.json(dev.switchboard.assign.AutoAssign.stored(r.getValue("auto_assign"))))
            .put("createdAt", Times.iso(r.getOffsetDateTime("created_at")))
            .put("updatedAt", Times.iso(r.getOffsetDateTime("updated_at"))));
      }
      return items;
    });
  }

  static JsonObject agent(Row r) {
    return new JsonObject()
        .put("id", String.valueOf(r.getLong("id")))
        .put("name", r.getString("name"))
        .put("email", r.getString("email"))
        .put("role", r.getString("role"))
        .put("active", r.getBoolean("active"))
        .put("createdAt", Times.iso(r.getOffsetDateTime("created_at")));
  }
}
