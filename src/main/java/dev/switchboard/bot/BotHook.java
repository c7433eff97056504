package dev.switchboard.bot;

import java.time.Clock;
import dev.switchboard.common.WindowPolicy;
import dev.switchboard.common.ApiException;
import dev.switchboard.common.Inbound;
import dev.switchboard.common.InboundHooks;
import dev.switchboard.common.TxChanges;
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

  private final BotReplies replies;
  private final Clock clock;
  private final WindowPolicy windows;
  private final int maxRepliesPerMinute;
  private final Map<Long, Cached> flowCache = new ConcurrentHashMap<>();
  private final Counter flowsRun;
  private final Counter repliesQueued;
  private final Counter repliesDropped;
  private record Cached(OffsetDateTime updatedAt, Flow flow) {
  }

  public BotHook(BotReplies replies, Clock clock, WindowPolicy windows, int maxRepliesPerMinute, MeterRegistry metrics) {
    this.replies = replies;
    this.clock = clock;
    this.windows = windows;
    this.maxRepliesPerMinute = maxRepliesPerMinute;
    MeterRegistry registry = metrics != null ? metrics : Metrics.globalRegistry;
    this.flowsRun = Counter.builder("switchboard_bot_flows_run").description("bot flows whose trigger matched").register(registry);
    this.repliesQueued = Counter.builder("switchboard_bot_replies_queued").description("bot replies queued for sending").register(registry);
    this.repliesDropped = Counter.builder("switchboard_bot_replies_dropped")
        .description("bot replies not queued (loop guard, window closed, missing field)").register(registry);
  }

  @Override
  public Future<Void> inTransaction(TxChanges tx, List<Inbound> created) {
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
  private void evaluateInOrder(Iterator<Inbound> it, TxChanges tx, Map<Long, Future<List<Flow>>> flowsOfChannel, Promise<Void> done) {
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

  private Future<Void> evaluate(TxChanges tx, Inbound in, Map<Long, Future<List<Flow>>> flowsOfChannel) {
    if (!FlowEvaluator.answerable(in.contentType())) {
      return Future.succeededFuture();
    }
    Instant now = clock.instant();
    if (!FlowEvaluator.withinAutomationWindow(in.platformTimestamp(), now, windows.standard())) {
      LOG.debug("bot: message {} is older than the automation window, not answered", in.messageId());
      return Future.succeededFuture();
    }
    return flowsOfChannel.computeIfAbsent(in.channelId(), id -> runnableFlows(tx.conn(), in))
        .compose(flows -> flows.isEmpty() ? Future.succeededFuture() : decideAndApply(tx, in, flows));
  }

  private Future<Void> decideAndApply(TxChanges tx, Inbound in, List<Flow> flows) {
    return tx.conn().preparedQuery(BotSql.LOCK_CONVERSATION).execute(Tuple.of(in.conversationId())).compose(rows -> {
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

  private Future<Void> apply(TxChanges tx, Inbound in, long contactId, FlowEvaluator.Decision d) {
    LOG.info("bot: flow {} runs for message {} of conversation {}", d.flow().id(), in.messageId(), in.conversationId());
    flowsRun.increment();
    d.notes().stream().filter(n -> n.startsWith("reply skipped")).forEach(n -> repliesDropped.increment());
    d.notes().forEach(n -> LOG.warn("bot: flow {} for conversation {}: {}", d.flow().id(), in.conversationId(), n));
    // label and field actions count the contact's labels and fields (BotSql): under its lock, taken once
    boolean touchesContact = d.actions().stream().anyMatch(a -> a instanceof Action.Label || a instanceof Action.Field);
    Future<Void> chain = touchesContact
        ? tx.conn().preparedQuery(BotSql.LOCK_CONTACT).execute(Tuple.of(contactId)).mapEmpty()
        : Future.succeededFuture();
    for (Action a : d.actions()) {
      chain = chain.compose(v -> apply(tx, in, contactId, a));
    }
    return chain;
  }

  private Future<Void> apply(TxChanges tx, Inbound in, long contactId, Action a) {
    if (a instanceof Action.Label l) {
      return tx.conn().preparedQuery(BotSql.ADD_LABEL).execute(Tuple.of(contactId, in.accountId(), l.name()))
          .compose(rows -> contactChanged(tx, in, contactId, rows.rowCount()));
    }
    if (a instanceof Action.Field f) {
      return tx.conn().preparedQuery(BotSql.SET_FIELD).execute(Tuple.of(contactId, in.accountId(), f.name(), f.value()))
          .compose(rows -> contactChanged(tx, in, contactId, rows.rowCount()));
    }
    if (a instanceof Action.Handoff h) {
      return handoff(tx, in, h);
    }
    if (a instanceof Action.Reply r) {
      return tx.conn().preparedQuery(BotSql.RECENT_BOT_REPLIES).execute(Tuple.of(in.conversationId())).compose(rows -> {
        long recent = rows.iterator().next().getLong("n");
        if (recent >= maxRepliesPerMinute) {
          LOG.warn("bot: conversation {} already had {} bot replies in the last minute; reply not sent (loop guard)",
              in.conversationId(), recent);
          repliesDropped.increment();
          return Future.succeededFuture();
        }
        return replies.enqueue(tx, in, r.text(), r.quickReplies())
            .map(queued -> {
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

  // the conversation's view shows the contact's labels and fields, so both are published
  private Future<Void> contactChanged(TxChanges tx, Inbound in, long contactId, int rowCount) {
    if (rowCount == 0) {
      return Future.succeededFuture();
    }
    tx.contactChanged(in.accountId(), contactId, in.conversationId()).conversationChanged(in.accountId(), in.conversationId());
    return tx.conn().preparedQuery(BotSql.TOUCH_CONTACT).execute(Tuple.of(contactId)).mapEmpty();
  }

  // A team deleted since the flow was saved: the conversation still reaches humans, as Open.
  private Future<Void> handoff(TxChanges tx, Inbound in, Action.Handoff h) {
    Future<Long> team = h.teamId() == null ? Future.succeededFuture(null)
        : tx.conn().preparedQuery(BotSql.TEAM_OF_ACCOUNT).execute(Tuple.of(h.teamId(), in.accountId()))
            .map(rows -> rows.size() == 0 ? null : h.teamId());
    return team.compose(teamId -> {
      String status = teamId == null ? "open" : "assigned";
      String assigneeType = teamId == null ? null : "team";
      return tx.conn().preparedQuery(BotSql.HANDOFF).execute(Tuple.of(in.conversationId(), status, assigneeType, teamId))
          .compose(rows -> {
            if (rows.rowCount() == 0) {
              return Future.succeededFuture();
            }
            tx.conversationChanged(in.accountId(), in.conversationId());
            return tx.conn().preparedQuery(BotSql.HISTORY)
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
}
