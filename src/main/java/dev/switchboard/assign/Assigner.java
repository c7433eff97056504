package dev.switchboard.assign;

import dev.switchboard.config.Config;
import dev.switchboard.conversation.Transactions;
import dev.switchboard.conversation.TxEvents;
import dev.switchboard.presence.Presence;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One round of auto-assignment: claims waiting conversations ({@code assign_queue}, row locks,
 * SKIP LOCKED), and per account, under a transaction-scoped advisory lock (so two nodes never
 * count one agent's load at once), gives each to an eligible agent under capacity. Assignments,
 * their history rows (actor {@code system}), the round-robin pointers, the queue rows and the
 * {@code conversation.updated} events commit together: a conversation is assigned exactly once,
 * and a node that dies mid-round leaves its rows to the next round of any node.
 */
public final class Assigner {

  /** What a round did. */
  public record Round(int claimed, int assigned) {
  }

  private record Waiting(long id, String status, String assigneeType, Long assigneeId, long generation) {
  }

  private record Agent(long id, boolean available) {
  }

  /** For the crash tests only: the round that assigned something stops just before its commit. */
  static final String FAULT_BEFORE_COMMIT = "assign-before-commit";

  private final Transactions tx;
  private final Presence presence;
  private final Config.Presence config;
  private final boolean fault;

  public Assigner(Transactions tx, Presence presence, Config.Presence config, String faultPoint) {
    this.tx = tx;
    this.presence = presence;
    this.config = config;
    this.fault = FAULT_BEFORE_COMMIT.equals(faultPoint);
  }

  public Future<Round> round() {
    // the events commit with the assignments; nobody waits for them to reach the log (no API answer
    // hangs on a round), so the relay is only woken after the commit
    TxEvents[] holder = new TxEvents[1];
    return tx.pool().withTransaction(conn -> {
      TxEvents ev = tx.open(conn);
      holder[0] = ev;
      return claimAndAssign(ev).compose(round -> ev.write().map(round)).compose(this::faultPoint);
    }).onSuccess(round -> holder[0].committed());
  }

  // a crash test kills the node here: assignments, history and events written, the transaction
  // open with its row and advisory locks held, nothing committed
  private Future<Round> faultPoint(Round round) {
    if (!fault || round.assigned() == 0) {
      return Future.succeededFuture(round);
    }
    System.out.println("FAULT POINT " + FAULT_BEFORE_COMMIT + " reached: " + round.assigned() + " assigned, not committed");
    System.out.flush();
    return Promise.<Round>promise().future();
  }

  private Future<Round> claimAndAssign(TxEvents ev) {
    return ev.conn().preparedQuery(AssignSql.CLAIM)
        .execute(Tuple.of(config.assignRetryMs(), config.assignBatch()))
        .compose(rows -> {
          Map<Long, List<Waiting>> byAccount = new TreeMap<>();
          for (Row r : rows) {
            byAccount.computeIfAbsent(r.getLong("account_id"), k -> new ArrayList<>())
                .add(new Waiting(r.getLong("conversation_id"), r.getString("status"), r.getString("assignee_type"),
                    r.getLong("assignee_id"), r.getLong("generation")));
          }
          Future<Integer> chain = Future.succeededFuture(0);
          // accounts in id order: two rounds never wait for each other's advisory locks in a cycle
          for (Map.Entry<Long, List<Waiting>> e : byAccount.entrySet()) {
            chain = chain.compose(n -> account(ev, e.getKey(), e.getValue()).map(k -> n + k));
          }
          return chain.map(assigned -> new Round(rows.size(), assigned));
        });
  }

  private Future<Integer> account(TxEvents ev, long accountId, List<Waiting> waiting) {
    SqlConnection c = ev.conn();
    Long[] teamIds = waiting.stream().filter(w -> "team".equals(w.assigneeType())).map(Waiting::assigneeId).distinct().toArray(Long[]::new);
    Context ctx = new Context();
    return c.preparedQuery(AssignSql.LOCK_ACCOUNT).execute(Tuple.of(accountId))
        .compose(v -> c.preparedQuery(AssignSql.ACCOUNT_SETTING).execute(Tuple.of(accountId)))
        .compose(rows -> {
          ctx.account = rows.size() == 0 ? null : AutoAssign.stored(rows.iterator().next().getValue("auto_assign"));
          return c.preparedQuery(AssignSql.TEAMS).execute(Tuple.of(accountId, (Object) teamIds));
        })
        .compose(rows -> {
          for (Row r : rows) {
            long team = r.getLong("id");
            ctx.teamSetting.put(team, AutoAssign.stored(r.getValue("auto_assign")));
            ctx.members.put(team, new HashSet<>(List.of(r.getArrayOfLongs("members"))));
          }
          return c.preparedQuery(AssignSql.AGENTS).execute(Tuple.of(accountId));
        })
        .compose(rows -> {
          for (Row r : rows) {
            ctx.agents.add(new Agent(r.getLong("id"), Presence.AVAILABLE.equals(r.getString("availability"))));
            ctx.load.put(r.getLong("id"), r.getInteger("load"));
          }
          return c.preparedQuery(AssignSql.POINTERS).execute(Tuple.of(accountId));
        })
        .compose(rows -> {
          rows.forEach(r -> ctx.pointers.put(r.getString("scope"), r.getLong("last_user_id")));
          return presence.online(accountId);
        })
        .compose(online -> {
          ctx.online = online;
          return decideAndWrite(ev, accountId, waiting, ctx);
        });
  }

  /** What one account's part of a round reads once and updates as it assigns. */
  private static final class Context {
    AutoAssign account;
    final Map<Long, AutoAssign> teamSetting = new HashMap<>();
    final Map<Long, Set<Long>> members = new HashMap<>();
    final List<Agent> agents = new ArrayList<>();
    final Map<Long, Integer> load = new HashMap<>();
    final Map<String, Long> pointers = new HashMap<>();
    final Set<String> movedPointers = new HashSet<>();
    Set<Long> online = Set.of();
  }

  private Future<Integer> decideAndWrite(TxEvents ev, long accountId, List<Waiting> waiting, Context ctx) {
    List<Long> ids = new ArrayList<>();
    List<Long> to = new ArrayList<>();
    List<String> fromStatus = new ArrayList<>();
    List<String> fromType = new ArrayList<>();
    List<Long> fromId = new ArrayList<>();
    List<Long> done = new ArrayList<>();
    List<Long> tried = new ArrayList<>();
    for (Waiting w : waiting) {
      boolean team = "assigned".equals(w.status()) && "team".equals(w.assigneeType());
      if (!"open".equals(w.status()) && !team) {
        done.add(w.id()); // taken or closed meanwhile
        continue;
      }
      AutoAssign setting = team && ctx.teamSetting.get(w.assigneeId()) != null ? ctx.teamSetting.get(w.assigneeId()) : ctx.account;
      if (setting == null) {
        done.add(w.id()); // auto-assignment was turned off
        continue;
      }
      Set<Long> members = team ? ctx.members.getOrDefault(w.assigneeId(), Set.of()) : null;
      List<Long> candidates = new ArrayList<>();
      for (Agent a : ctx.agents) {
        if (a.available() && (members == null || members.contains(a.id()))
            && (!setting.onlyAvailable() || ctx.online.contains(a.id()))) {
          candidates.add(a.id());
        }
      }
      String scope = team ? "team:" + w.assigneeId() : "account";
      Long agent = Picker.pick(setting.mode(), candidates, ctx.load, setting.capacity(), ctx.pointers.get(scope));
      if (agent == null) {
        tried.add(w.id());
        continue;
      }
      ctx.load.merge(agent, 1, Integer::sum);
      ctx.pointers.put(scope, agent);
      ctx.movedPointers.add(scope);
      ids.add(w.id());
      to.add(agent);
      fromStatus.add(w.status());
      fromType.add(w.assigneeType());
      fromId.add(w.assigneeId());
      done.add(w.id());
    }
    SqlConnection c = ev.conn();
    Future<Void> writes = Future.succeededFuture();
    if (!ids.isEmpty()) {
      Long[] idArray = ids.toArray(new Long[0]);
      Long[] toArray = to.toArray(new Long[0]);
      String[] scopes = ctx.movedPointers.toArray(new String[0]);
      Long[] last = ctx.movedPointers.stream().map(ctx.pointers::get).toArray(Long[]::new);
      writes = c.preparedQuery(AssignSql.ASSIGN).execute(Tuple.of(idArray, toArray, accountId))
          .compose(v -> c.preparedQuery(AssignSql.HISTORY).execute(Tuple.of(accountId, idArray,
              fromStatus.toArray(new String[0]), fromType.toArray(new String[0]), fromId.toArray(new Long[0]), toArray)))
          .compose(v -> c.preparedQuery(AssignSql.SAVE_POINTERS).execute(Tuple.of(accountId, scopes, last)))
          .map(v -> {
            ids.forEach(id -> ev.conversationChanged(accountId, id));
            return null;
          });
    }
    if (!done.isEmpty()) {
      writes = writes.compose(v -> c.preparedQuery(AssignSql.DONE).execute(Tuple.of((Object) done.toArray(new Long[0]))).mapEmpty());
    }
    if (!tried.isEmpty()) {
      // one claim statement read one generation per account
      long generation = waiting.get(0).generation();
      writes = writes.compose(v -> c.preparedQuery(AssignSql.TRIED).execute(Tuple.of(tried.toArray(new Long[0]), generation)).mapEmpty());
    }
    return writes.map(ids.size());
  }

  /** Capacity may have freed up or the rules changed: waiting conversations are tried again at once. */
  public static Future<Void> wake(SqlConnection c, long accountId) {
    return c.preparedQuery(AssignSql.WAKE).execute(Tuple.of(accountId)).mapEmpty();
  }
}
