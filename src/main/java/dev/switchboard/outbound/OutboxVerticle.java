package dev.switchboard.outbound;

import io.micrometer.core.instrument.MeterRegistry;
import dev.switchboard.config.Config;
import dev.switchboard.media.MediaStore;
import dev.switchboard.media.MediaLinks;
import dev.switchboard.store.RedisStore;
import dev.switchboard.conversation.Transactions;
import dev.switchboard.common.Backoff;
import dev.switchboard.common.LeasedLoop;
import dev.switchboard.media.MediaStores;

import dev.switchboard.channel.FailureReasons;
import dev.switchboard.channel.GraphClient;
import dev.switchboard.channel.GraphErrors;
import dev.switchboard.channel.Sender;
import dev.switchboard.common.Times;
import dev.switchboard.channel.WhatsAppSender;
import dev.switchboard.conversation.MessageStatus;
import dev.switchboard.conversation.TxEvents;
import dev.switchboard.conversation.Views;
import dev.switchboard.conversation.WhatsAppIdentities;
import dev.switchboard.store.Bus;
import dev.switchboard.events.Event;
import dev.switchboard.common.WindowPolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The send pipeline, one per node: claims pending outbound messages from PostgreSQL (a lease,
 * FOR UPDATE SKIP LOCKED, the oldest pending one per conversation), re-checks the window, takes
 * a token from the channel's rate bucket, calls the Graph API and records {@code sent} with the
 * platform's id or {@code failed} with its code and message; retryable errors back off and stay
 * pending. Woken by {@link Bus#OUTBOUND_PENDING} and by a periodic poll.
 */
public final class OutboxVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(OutboxVerticle.class);

  private final Transactions tx;
  private final GraphClient graph;
  private final RateLimiter limiter;
  private final MediaHandOff handOff;
  private final String owner;
  private final long leaseMs;
  private final long pollMs;
  private final int batch;
  private final int maxAttempts;
  private final long retryBaseMs;
  private final Counter inDoubt;
  private final io.micrometer.core.instrument.MeterRegistry registry;

  private MessageConsumer<Object> consumer;
  private long timer = -1;
  private long keySweep = -1;
  private LeasedLoop<Row> loop;

  public OutboxVerticle(Transactions tx, RedisStore redis, GraphClient graph, MediaStore media, MediaLinks links,
                        Config settings, MeterRegistry metrics) {
    this.tx = tx;
    var graphConfig = settings.graph();
    var config = settings.outbox();
    int timeoutMs = graphConfig.timeoutMs();
    this.graph = graph;
    this.handOff = new MediaHandOff(graph, media, links, settings.publicUrl(), settings.media().urlSeconds(), tx.clock());
    this.limiter = new RateLimiter(redis, config.sendRateWhatsapp(), config.sendRateDefault());
    this.owner = settings.nodeId() + "/" + UUID.randomUUID().toString().substring(0, 8);
    // the lease outlives the Graph timeout, so a live node always records its result before anyone may re-claim
    this.leaseMs = Math.max(config.leaseMs(), 2L * timeoutMs + 1_000);
    this.pollMs = config.pollMs();
    this.batch = config.batch();
    this.maxAttempts = graphConfig.maxAttempts();
    this.retryBaseMs = graphConfig.retryBaseMs();
    this.registry = metrics != null ? metrics : Metrics.globalRegistry;
    this.inDoubt = Counter.builder("switchboard_outbound_in_doubt_total")
        .description("claims taken over after a lease expired: the earlier send may have reached Meta")
        .register(registry);
  }

  @Override
  public Future<?> start() {
    loop = new LeasedLoop<>(vertx, "send", this::claim, r -> send(Claim.of(r)), r -> r.getLong("id"), batch);
    consumer = vertx.eventBus().localConsumer(Bus.OUTBOUND_PENDING, m -> loop.nudge());
    timer = vertx.setPeriodic(pollMs, pollMs, t -> loop.nudge());
    keySweep = vertx.setPeriodic(600_000, t -> expireKeys());
    loop.nudge();
    return consumer.completion();
  }

  /** Finishes the batch in flight (each send completes or times out and is recorded), claims nothing new. */
  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    vertx.cancelTimer(keySweep);
    return Future.join(consumer.unregister(), loop.stop());
  }

  private void expireKeys() {
    tx.pool().preparedQuery(OutboxSql.EXPIRE_KEYS).execute(Tuple.of(dev.switchboard.common.Times.utc(tx.clock().instant())))
        .onFailure(err -> LOG.warn("expiring idempotency keys failed: {}", err.toString()));
  }

  private void count(String outcome, String code) {
    Counter.builder("switchboard_outbound_messages_total").description("outbound messages by outcome")
        .tag("outcome", outcome).tag("code", code == null ? "" : code).register(registry).increment();
  }

  private Future<List<Row>> claim() {
    return tx.pool().preparedQuery(OutboxSql.CLAIM).execute(Tuple.of(owner, leaseMs, batch)).map(rows -> {
      List<Row> out = new ArrayList<>();
      rows.forEach(out::add);
      return out;
    });
  }

  /** A claimed message with what sending it needs. */
  record Claim(long id, long accountId, long conversationId, long channelId, String type, String text, JsonArray attachments,
               String senderType, String replyTo, JsonObject spec, int attempts, String previousClaim, String platform,
               String channelExternalId, String accessToken, String recipient, Instant lastInboundAt, Instant adReferralAt,
               String contactBsuid) {
    static Claim of(Row r) {
      Object atts = r.getValue("attachments");
      Object spec = r.getValue("send_spec");
      return new Claim(r.getLong("id"), r.getLong("account_id"), r.getLong("conversation_id"), r.getLong("channel_id"),
          r.getString("type"), r.getString("text"), atts instanceof JsonArray a ? a : new JsonArray(), r.getString("sender_type"),
          r.getString("reply_to"), spec instanceof JsonObject o ? o : new JsonObject(), r.getInteger("attempts"),
          r.getString("previous_claim"), r.getString("platform"), r.getString("channel_external_id"), r.getString("access_token"),
          r.getString("platform_user_id"),
          r.getOffsetDateTime("last_inbound_at") == null ? null : r.getOffsetDateTime("last_inbound_at").toInstant(),
          Times.instant(r.getOffsetDateTime("ad_referral_at")), r.getString("contact_bsuid"));
    }
  }

  private Future<Void> send(Claim c) {
    if (loop.stopping()) {
      return release(c, 0);
    }
    if (c.previousClaim() != null) {
      // the node holding the lease died (or lost PostgreSQL) mid-send: Meta may already have this one
      inDoubt.increment();
      LOG.warn("message {}: taking over the expired claim of {}; if that send reached Meta, this one is a duplicate",
          c.id(), c.previousClaim());
    }
    String tag = null;
    if (!"template".equals(c.type())) {
      WindowPolicy.Sender who = "bot".equals(c.senderType()) ? WindowPolicy.Sender.BOT : WindowPolicy.Sender.AGENT;
      WindowPolicy.Decision d = tx.windows().decide(c.platform(), who, c.lastInboundAt(), c.adReferralAt(), tx.clock().instant());
      if (d == WindowPolicy.Decision.TEMPLATE_ONLY || d == WindowPolicy.Decision.CLOSED) {
        // the window closed while it waited (retries, rate limit): never send what the platform forbids
        String why = Outbox.refusal(d, c.platform(), who, c.lastInboundAt(), tx.windows()).getMessage();
        return failed(c, "window_closed", why, null);
      }
      tag = d == WindowPolicy.Decision.HUMAN_AGENT_TAG ? "HUMAN_AGENT" : null;
    }
    String messagingTag = tag;
    return limiter.take(c.channelId(), c.platform())
        .recover(err -> {
          LOG.warn("rate bucket unavailable, holding sends: {}", err.toString());
          return Future.succeededFuture(pollMs);
        })
        .compose(waitMs -> {
          if (waitMs > 0) {
            return release(c, waitMs);
          }
          Sender sender = Sender.of(c.platform());
          Sender.Outgoing out = outgoing(c, messagingTag);
          if (out.attachment() != null && out.attachment().mediaId() != null) {
            // an agent's upload: the platform gets the file first and the message names it
            return handOff.prepare(c, out.attachment()).compose(r -> r.error() != null ? error(c, r.error(), messagingTag)
                : deliver(c, sender, withAttachment(out, r.attachment()), messagingTag));
          }
          return deliver(c, sender, out, messagingTag);
        });
  }

  private Future<Void> deliver(Claim c, Sender sender, Sender.Outgoing out, String messagingTag) {
    return graph.post(sender.path(c.channelExternalId()), c.accessToken(), sender.body(out))
        .compose(result -> result.ok()
            ? sent(c, sender.messageId(result.body()), messagingTag).compose(v -> learnBsuid(c, result.body()))
            : error(c, result.error(), messagingTag));
  }

  private static Sender.Outgoing withAttachment(Sender.Outgoing o, Sender.Attachment a) {
    return new Sender.Outgoing(o.recipient(), o.text(), a, o.template(), o.quickReplies(), o.messagingTag(), o.replyTo(), o.metadata(),
        o.requestContactInfo());
  }

  static Sender.Outgoing outgoing(Claim c, String messagingTag) {
    Sender.Attachment attachment = c.attachments().isEmpty() ? null : Sender.Attachment.fromJson(c.attachments().getJsonObject(0));
    Sender.Template template = null;
    JsonObject t = c.spec().getJsonObject("template");
    if (t != null) {
      List<String> params = new ArrayList<>();
      t.getJsonArray("parameters", new JsonArray()).forEach(p -> params.add(String.valueOf(p)));
      template = new Sender.Template(t.getString("name"), t.getString("language"), params);
    }
    List<Sender.QuickReply> qrs = new ArrayList<>();
    JsonArray q = c.spec().getJsonArray("quickReplies");
    if (q != null) {
      for (int i = 0; i < q.size(); i++) {
        qrs.add(new Sender.QuickReply(q.getJsonObject(i).getString("title"), q.getJsonObject(i).getString("payload")));
      }
    }
    return new Sender.Outgoing(c.recipient(), c.text(), attachment, template, qrs, messagingTag, c.replyTo(), "outbox:" + c.id(),
        c.spec().getBoolean("requestContactInfo", false));
  }

  /** WhatsApp's pair rate limit (131056) allows about one message every few seconds to one customer. */
  static final long PAIR_RATE_PAUSE_MS = 6_000;
  /** WhatsApp's throughput (130429) is counted per second: the channel waits at least that long. */
  static final long THROUGHPUT_PAUSE_MS = 1_000;

  private Future<Void> error(Claim c, GraphErrors.GraphError e, String tag) {
    String reason = FailureReasons.describe(e.reasonCode(), e.message());
    switch (e.kind()) {
      case RETRY -> {
        if (c.attempts() < maxAttempts) {
          long delay = Backoff.delayMs(retryBaseMs, c.attempts());
          Integer code = e.code();
          // 131056: too fast to this customer; only this conversation waits (its next message queues behind this one)
          if (code != null && code == 131056) {
            delay = Math.max(delay, PAIR_RATE_PAUSE_MS);
          }
          LOG.info("message {}: attempt {} failed ({} {}), retrying in {} ms", c.id(), c.attempts(), e.reasonCode(), e.message(), delay);
          count("retried", e.reasonCode());
          long wait = delay;
          // 130429: the number's throughput; every conversation of the channel waits, not only this one
          Future<Void> pause = code != null && code == 130429
              ? limiter.pause(c.channelId(), Math.max(wait, THROUGHPUT_PAUSE_MS)).recover(err -> Future.succeededFuture())
              : Future.succeededFuture();
          return pause.compose(v -> tx.pool().preparedQuery(OutboxSql.RETRY_LATER).execute(Tuple.of(c.id(), owner, wait, tag)))
              .mapEmpty();
        }
        return failed(c, e.reasonCode(), reason + " (gave up after " + c.attempts() + " attempts)", tag);
      }
      case TOKEN -> {
        return failed(c, e.reasonCode(), e.message(), tag).compose(v -> ChannelAttention.tokenRefused(tx, c.channelId(), e.message()));
      }
      default -> {
        return failed(c, e.reasonCode(), reason, tag);
      }
    }
  }

  // Drops an echo of this send stored first (the webhook won the race), then records the id: one message.
  private Future<Void> sent(Claim c, String externalId, String tag) {
    count("sent", null);
    return recordSent(c, externalId, tag, 1).mapEmpty();
  }

  /**
   * A send to a phone whose answer names the customer's BSUID: the contact keeps it, by the
   * identity rules of webhooks (merging with a contact that already holds it), so replies and
   * later webhooks that carry only the BSUID find this contact. A contact that has a BSUID keeps
   * its own. Best effort: the next webhook naming both ids links them as well.
   */
  private Future<Void> learnBsuid(Claim c, JsonObject response) {
    String bsuid = "whatsapp".equals(c.platform()) && c.contactBsuid() == null ? WhatsAppSender.bsuidOf(response, c.recipient()) : null;
    if (bsuid == null) {
      return Future.succeededFuture();
    }
    return tx.run(events ->
            WhatsAppIdentities.learn(events, c.accountId(), c.channelId(), c.recipient(), bsuid, c.conversationId()))
        .onFailure(err -> LOG.warn("message {}: keeping the BSUID from the send response failed: {}", c.id(), err.toString()))
        .otherwiseEmpty();
  }

  // Meta has the message now: losing this update would let the lease expire and the message go out
  // twice, so a failing PostgreSQL is retried for a while (well inside the lease) before giving up.
  private Future<JsonObject> recordSent(Claim c, String externalId, String tag, int attempt) {
    return markSent(c, externalId, tag, 3).recover(err -> {
      if (attempt >= 6) {
        LOG.error("message {} was accepted by Meta as {} but could not be recorded; after the lease it may be sent again",
            c.id(), externalId, err);
        return Future.failedFuture(err);
      }
      long delay = 100L << attempt;
      LOG.warn("message {}: recording sent failed ({}), retrying in {} ms", c.id(), err.toString(), delay);
      return vertx.timer(delay).compose(v -> recordSent(c, externalId, tag, attempt + 1));
    });
  }

  private Future<JsonObject> markSent(Claim c, String externalId, String tag, int tries) {
    return tx.run(events -> {
      SqlConnection tx = events.conn();
      Future<?> echo = externalId == null ? Future.succeededFuture()
          : tx.preparedQuery(OutboxSql.DELETE_ECHO).execute(Tuple.of(c.channelId(), externalId, c.id()));
      return echo.compose(v -> tx.preparedQuery(OutboxSql.MARK_SENT).execute(Tuple.of(c.id(), externalId, tag)))
          .map(rows -> rows.size() == 0 ? null : Views.message(rows.iterator().next()))
          .compose(view -> view == null || externalId == null || !"whatsapp".equals(c.platform())
              ? Future.succeededFuture(view)
              : earlyStatuses(tx, c.id(), c.channelId(), externalId, view))
          .map(view -> updated(events, c, view));
    }).recover(err -> {
      // an echo inserted between our DELETE and UPDATE trips the unique key: delete it again
      if (tries > 1 && err instanceof PgException pg && "23505".equals(pg.getSqlState())) {
        return markSent(c, externalId, tag, tries - 1);
      }
      return Future.failedFuture(err);
    });
  }

  // A status webhook that beat this transaction was kept in early_statuses: apply it now, by the MessageStatus rule.
  private static Future<JsonObject> earlyStatuses(SqlConnection tx, long messageId, long channelId, String wamid, JsonObject view) {
    return tx.preparedQuery(OutboxSql.EARLY_STATUSES).execute(Tuple.of(wamid, channelId)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture(view);
      }
      List<Long> ids = new ArrayList<>();
      EarlyStatus best = new EarlyStatus("sent", null, null);
      JsonObject pricing = null;
      for (Row r : rows) {
        ids.add(r.getLong("id"));
        Object p = r.getValue("payload");
        if (p instanceof JsonObject payload) {
          best = best.then(payload.getString("status"), payload.getString("errorCode"), payload.getString("errorMessage"));
          pricing = payload.getJsonObject("pricing", pricing);
        }
      }
      EarlyStatus finalStatus = best;
      JsonObject finalPricing = pricing;
      return tx.preparedQuery(OutboxSql.DELETE_EARLY_STATUSES).execute(Tuple.of((Object) ids.toArray(new Long[0])))
          .compose(v -> "sent".equals(finalStatus.status()) && finalPricing == null ? Future.succeededFuture(view)
              : tx.preparedQuery(OutboxSql.APPLY_EARLY_STATUS)
                  .execute(Tuple.of(messageId, finalStatus.status(), finalStatus.code(), finalStatus.message(), finalPricing))
                  .map(r -> Views.message(r.iterator().next())));
    });
  }

  /** The best of the statuses that arrived before the send was recorded, by {@link MessageStatus}. */
  record EarlyStatus(String status, String code, String message) {
    EarlyStatus then(String next, String nextCode, String nextMessage) {
      if (!MessageStatus.moves(status, next)) {
        return this;
      }
      return "failed".equals(next) ? new EarlyStatus(next, nextCode, nextMessage) : new EarlyStatus(next, code, message);
    }
  }

  private Future<Void> failed(Claim c, String code, String message, String tag) {
    LOG.info("message {} of conversation {} failed: {} {}", c.id(), c.conversationId(), code, message);
    count("failed", code);
    return tx.run(events -> events.conn().preparedQuery(OutboxSql.MARK_FAILED)
        .execute(Tuple.of(c.id(), code, message, tag))
        .map(rows -> {
          updated(events, c, rows.size() == 0 ? null : Views.message(rows.iterator().next()));
          return (Void) null;
        }));
  }

  private Future<Void> release(Claim c, long delayMs) {
    return tx.pool().preparedQuery(OutboxSql.RELEASE).execute(Tuple.of(c.id(), owner, delayMs)).mapEmpty();
  }

  /** message.updated with the message's new state, in {@code events}' transaction. */
  private static JsonObject updated(TxEvents events, Claim c, JsonObject view) {
    if (view != null) {
      events.add(Event.messageUpdated(c.accountId(), c.conversationId(), view));
    }
    return view;
  }
}
