package dev.switchboard.media;

import dev.switchboard.conversation.Transactions;
import dev.switchboard.channel.GraphClient;
import dev.switchboard.channel.GraphErrors;
import dev.switchboard.common.Backoff;
import dev.switchboard.common.LeasedLoop;
import dev.switchboard.config.Config;
import dev.switchboard.conversation.Views;
import dev.switchboard.events.Event;
import dev.switchboard.store.Bus;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The media fetcher, one per node: claims due rows of the {@code media_fetches} queue with a
 * lease (FOR UPDATE SKIP LOCKED, so every node works on it and each row goes to one), downloads
 * the bytes outside any transaction of the processor, keeps them in the {@link MediaStore} and,
 * in the transaction that records the result, marks the message's attachment {@code ready} or
 * {@code failed} and publishes {@code message.updated}. Retryable failures (5xx, no answer, a
 * checksum mismatch) back off and stay pending; after {@code MEDIA_FETCH_MAX_ATTEMPTS} they fail.
 */
public final class MediaFetchVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(MediaFetchVerticle.class);

  /** What the inbox shows when Meta no longer has the file (the id or CDN link expired). */
  public static final String EXPIRED = "expired at Meta";

  private final Transactions tx;
  private final Config.Media config;
  private final MediaStore store;
  private final GraphClient graph;
  private final String owner;
  private HttpClient http;
  private MessageConsumer<Object> consumer;
  private long timer = -1;
  private LeasedLoop<Claim> loop;

  /**
   * How long a fetch's result waits for others: a flush records them in one transaction, and
   * the relay appends their events in one round. A round per photo costs the node, PostgreSQL
   * and Redis far more than its one event (measured beside text at 1,000 messages/s); a tenth of
   * a second more of "Loading…" is not seen beside the download itself.
   */
  static final long RECORD_DELAY_MS = 100;
  /** Results in one flush at most. */
  static final int RECORD_MAX = 64;
  /** A failed flush is tried again after this. */
  static final long RECORD_RETRY_MS = 1000;
  /** Results not yet recorded, oldest first; guarded by itself. */
  private final ArrayDeque<Result> results = new ArrayDeque<>();
  private long flushTimer = -1;
  private boolean flushInFlight;
  private boolean stopped;
  private Future<Void> flushed = Future.succeededFuture();

  public MediaFetchVerticle(Transactions tx, GraphClient graph, MediaStore store, Config.Media config, String nodeId) {
    this.tx = tx;
    this.config = config;
    this.store = store;
    this.graph = graph;
    this.owner = nodeId + "/media/" + UUID.randomUUID().toString().substring(0, 8);
  }

  @Override
  public Future<?> start() {
    http = vertx.createHttpClient(new HttpClientOptions()
        .setConnectTimeout(config.fetchTimeoutMs())
        .setIdleTimeout(config.fetchTimeoutMs())
        .setIdleTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS)
        .setTrustAll(false)
        .setMaxRedirects(5));
    loop = new LeasedLoop<>(vertx, "media fetch", this::claim, this::fetch, Claim::id, config.fetchConcurrency());
    consumer = vertx.eventBus().localConsumer(Bus.MEDIA_PENDING, m -> loop.nudge());
    timer = vertx.setPeriodic(config.fetchPollMs(), config.fetchPollMs(), t -> loop.nudge());
    loop.nudge();
    return consumer.completion();
  }

  /**
   * Lets the downloads in flight finish or fail (their leases hand unfinished ones to any node),
   * claims nothing new, and records the results not yet recorded.
   */
  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.join(consumer.unregister(), loop.stop())
        .compose(v -> drain().otherwiseEmpty())
        .compose(v -> http.close());
  }

  private Future<List<Claim>> claim() {
    return tx.pool().preparedQuery(MediaSql.CLAIM)
        .execute(Tuple.of(owner, config.fetchLeaseMs(), config.fetchConcurrency()))
        .map(rows -> {
          List<Claim> claims = new ArrayList<>();
          rows.forEach(r -> claims.add(Claim.of(r)));
          return claims;
        });
  }

  /** A claimed download. */
  record Claim(long id, long accountId, long messageId, int idx, int attempts, long conversationId, JsonObject attachment,
               String platform, String token) {
    static Claim of(Row r) {
      Object a = r.getValue("attachment");
      return new Claim(r.getLong("id"), r.getLong("account_id"), r.getLong("message_id"), r.getInteger("idx"),
          r.getInteger("attempts"), r.getLong("conversation_id"), a instanceof JsonObject o ? o : new JsonObject(),
          r.getString("platform"), r.getString("access_token"));
    }
  }

  /** Where the bytes are and what Meta said about them. */
  record Source(String url, String bearer, String mimeType, String sha256, Long size) {
  }

  private Future<Void> fetch(Claim c) {
    return source(c)
        .compose(src -> download(c, src))
        .compose(blob -> ready(c, blob))
        .recover(err -> {
          MediaException e = err instanceof MediaException m ? m
              : new MediaException("unavailable", "download failed: " + (err.getMessage() == null ? err.getClass().getSimpleName() : err.getMessage()), true);
          if (e.retryable() && c.attempts() < config.fetchMaxAttempts()) {
            long delay = Backoff.delayMs(config.fetchRetryBaseMs(), c.attempts());
            LOG.info("media fetch {} (message {}): attempt {} failed ({}), retrying in {} ms", c.id(), c.messageId(), c.attempts(),
                e.getMessage(), delay);
            return tx.pool().preparedQuery(MediaSql.RETRY_LATER).execute(Tuple.of(c.id(), owner, e.getMessage(), delay)).mapEmpty();
          }
          LOG.info("media fetch {} (message {}) failed: {}", c.id(), c.messageId(), e.getMessage());
          return failed(c, e.getMessage());
        });
  }

  /** WhatsApp: ask Graph for the media's URL, type, sha256 and size. Messenger, Instagram: the CDN URL of the webhook. */
  private Future<Source> source(Claim c) {
    JsonObject a = c.attachment();
    if (!"whatsapp".equals(c.platform())) {
      String url = a.getString("url");
      if (url == null) {
        return Future.failedFuture(new MediaException("expired", "no URL to download", false));
      }
      return Future.succeededFuture(new Source(url, null, null, null, null));
    }
    String metaId = a.getString("metaMediaId");
    if (metaId == null || !metaId.matches("[0-9A-Za-z_.-]{1,128}")) {
      return Future.failedFuture(new MediaException("expired", "no media id from WhatsApp", false));
    }
    return graph.get("/" + metaId, c.token()).compose(r -> {
      if (!r.ok()) {
        GraphErrors.GraphError e = r.error();
        if (e.kind() == GraphErrors.Kind.RETRY) {
          return Future.failedFuture(new MediaException("unavailable", e.message(), true));
        }
        // Graph keeps media 30 days; after that (or for an id it never had) it answers "object does not exist"
        return Future.failedFuture(new MediaException("expired", e.kind() == GraphErrors.Kind.TOKEN
            ? "the channel's token was refused: " + e.message() : EXPIRED, false));
      }
      JsonObject b = r.body();
      String url = b.getValue("url") instanceof String u ? u : null;
      if (url == null) {
        return Future.failedFuture(new MediaException("expired", EXPIRED, false));
      }
      Long size = b.getValue("file_size") instanceof Number n ? n.longValue() : null;
      String sha = b.getValue("sha256") instanceof String s && !s.isBlank() ? s : a.getString("sha256");
      String mime = b.getValue("mime_type") instanceof String m ? m : null;
      return Future.succeededFuture(new Source(url, c.token(), mime, sha, size));
    });
  }

  private Future<MediaStore.Blob> download(Claim c, Source src) {
    long limit = config.maxBytes();
    if (src.size() != null && src.size() > limit) {
      return Future.failedFuture(MediaException.tooLarge(limit));
    }
    RequestOptions req;
    try {
      req = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(src.url()).setFollowRedirects(true)
          .setConnectTimeout(config.fetchTimeoutMs()).setIdleTimeout(config.fetchTimeoutMs());
    } catch (RuntimeException e) {
      return Future.failedFuture(new MediaException("expired", "not a URL: " + e.getMessage(), false));
    }
    if (src.bearer() != null) {
      req.putHeader("Authorization", "Bearer " + src.bearer());
    }
    // what WhatsApp announced is the most the download may bring (a longer body is not the file)
    long max = src.size() != null ? Math.min(limit, src.size()) : limit;
    return http.request(req).compose(r -> r.send()).compose(resp -> {
      int st = resp.statusCode();
      if (st / 100 != 2) {
        resp.request().reset();
        // an expired CDN link answers 403 (signature expired) or 404/410
        boolean gone = st == 403 || st == 404 || st == 410;
        return Future.failedFuture(new MediaException(gone ? "expired" : "unavailable",
            gone ? EXPIRED : "download answered HTTP " + st, !gone));
      }
      String length = resp.getHeader("Content-Length");
      long cap = max;
      if (length != null && length.matches("[0-9]{1,19}")) {
        if (Long.parseLong(length) > max) {
          resp.request().reset();
          return Future.failedFuture(MediaException.tooLarge(limit));
        }
        // the body is no longer than announced: a small one lets the store keep it in one statement
        cap = Long.parseLong(length);
      }
      String mime = MediaTypes.clean(src.mimeType() != null ? src.mimeType() : resp.getHeader("Content-Type"));
      return store.put(c.accountId(), resp, mime, cap, src.sha256())
          .onFailure(err -> resp.request().reset());
    }).recover(err -> {
      if (err instanceof MediaException m && "too_large".equals(m.code())) {
        return Future.failedFuture(MediaException.tooLarge(limit));
      }
      return Future.failedFuture(err);
    });
  }

  private Future<Void> ready(Claim c, MediaStore.Blob blob) {
    JsonObject patch = new JsonObject().put("status", "ready").put("mediaId", String.valueOf(blob.id()))
        .put("mimeType", blob.mimeType()).put("size", blob.size());
    return record(c, "done", null, patch, blob.id());
  }

  private Future<Void> failed(Claim c, String reason) {
    return record(c, "failed", reason, new JsonObject().put("status", "failed").put("reason", reason), null);
  }

  /**
   * Queues the result for the next flush. The fetch is done for the loop (which may claim more);
   * its row stays leased to this node until the flush ends it, so a node that dies before then
   * hands the row to another node, which fetches it again (the same bytes are kept once).
   */
  private Future<Void> record(Claim c, String status, String error, JsonObject patch, Long blobId) {
    synchronized (results) {
      results.add(new Result(c, status, error, patch, blobId));
      flushSoon(RECORD_DELAY_MS);
    }
    return Future.succeededFuture();
  }

  /** A fetch's outcome waiting for the flush that records it. */
  record Result(Claim claim, String status, String error, JsonObject patch, Long blobId) {
  }

  /** Arms the flush timer unless it is armed, a flush is in flight (which arms it when done) or the fetcher stops. Holds {@code results}. */
  private void flushSoon(long delayMs) {
    if (flushTimer < 0 && !flushInFlight && !stopped && !results.isEmpty()) {
      flushTimer = vertx.setTimer(Math.max(1, delayMs), t -> flush());
    }
  }

  /**
   * Records the queued results, at most one per message and {@link #RECORD_MAX} in all, in one
   * transaction with their {@code message.updated} events. A failure (the database away, a
   * deadlock with another node's flush) puts them back for the next try; a lease lost
   * meanwhile makes its result a no-op. Answers that flush (or the one in flight).
   */
  private Future<Void> flush() {
    List<Result> batch = new ArrayList<>();
    synchronized (results) {
      flushTimer = -1;
      if (flushInFlight || results.isEmpty()) {
        return flushed;
      }
      Set<Long> messages = new HashSet<>();
      for (Iterator<Result> it = results.iterator(); it.hasNext() && batch.size() < RECORD_MAX; ) {
        Result r = it.next();
        if (messages.add(r.claim().messageId())) {
          batch.add(r);
          it.remove();
        }
      }
      flushInFlight = true;
    }
    Future<Void> written = write(batch).recover(err -> {
      LOG.warn("media fetch results ({}) not recorded, trying again: {}", batch.size(), err.toString());
      synchronized (results) {
        for (int i = batch.size() - 1; i >= 0; i--) {
          results.addFirst(batch.get(i));
        }
      }
      return Future.failedFuture(err);
    });
    flushed = written.otherwiseEmpty().andThen(ar -> {
      synchronized (results) {
        flushInFlight = false;
        // more than a flush's worth (or a message's second fetch) waits no longer than the first did
        flushSoon(written.failed() ? RECORD_RETRY_MS : results.size() >= RECORD_MAX ? 0 : RECORD_DELAY_MS);
      }
    });
    return written;
  }

  private Future<Void> write(List<Result> batch) {
    int n = batch.size();
    Long[] ids = new Long[n];
    String[] statuses = new String[n];
    String[] errors = new String[n];
    String[] patches = new String[n];
    Long[] blobs = new Long[n];
    for (int i = 0; i < n; i++) {
      Result r = batch.get(i);
      ids[i] = r.claim().id();
      statuses[i] = r.status();
      errors[i] = r.error() == null ? "" : r.error();
      patches[i] = r.patch().encode();
      blobs[i] = r.blobId() == null ? 0L : r.blobId();
    }
    // answered at the commit: nothing waits on these events but the inbox, and the next flush need not wait on the relay
    return tx.runAndWake(events -> events.conn().preparedQuery(MediaSql.FINISH_AND_PATCH + Views.MESSAGE_COLUMNS)
        .execute(Tuple.of(ids, owner, statuses, errors, patches, blobs))
        .map(rows -> {
          for (Row r : rows) {
            events.add(Event.messageUpdated(r.getLong("account_id"), r.getLong("conversation_id"), Views.message(r)));
          }
          return null;
        }));
  }

  /** Records what is queued, flush after flush, until nothing is left; a failed flush ends it (the leases hand those rows on). */
  private Future<Void> drain() {
    synchronized (results) {
      stopped = true;
      vertx.cancelTimer(flushTimer);
      flushTimer = -1;
    }
    return flushed.compose(v -> {
      synchronized (results) {
        if (results.isEmpty()) {
          return Future.<Void>succeededFuture();
        }
      }
      return flush().compose(w -> drain());
    });
  }
}
