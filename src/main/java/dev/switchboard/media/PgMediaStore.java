package dev.switchboard.media;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
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

/**
 * The PostgreSQL media store (the default): a {@code media} row per blob and its bytes in
 * {@code media_chunks} rows of exactly {@link #CHUNK} bytes (the last one shorter), so a byte
 * offset names its chunk and a range reads only the chunks it needs. A put runs in one
 * transaction: the chunks are inserted as they arrive (the source is paused while one is
 * written), and the blob is sealed with its sha256 at the end; a second copy of bytes the account
 * already has rolls back and answers the first one.
 */
public final class PgMediaStore implements MediaStore {

  /** Bytes per chunk row: large enough that a 100 MiB file is 400 rows, small enough to hold one in memory. */
  public static final int CHUNK = 256 * 1024;

  /** Bytes kept for sniffing: enough for every signature {@link MediaTypes#sniff} knows. */
  private static final int HEAD = 512;

  private final Pool pool;

  public PgMediaStore(Pool pool) {
    this.pool = pool;
  }

  /** Thrown inside the put's transaction to roll it back when the bytes are already kept. */
  private static final class AlreadyKept extends RuntimeException {
    final String sha256;

    AlreadyKept(String sha256) {
      super(null, null, false, false);
      this.sha256 = sha256;
    }
  }

  @Override
  public Future<Blob> put(long accountId, ReadStream<Buffer> body, String mimeType, long maxBytes, String expectedSha256) {
    return put(accountId, body, mimeType, maxBytes, expectedSha256, null);
  }

  @Override
  public Future<Blob> put(long accountId, ReadStream<Buffer> body, String givenType, long maxBytes, String expectedSha256,
                          Admit admit) {
    body.pause();
    return pool.withTransaction(conn -> conn.preparedQuery(MediaSql.NEW_BLOB)
            .execute(Tuple.of(accountId, givenType == null ? MediaTypes.OCTET : givenType))
            .compose(rows -> {
              long id = rows.iterator().next().getLong("id");
              return new Writer(conn, id, maxBytes).consume(body).compose(w -> {
                String sha = HexFormat.of().formatHex(w.digest.digest());
                String mimeType = givenType != null ? givenType : MediaTypes.sniff(w.head.getBytes());
                MediaException refused = admit == null ? null : admit.check(mimeType, w.size);
                if (refused != null) {
                  return Future.failedFuture(refused);
                }
                if (expectedSha256 != null && !sameSha(sha, expectedSha256)) {
                  return Future.failedFuture(new MediaException("checksum",
                      "checksum mismatch (expected " + expectedSha256 + ", got " + sha + ")", true));
                }
                return conn.preparedQuery(MediaSql.BY_SHA).execute(Tuple.of(accountId, sha)).compose(existing -> existing.size() > 0
                    ? Future.<Blob>failedFuture(new AlreadyKept(sha))
                    : conn.preparedQuery(MediaSql.SEAL).execute(Tuple.of(id, sha, w.size, mimeType))
                        .map(v -> new Blob(id, accountId, sha, w.size, mimeType)));
              });
            }))
        .recover(err -> {
          String sha = err instanceof AlreadyKept k ? k.sha256 : null;
          boolean race = err instanceof PgException pg && "23505".equals(pg.getSqlState());
          if (sha == null && !race) {
            return Future.failedFuture(err);
          }
          // the same bytes were kept before (or by a put that committed first): one copy per account
          return race ? Future.failedFuture(new MediaException("unavailable", "stored concurrently, try again", true))
              : pool.preparedQuery(MediaSql.BY_SHA).execute(Tuple.of(accountId, sha)).map(PgMediaStore::one);
        });
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

  @Override
  public Future<Blob> find(long accountId, long id) {
    return pool.preparedQuery(MediaSql.FIND).execute(Tuple.of(id, accountId)).map(PgMediaStore::one);
  }

  @Override
  public Future<Void> read(Blob blob, long from, long to, WriteStream<Buffer> out) {
    if (from >= to) {
      return Future.succeededFuture();
    }
    return readFrom(blob, from, to, out);
  }

  /** One chunk at a time: the next is read only once {@code out} has room, so a slow client holds one chunk. */
  private Future<Void> readFrom(Blob blob, long from, long to, WriteStream<Buffer> out) {
    int seq = (int) (from / CHUNK);
    long chunkStart = (long) seq * CHUNK;
    return pool.preparedQuery(MediaSql.READ_CHUNK).execute(Tuple.of(blob.id(), seq)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.failedFuture(new IllegalStateException("media " + blob.id() + " has no chunk " + seq));
      }
      Buffer data = rows.iterator().next().getBuffer("data");
      int start = (int) (from - chunkStart);
      int end = (int) Math.min(data.length(), to - chunkStart);
      Future<Void> written = out.write(data.slice(start, end));
      long next = chunkStart + end;
      if (next >= to) {
        return written;
      }
      return drained(out).compose(v -> readFrom(blob, next, to, out));
    });
  }

  private static Future<Void> drained(WriteStream<Buffer> out) {
    if (!out.writeQueueFull()) {
      return Future.succeededFuture();
    }
    Promise<Void> p = Promise.promise();
    out.drainHandler(v -> p.tryComplete());
    return p.future();
  }

  private static Blob one(RowSet<Row> rows) {
    if (rows.size() == 0) {
      return null;
    }
    Row r = rows.iterator().next();
    return new Blob(r.getLong("id"), r.getLong("account_id"), r.getString("sha256"), r.getLong("size"), r.getString("mime_type"));
  }

  /** Cuts the body into chunk rows as it arrives, counting and hashing. */
  private static final class Writer {
    final SqlConnection conn;
    final long id;
    final long maxBytes;
    final MessageDigest digest;
    final Promise<Writer> done = Promise.promise();
    Buffer pending = Buffer.buffer();
    /** The first bytes, for sniffing the type. */
    final Buffer head = Buffer.buffer();
    long size;
    int seq;
    Future<Void> tail = Future.succeededFuture();

    Writer(SqlConnection conn, long id, long maxBytes) {
      this.conn = conn;
      this.id = id;
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
        while (pending.length() >= CHUNK) {
          Buffer chunk = pending.getBuffer(0, CHUNK);
          pending = pending.getBuffer(CHUNK, pending.length());
          write(chunk);
        }
        if (!tail.isComplete()) {
          // back-pressure: the source waits while a chunk row is written
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
        if (pending.length() > 0 || seq == 0) {
          write(pending);
          pending = Buffer.buffer();
        }
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

    private void write(Buffer chunk) {
      int n = seq++;
      tail = tail.compose(v -> conn.preparedQuery(MediaSql.CHUNK).execute(Tuple.of(id, n, chunk)).mapEmpty());
    }
  }
}
