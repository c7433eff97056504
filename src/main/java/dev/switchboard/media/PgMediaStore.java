package dev.switchboard.media;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

/**
 * The PostgreSQL media store (the default): a {@code media} row per blob and its bytes in
 * {@code media_chunks} rows of exactly {@link #CHUNK} bytes (the last one shorter), so a byte
 * offset names its chunk and a range reads only the chunks it needs. A put runs in one
 * transaction: the chunks are inserted as they arrive (the source is paused while one is
 * written), and the blob is sealed with its sha256 at the end; a second copy of bytes the account
 * already has rolls back and answers the first one. A body that cannot exceed one chunk is kept
 * by a single statement instead.
 */
public final class PgMediaStore implements MediaStore {

  /** Bytes per chunk row: large enough that a 100 MiB file is 400 rows, small enough to hold one in memory. */
  public static final int CHUNK = 256 * 1024;

  private final Pool pool;

  public PgMediaStore(Pool pool) {
    this.pool = pool;
  }

  @Override
  public Future<Blob> put(long accountId, ReadStream<Buffer> body, String givenType, long maxBytes, String expectedSha256,
                          Admit admit) {
    if (maxBytes <= CHUNK) {
      return BlobPut.putOne(pool, CHUNK, accountId, body, givenType, maxBytes, expectedSha256, admit);
    }
    return BlobPut.put(pool, accountId, body, givenType, maxBytes, expectedSha256, admit, Chunks::new);
  }

  /** Chunk rows written in the put's own transaction, which a refusal rolls back. */
  private record Chunks(SqlConnection conn, long id) implements BlobPut.Target {
    @Override
    public int chunkSize() {
      return CHUNK;
    }

    @Override
    public Future<Void> write(int seq, Buffer chunk, boolean last) {
      return conn.preparedQuery(MediaSql.CHUNK).execute(Tuple.of(id, seq, chunk)).mapEmpty();
    }
  }

  @Override
  public Future<Blob> find(long accountId, long id) {
    return pool.preparedQuery(MediaSql.FIND).execute(Tuple.of(id, accountId)).map(BlobPut::one);
  }

  @Override
  public Future<Void> delete(Blob blob) {
    return pool.preparedQuery(MediaSql.DELETE).execute(Tuple.of(blob.id(), blob.accountId())).mapEmpty();
  }

  @Override
  public Future<Void> removeBytes(java.util.List<Blob> blobs) {
    return Future.succeededFuture();
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

  static Future<Void> drained(WriteStream<Buffer> out) {
    if (!out.writeQueueFull()) {
      return Future.succeededFuture();
    }
    Promise<Void> p = Promise.promise();
    out.drainHandler(v -> p.tryComplete());
    return p.future();
  }

}
