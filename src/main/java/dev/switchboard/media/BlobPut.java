package dev.switchboard.media;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.function.BiFunction;

/**
 * The put both stores share: the blob's {@code media} row is written in one PostgreSQL
 * transaction while the body streams, cut into chunks of the store's size, into a
 * {@link Target} (chunk rows, or parts of an S3 upload). At the end the sha256, the admission
 * and the one-copy-per-account rule decide; a refused or already kept body is discarded from the
 * target and the transaction rolls back, so nothing is left anywhere.
 */
final class BlobPut {

  /** Bytes kept for sniffing: enough for every signature {@link MediaTypes#sniff} knows. */
  private static final int HEAD = 512;

  private BlobPut() {
  }

  /** Where one blob's bytes go, chunk by chunk, in order; one write at a time. */
  interface Target {
    /** Bytes per chunk handed to {@link #write}; only the last may be shorter (or empty, for an empty body). */
    int chunkSize();

    Future<Void> write(int seq, Buffer chunk, boolean last);

    /**
     * Makes the written bytes readable, once they are accepted and before the row is sealed;
     * nothing to do for bytes that the put's own transaction writes, or that are held in memory.
     */
    default Future<Void> commit() {
      return Future.succeededFuture();
    }

    /** Removes whatever was written: the body was refused, kept already, or the transaction failed. */
    default Future<Void> discard() {
      return Future.succeededFuture();
    }
  }

  /** Thrown inside the put's transaction to roll it back when the bytes are already kept. */
  private static final class AlreadyKept extends RuntimeException {
    final String sha256;

    AlreadyKept(String sha256) {
      super(null, null, false, false);
      this.sha256 = sha256;
    }
  }

  static Future<MediaStore.Blob> put(Pool pool, long accountId, ReadStream<Buffer> body, String givenType, long maxBytes,
                                     String expectedSha256, MediaStore.Admit admit,
                                     BiFunction<SqlConnection, Long, Target> targets) {
    body.pause();
    Target[] target = new Target[1];
    return pool.withTransaction(conn -> conn.preparedQuery(MediaSql.NEW_BLOB)
            .execute(Tuple.of(accountId, givenType == null ? MediaTypes.OCTET : givenType))
            .compose(rows -> {
              long id = rows.iterator().next().getLong("id");
              target[0] = targets.apply(conn, id);
              return new Writer(target[0], maxBytes).consume(body).compose(w -> {
                String sha = HexFormat.of().formatHex(w.digest.digest());
                String mimeType = givenType != null ? givenType : MediaTypes.sniff(w.head.getBytes());
                MediaException refused = refusal(w, sha, mimeType, admit, expectedSha256);
                if (refused != null) {
                  return Future.failedFuture(refused);
                }
                return conn.preparedQuery(MediaSql.BY_SHA).execute(Tuple.of(accountId, sha)).compose(existing -> existing.size() > 0
                    ? Future.<MediaStore.Blob>failedFuture(new AlreadyKept(sha))
                    : target[0].commit()
                        .compose(v -> conn.preparedQuery(MediaSql.SEAL).execute(Tuple.of(id, sha, w.size, mimeType)))
                        .map(v -> new MediaStore.Blob(id, accountId, sha, w.size, mimeType)));
              });
            }))
        .recover(err -> {
          Future<Void> discarded = target[0] == null ? Future.succeededFuture()
              : target[0].discard().recover(ignored -> Future.succeededFuture());
          return discarded.compose(v -> {
            String sha = err instanceof AlreadyKept k ? k.sha256 : null;
            boolean race = err instanceof PgException pg && "23505".equals(pg.getSqlState());
            if (sha == null && !race) {
              return Future.failedFuture(err);
            }
            // the same bytes were kept before (or by a put that committed first): one copy per account
            return race ? Future.failedFuture(new MediaException("unavailable", "stored concurrently, try again", true))
                : pool.preparedQuery(MediaSql.TOUCH_BY_SHA).execute(Tuple.of(accountId, sha)).compose(rows -> rows.size() > 0
                    ? Future.succeededFuture(one(rows))
                    // the kept copy was swept meanwhile: the next try keeps these bytes anew
                    : Future.failedFuture(new MediaException("unavailable", "the kept copy was just removed, try again", true)));
          });
        });
  }

  /**
   * A body that cannot be longer than one chunk ({@code maxBytes <= chunkSize}; the fetcher's
   * limit is the size Meta announced, so most photos, voice notes and stickers): held in memory,
   * checked as {@link #put} checks, then kept by one statement that writes the sealed row and its
   * chunk, or touches the account's copy of the same bytes. One round trip and one commit where
   * the streaming put takes six round trips; nothing is written for a refused body.
   */
  static Future<MediaStore.Blob> putOne(Pool pool, int chunkSize, long accountId, ReadStream<Buffer> body, String givenType,
                                        long maxBytes, String expectedSha256, MediaStore.Admit admit) {
    body.pause();
    Held held = new Held(chunkSize);
    return new Writer(held, maxBytes).consume(body).compose(w -> {
      String sha = HexFormat.of().formatHex(w.digest.digest());
      String mimeType = givenType != null ? givenType : MediaTypes.sniff(w.head.getBytes());
      MediaException refused = refusal(w, sha, mimeType, admit, expectedSha256);
      if (refused != null) {
        return Future.failedFuture(refused);
      }
      return pool.preparedQuery(MediaSql.PUT_ONE).execute(Tuple.of(accountId, mimeType, sha, w.size, held.bytes))
          .compose(rows -> rows.size() > 0 ? Future.succeededFuture(one(rows))
              // the same bytes were being kept by another put, which committed after this statement's snapshot
              : Future.failedFuture(new MediaException("unavailable", "stored concurrently, try again", true)));
    });
  }

  /** The one chunk of a {@link #putOne}, kept in memory until the statement. */
  private static final class Held implements Target {
    final int chunkSize;
    Buffer bytes = Buffer.buffer();

    Held(int chunkSize) {
      this.chunkSize = chunkSize;
    }

    @Override
    public int chunkSize() {
      return chunkSize;
    }

    @Override
    public Future<Void> write(int seq, Buffer chunk, boolean last) {
      if (seq > 0) {
        // maxBytes <= chunkSize makes a second chunk a too-large body, refused before it is cut
        return Future.failedFuture(new IllegalStateException("a one-chunk put was handed chunk " + seq));
      }
      bytes = chunk;
      return Future.succeededFuture();
    }
  }

  /** Why a whole body is not kept (the admission's answer, a checksum other than Meta's), or null. */
  private static MediaException refusal(Writer w, String sha, String mimeType, MediaStore.Admit admit, String expectedSha256) {
    MediaException refused = admit == null ? null : admit.check(mimeType, w.size);
    if (refused != null) {
      return refused;
    }
    if (expectedSha256 != null && !sameSha(sha, expectedSha256)) {
      return new MediaException("checksum", "checksum mismatch (expected " + expectedSha256 + ", got " + sha + ")", true);
    }
    return null;
  }

  /** WhatsApp gives sha256 in hex in its media URL answer and in base64 in some webhooks: either is compared. */
  static boolean sameSha(String hex, String expected) {
    String e = expected.trim();
    if (e.equalsIgnoreCase(hex)) {
      return true;
    }
    try {
      byte[] raw = Base64.getDecoder().decode(e);
      return raw.length == 32 && HexFormat.of().formatHex(raw).equals(hex);
    } catch (IllegalArgumentException notBase64) {
      return false;
    }
  }

  static MediaStore.Blob one(RowSet<Row> rows) {
    return rows.size() == 0 ? null : blob(rows.iterator().next());
  }

  static MediaStore.Blob blob(Row r) {
    return new MediaStore.Blob(r.getLong("id"), r.getLong("account_id"), r.getString("sha256"), r.getLong("size"),
        r.getString("mime_type"));
  }

  /** Cuts the body into chunks as it arrives, counting and hashing; the source waits while a chunk is written. */
  private static final class Writer {
    final Target target;
    final int chunkSize;
    final long maxBytes;
    final MessageDigest digest;
    final Promise<Writer> done = Promise.promise();
    Buffer pending = Buffer.buffer();
    /** The first bytes, for sniffing the type. */
    final Buffer head = Buffer.buffer();
    long size;
    int seq;
    Future<Void> tail = Future.succeededFuture();

    Writer(Target target, long maxBytes) {
      this.target = target;
      this.chunkSize = target.chunkSize();
      this.maxBytes = maxBytes;
      try {
        this.digest = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    Future<Writer> consume(ReadStream<Buffer> body) {
      body.exceptionHandler(done::tryFail);
      body.handler(buf -> {
        if (done.future().isComplete()) {
          return;
        }
        size += buf.length();
        if (size > maxBytes) {
          done.tryFail(MediaException.tooLarge(maxBytes));
          return;
        }
        digest.update(buf.getBytes());
        if (head.length() < HEAD) {
          head.appendBuffer(buf.slice(0, Math.min(buf.length(), HEAD - head.length())));
        }
        pending.appendBuffer(buf);
        // a full chunk is written only once more bytes follow it, so the last chunk is known as the last
        while (pending.length() > chunkSize) {
          Buffer chunk = pending.getBuffer(0, chunkSize);
          pending = pending.getBuffer(chunkSize, pending.length());
          write(chunk, false);
        }
        if (!tail.isComplete()) {
          body.pause();
          tail.onComplete(ar -> {
            if (ar.failed()) {
              done.tryFail(ar.cause());
            } else {
              body.resume();
            }
          });
        }
      });
      body.endHandler(v -> {
        write(pending, true);
        pending = Buffer.buffer();
        tail.onComplete(ar -> {
          if (ar.failed()) {
            done.tryFail(ar.cause());
          } else {
            done.tryComplete(this);
          }
        });
      });
      body.resume();
      return done.future();
    }

    private void write(Buffer chunk, boolean last) {
      int n = seq++;
      tail = tail.compose(v -> target.write(n, chunk, last));
    }
  }
}
