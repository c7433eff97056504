package dev.switchboard.bot;

import dev.switchboard.common.ApiException;
import dev.switchboard.common.Services;
import dev.switchboard.common.Inbound;
import dev.switchboard.common.InboundHooks;
import dev.switchboard.conversation.Views;
import dev.switchboard.store.Bus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bot, run by the processor inside the transaction that stores new customer messages: each
 * message is evaluated exactly once (it commits with the message or not at all, on any node,
 * also after a crash), in order per conversation, against the conversation's status as it is at
 * that moment. Labels, fields and hand-offs are written in the same transaction; replies are
 * queued for the send pipeline.
 *
 * <p>A failed write fails the hook and so rolls back the whole batch, which the processor retries:
 * the bot's work is never half-applied nor applied twice. (PostgreSQL and the Vert.x client cannot
 * recover a transaction after a failed statement, so a savepoint would not help.) A bug in the pure
 * part (reading a flow, evaluating) happens before any write: that message is just not answered.
 */
public final class BotHook implements InboundHooks.Hook {

  private static final Logger LOG = LoggerFactory.getLogger(BotHook.class);
  /** Effects of transactions that never committed are forgotten after this long. */
  private static final long PENDING_TTL_MS = 10 * 60_000;

  private final Services services;
  private final BotReplies replies;
  private final int maxRepliesPerMinute;
  private final Map<Long, Cached> flowCache = new ConcurrentHashMap<>();
  private final Counter flowsRun;
  private final Counter repliesQueued;
  private final Counter repliesDropped;
  /** What each evaluated message changed, by message id, until its transaction commits. */
  private final Map<Long, Effects> pending = new ConcurrentHashMap<>();

  private record Cached(OffsetDateTime updatedAt, Flow flow) {
  }

  /** What the bot changed for one message, published once the transaction commits. */
  private static final class Effects {
    final long accountId;
    final long conversationId;
    final long contactId;
    final long createdAt;
    boolean conversationChanged;
    boolean contactChanged;
    final List<Object> replies = new ArrayList<>();

    Effects(long accountId, long conversationId, long contactId, long createdAt) {
      this.createdAt = createdAt;
      this.accountId = accountId;
      this.conversationId = conversationId;
      this.contactId = contactId;
    }

    boolean any() {
      return conversationChanged || contactChanged || !replies.isEmpty();
    }
  }

  public BotHook(Services services, BotReplies replies) {
    this.services = services;
    this.replies = replies;
    this.maxRepliesPerMinute = services.config().bot().maxRepliesPerMinute();
    MeterRegistry registry = services.metrics() != null ? services.metrics() : Metrics.globalRegistry;
    this.flowsRun = Counter.builder("switchboard_bot_flows_run").description("bot flows whose trigger matched").register(registry);
    this.repliesQueued = Counter.builder("switchboard_bot_replies_queued").description("bot replies queued for sending").register(registry);
    this.repliesDropped = Counter.builder("switchboard_bot_replies_dropped")
        .description("bot replies not queued (loop guard, window closed, missing field)").register(registry);
  }

  @Override
  public Future<Void> inTransaction(SqlConnection tx, List<Inbound> created) {
    forgetAbandoned();
    // flows are read once per channel and batch: the batch's own transaction sees them consistently
    Map<Long, Future<List<Flow>>> flowsOfChannel = new HashMap<>();
    Promise<Void> done = Promise.promise();
    evaluateInOrder(created.iterator(), tx, flowsOfChannel, done);
    return done.future();
  }

  // One message after the other, in order. Not a chain of compose(): with a batch of thousands of
  // messages that all finish synchronously (no flows, not answerable) such a chain completes
  // recursively and overflows the event loop's stack, wedging the processor. Synchronous steps
  // loop instead.
  private void evaluateInOrder(Iterator<Inbound> it, SqlConnection tx, Map<Long, Future<List<Flow>>> flowsOfChannel, Promise<Void> done) {
    while (it.hasNext()) {
      Future<Void> step = evaluate(tx, it.next(), flowsOfChannel);
      if (step.isComplete()) {
        if (step.failed()) {
          done.fail(step.cause());
          return;
        }
        continue;
      }
      step.onComplete(ar -> {
        if (ar.failed()) {
          done.fail(ar.cause());
        } else {
          evaluateInOrder(it, tx, flowsOfChannel, done);
        }
      });
      return;
    }
    done.complete();
  }

  @Override
  public void afterCommit(List<Inbound> created) {
    Map<Long, List<Effects>> byConversation = new LinkedHashMap<>();
    for (Inbound in : created) {
      Effects e = pending.remove(in.messageId());
      if (e != null) {
        byConversation.computeIfAbsent(e.conversationId, k -> new ArrayList<>()).add(e);
      }
    }
    byConversation.forEach((conversationId, effects) -> publish(effects));
  }

  private Future<Void> evaluate(SqlConnection tx, Inbound in, Map<Long, Future<List<Flow>>> flowsOfChannel) {
    if (!FlowEvaluator.answerable(in.contentType())) {
      return Future.succeededFuture();
    }
    Instant now = services.clock().instant();
    if (!FlowEvaluator.withinAutomationWindow(in.platformTimestamp(), now, services.windows().standard())) {
      LOG.debug("bot: message {} is older than the automation window, not answered", in.messageId());
      return Future.succeededFuture();
    }
    return flowsOfChannel.computeIfAbsent(in.channelId(), id -> runnableFlows(tx, in))
        .compose(flows -> flows.isEmpty() ? Future.succeededFuture() : decideAndApply(tx, in, flows));
  }

  private Future<Void> decideAndApply(SqlConnection tx, Inbound in, List<Flow> flows) {
    return tx.preparedQuery(BotSql.LOCK_CONVERSATION).execute(Tuple.of(in.conversationId())).compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture();
      }
      Row r = rows.iterator().next();
      String status = r.getString("status");
      Map<String, String> fields = new HashMap<>();
      if (r.getValue("fields") instanceof JsonObject o) {
        o.forEach(e -> fields.put(e.getKey(), String.valueOf(e.getValue())));
      }
      Set<String> labels = new HashSet<>();
      if (r.getValue("labels") instanceof JsonArray a) {
        a.forEach(l -> labels.add(String.valueOf(l)));
      }
      FlowEvaluator.Message m = new FlowEvaluator.Message(in.channelId(), in.contentType(), in.text(), in.payload(), in.firstMessage());
      Optional<FlowEvaluator.Decision> decision;
      try {
        decision = FlowEvaluator.evaluate(m, status, fields, labels, flows);
      } catch (RuntimeException e) {
        LOG.error("bot: evaluating message {} of conversation {} failed; not answered", in.messageId(), in.conversationId(), e);
        return Future.succeededFuture();
      }
      return decision.map(d -> apply(tx, in, r.getLong("contact_id"), d)).orElse(Future.succeededFuture());
    });
  }

  private Future<Void> apply(SqlConnection tx, Inbound in, long contactId, FlowEvaluator.Decision d) {
    LOG.info("bot: flow {} runs for message {} of conversation {}", d.flow().id(), in.messageId(), in.conversationId());
    flowsRun.increment();
    d.notes().stream().filter(n -> n.startsWith("reply skipped")).forEach(n -> repliesDropped.increment());
    d.notes().forEach(n -> LOG.warn("bot: flow {} for conversation {}: {}", d.flow().id(), in.conversationId(), n));
    Effects effects = new Effects(in.accountId(), in.conversationId(), contactId, services.clock().millis());
    Future<Void> chain = Future.succeededFuture();
    for (Action a : d.actions()) {
      chain = chain.compose(v -> apply(tx, in, contactId, a, effects));
    }
    return chain.andThen(ar -> {
      if (ar.succeeded() && effects.any()) {
        pending.put(in.messageId(), effects);
      }
    });
  }

  private Future<Void> apply(SqlConnection tx, Inbound in, long contactId, Action a, Effects effects) {
    if (a instanceof Action.Label l) {
      return tx.preparedQuery(BotSql.ADD_LABEL).execute(Tuple.of(contactId, in.accountId(), l.name()))
          .compose(rows -> contactChanged(tx, contactId, rows.rowCount(), effects));
    }
    if (a instanceof Action.Field f) {
      return tx.preparedQuery(BotSql.SET_FIELD).execute(Tuple.of(contactId, in.accountId(), f.name(), f.value()))
          .compose(rows -> contactChanged(tx, contactId, rows.rowCount(), effects));
    }
    if (a instanceof Action.Handoff h) {
      return handoff(tx, in, h, effects);
    }
    if (a instanceof Action.Reply r) {
      return tx.preparedQuery(BotSql.RECENT_BOT_REPLIES).execute(Tuple.of(in.conversationId())).compose(rows -> {
        long recent = rows.iterator().next().getLong("n");
        if (recent >= maxRepliesPerMinute) {
          LOG.warn("bot: conversation {} already had {} bot replies in the last minute; reply not sent (loop guard)",
              in.conversationId(), recent);
          repliesDropped.increment();
          return Future.succeededFuture();
        }
        return replies.enqueue(tx, in, r.text(), r.quickReplies())
            .map(queued -> {
              effects.replies.add(queued);
              repliesQueued.increment();
              return (Void) null;
            })
            .recover(err -> {
              if (err instanceof ApiException refused) {
                LOG.warn("bot: reply for conversation {} not queued: {} ({})", in.conversationId(), refused.getMessage(), refused.code());
                repliesDropped.increment();
                return Future.succeededFuture();
              }
              return Future.failedFuture(err);
            });
      });
    }
    return Future.succeededFuture();
  }

  private Future<Void> contactChanged(SqlConnection tx, long contactId, int rowCount, Effects effects) {
    if (rowCount == 0) {
      return Future.succeededFuture();
    }
    effects.contactChanged = true;
    return tx.preparedQuery(BotSql.TOUCH_CONTACT).execute(Tuple.of(contactId)).mapEmpty();
  }

  // A team deleted since the flow was saved: the conversation still reaches humans, as Open.
  private Future<Void> handoff(SqlConnection tx, Inbound in, Action.Handoff h, Effects effects) {
    Future<Long> team = h.teamId() == null ? Future.succeededFuture(null)
        : tx.preparedQuery(BotSql.TEAM_OF_ACCOUNT).execute(Tuple.of(h.teamId(), in.accountId()))
            .map(rows -> rows.size() == 0 ? null : h.teamId());
    return team.compose(teamId -> {
      String status = teamId == null ? "open" : "assigned";
      String assigneeType = teamId == null ? null : "team";
      return tx.preparedQuery(BotSql.HANDOFF).execute(Tuple.of(in.conversationId(), status, assigneeType, teamId))
          .compose(rows -> {
            if (rows.rowCount() == 0) {
              return Future.succeededFuture();
            }
            effects.conversationChanged = true;
            return tx.preparedQuery(BotSql.HISTORY)
                .execute(Tuple.of(in.accountId(), in.conversationId(), status, assigneeType, teamId)).mapEmpty();
          });
    });
  }

  /** The account's enabled flows for the message's channel, in order; parsed flows are reused until they change. */
  private Future<List<Flow>> runnableFlows(SqlConnection tx, Inbound in) {
    return tx.preparedQuery(FlowSql.RUNNABLE).execute(Tuple.of(in.accountId(), in.channelId())).map(rows -> {
      List<Flow> flows = new ArrayList<>();
      for (Row r : rows) {
        long id = r.getLong("id");
        OffsetDateTime updatedAt = r.getOffsetDateTime("updated_at");
        Cached c = flowCache.get(id);
        if (c == null || !c.updatedAt().equals(updatedAt)) {
          try {
            c = new Cached(updatedAt, FlowSql.flow(r));
            flowCache.put(id, c);
          } catch (RuntimeException e) {
            LOG.warn("bot: stored flow {} cannot be read and is skipped: {}", id, e.getMessage());
            continue;
          }
        }
        flows.add(c.flow());
      }
      return flows;
    });
  }

  private void publish(List<Effects> effects) {
    Effects first = effects.get(0);
    boolean conversation = effects.stream().anyMatch(e -> e.conversationChanged || e.contactChanged);
    boolean contact = effects.stream().anyMatch(e -> e.contactChanged);
    List<Object> queued = new ArrayList<>();
    effects.forEach(e -> queued.addAll(e.replies));
    if (!queued.isEmpty()) {
      replies.afterCommit(queued);
    }
    Instant now = services.clock().instant();
    List<Future<?>> appends = new ArrayList<>();
    if (contact) {
      appends.add(services.pool().preparedQuery(Views.CONTACT_SELECT + " WHERE ct.id = $1").execute(Tuple.of(first.contactId))
          .compose(rows -> rows.size() == 0 ? Future.succeededFuture()
              : services.events().append(first.accountId, Bus.CONTACT_UPDATED, first.conversationId,
                  Views.contact(rows.iterator().next()).put("conversationId", String.valueOf(first.conversationId)))));
    }
    if (conversation) {
      appends.add(Views.conversations(services.pool(), List.of(first.conversationId), services.windows(), now)
          .compose(views -> views.isEmpty() ? Future.succeededFuture()
              : services.events().append(first.accountId, Bus.CONVERSATION_UPDATED, first.conversationId, views.get(0))));
    }
    Future.join(appends).onFailure(err ->
        LOG.warn("bot: events for conversation {} not appended: {}", first.conversationId, err.toString()));
  }

  private void forgetAbandoned() {
    long cutoff = services.clock().millis() - PENDING_TTL_MS;
    pending.values().removeIf(e -> e.createdAt < cutoff);
  }

  /** For tests: the events this hook still holds for uncommitted transactions. */
  int pendingCount() {
    return pending.size();
  }
}
