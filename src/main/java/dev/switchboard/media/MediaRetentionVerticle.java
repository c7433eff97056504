package dev.switchboard.media;

import dev.switchboard.config.Config;
import dev.switchboard.conversation.Transactions;
import dev.switchboard.conversation.TxEvents;
import dev.switchboard.conversation.Views;
import dev.switchboard.events.Event;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code MEDIA_RETENTION_DAYS}: every {@code MEDIA_RETENTION_SWEEP_MS}, each node removes blobs
 * unused for that many days, a batch per transaction (rows locked {@code SKIP LOCKED}, so nodes
 * sweeping at once share the work). In the transaction: every attachment naming such a blob is
 * marked {@code status: expired} with a {@code message.updated}, and the blob's row goes (with
 * its chunk rows in PostgreSQL). After the commit the store removes bytes kept elsewhere (S3
 * objects); a crash between leaves an object no row names, never a row without its bytes.
 */
public final class MediaRetentionVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(MediaRetentionVerticle.class);

  /** Blobs per transaction: the chunk rows of this many large files are deleted at once. */
  static final int BATCH = 20;

  static final String REASON = "expired (kept for the retention period)";

  private final Transactions tx;
  private final MediaStore store;
  private final int days;
  private final int sweepMs;
  private long timer = -1;
  private Future<Integer> running = Future.succeededFuture(0);

  public MediaRetentionVerticle(Transactions tx, MediaStore store, Config.Media config) {
    this.tx = tx;
    this.store = store;
    this.days = config.retentionDays();
    this.sweepMs = config.retentionSweepMs();
  }

  @Override
  public Future<?> start() {
    if (days > 0) {
      int every = sweepMs;
      timer = vertx.setPeriodic(every, every, t -> {
        if (running.isComplete()) {
          running = sweep();
        }
      });
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return running.otherwiseEmpty();
  }

  /** Sweeps batches until none is left; answers how many blobs were removed. */
  public Future<Integer> sweep() {
    return batch().compose(n -> n < BATCH ? Future.succeededFuture(n) : sweep().map(m -> n + m))
        .onFailure(err -> LOG.warn("media retention sweep failed, the next one retries: {}", err.toString()));
  }

  private Future<Integer> batch() {
    List<MediaStore.Blob> gone = new ArrayList<>();
    return tx.run(events -> events.conn().preparedQuery(MediaSql.SWEEP_CLAIM)
            .execute(Tuple.of(days, BATCH))
            .compose(rows -> {
              rows.forEach(r -> gone.add(BlobPut.blob(r)));
              if (gone.isEmpty()) {
                return Future.succeededFuture();
              }
              Long[] ids = gone.stream().map(MediaStore.Blob::id).toArray(Long[]::new);
              return events.conn().preparedQuery(MediaSql.EXPIRE_ATTACHMENTS + Views.MESSAGE_COLUMNS)
                  .execute(Tuple.of(ids, REASON))
                  .compose(messages -> {
                    for (Row m : messages) {
                      events.add(Event.messageUpdated(m.getLong("account_id"), m.getLong("conversation_id"), Views.message(m)));
                    }
                    return events.conn().preparedQuery(MediaSql.DELETE_MANY).execute(Tuple.of((Object) ids));
                  })
                  .mapEmpty();
            }))
        .compose(v -> store.removeBytes(gone))
        .map(v -> gone.size());
  }
}
