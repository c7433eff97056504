package dev.switchboard.media;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The S3-compatible media store ({@code MEDIA_STORE=s3}): the bytes are one object per blob,
 * {@code media/<account>/<id>}, in the bucket; the {@code media} rows (id, account, sha256, size,
 * type) stay in PostgreSQL, so finding a blob, one copy per account and account isolation are the
 * same rule as in {@link PgMediaStore}. A put streams: the body is cut into {@link #PART} parts
 * of a multipart upload (a body of one part is one plain PUT), so a transfer holds about one part
 * whatever the file's size; a refused or duplicate body is aborted or deleted. A read is one
 * ranged GET read {@link #PIECE} bytes at a time, the next piece only once the client drained.
 * The SDK's client is blocking (its own URL-connection transport, so no second Netty beside
 * Vert.x's), so every call runs on a worker thread, never on an event loop.
 */
public final class S3MediaStore implements MediaStore {

  /** Bytes per part of a multipart upload: S3 needs at least 5 MiB for every part but the last. */
  static final int PART = 8 * 1024 * 1024;

  /** Bytes read from a GET before they are handed to the client. */
  static final int PIECE = 256 * 1024;

  private final Vertx vertx;
  private final Pool pool;
  private final S3Client s3;
  private final String bucket;

  public S3MediaStore(Vertx vertx, Pool pool, S3Client s3, String bucket) {
    this.vertx = vertx;
    this.pool = pool;
    this.s3 = s3;
    this.bucket = bucket;
  }

  /** The object's name: the account first, so one account's objects share a prefix. */
  static String key(long accountId, long id) {
    return "media/" + accountId + "/" + id;
  }

  private <T> Future<T> blocking(Callable<T> call) {
    return vertx.executeBlocking(call, false);
  }

  @Override
  public Future<Blob> put(long accountId, io.vertx.core.streams.ReadStream<Buffer> body, String givenType, long maxBytes,
                          String expectedSha256, Admit admit) {
    return BlobPut.put(pool, accountId, body, givenType, maxBytes, expectedSha256, admit,
        (conn, id) -> new Parts(key(accountId, id)));
  }

  @Override
  public Future<Blob> find(long accountId, long id) {
    return pool.preparedQuery(MediaSql.FIND).execute(Tuple.of(id, accountId)).map(BlobPut::one);
  }

  @Override
  public Future<Void> delete(Blob blob) {
    // the row first: a blob whose row is gone is never served, and an object left by a crash is only garbage
    return pool.preparedQuery(MediaSql.DELETE).execute(Tuple.of(blob.id(), blob.accountId()))
        .compose(v -> removeBytes(List.of(blob)));
  }

  @Override
  public Future<Void> removeBytes(List<Blob> blobs) {
    if (blobs.isEmpty()) {
      return Future.succeededFuture();
    }
    // one DeleteObjects per call; the sweep hands at most a batch (S3 takes up to 1,000 keys)
    List<ObjectIdentifier> keys = blobs.stream()
        .map(b -> ObjectIdentifier.builder().key(key(b.accountId(), b.id())).build()).toList();
    return blocking(() -> s3.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(keys).quiet(true)))).mapEmpty();
  }

  @Override
  public Future<Void> read(Blob blob, long from, long to, WriteStream<Buffer> out) {
    if (from >= to) {
      return Future.succeededFuture();
    }
    String range = "bytes=" + from + "-" + (to - 1);
    return blocking(() -> s3.getObject(b -> b.bucket(bucket).key(key(blob.accountId(), blob.id())).range(range)))
        .compose(in -> pump(in, to - from, out).transform(ar -> blocking(() -> {
          if (ar.failed()) {
            // a client that went away leaves bytes unread: the connection is dropped, not read to the end
            in.abort();
          }
          in.close();
          return null;
        }).transform(closed -> ar.succeeded() ? Future.<Void>succeededFuture() : Future.<Void>failedFuture(ar.cause()))));
  }

  private Future<Void> pump(ResponseInputStream<GetObjectResponse> in, long left, WriteStream<Buffer> out) {
    int n = (int) Math.min(PIECE, left);
    return blocking(() -> in.readNBytes(n)).compose(bytes -> {
      if (bytes.length < n) {
        return Future.failedFuture(new IOException("object ended " + (left - bytes.length) + " bytes early"));
      }
      Future<Void> written = out.write(Buffer.buffer(bytes));
      if (left == n) {
        return written;
      }
      return PgMediaStore.drained(out).compose(v -> pump(in, left - n, out));
    });
  }

  /** One blob's object: a plain PUT when the body is one part, else a multipart upload completed on commit. */
  private final class Parts implements BlobPut.Target {
    final String key;
    final List<CompletedPart> parts = new ArrayList<>();
    String uploadId;
    boolean written;

    Parts(String key) {
      this.key = key;
    }

    @Override
    public int chunkSize() {
      return PART;
    }

    @Override
    public Future<Void> write(int seq, Buffer chunk, boolean last) {
      byte[] bytes = chunk.getBytes();
      RequestBody body = RequestBody.fromContentProvider(() -> new ByteArrayInputStream(bytes), bytes.length,
          MediaTypes.OCTET);
      if (seq == 0 && last) {
        return blocking(() -> s3.putObject(b -> b.bucket(bucket).key(key), body)).map(r -> {
          written = true;
          return null;
        });
      }
      Future<String> upload = uploadId != null ? Future.succeededFuture(uploadId)
          : blocking(() -> s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId()).map(id -> uploadId = id);
      return upload.compose(id -> blocking(() -> s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(id).partNumber(seq + 1)
              .contentLength((long) bytes.length), body)))
          .map(r -> {
            parts.add(CompletedPart.builder().partNumber(seq + 1).eTag(r.eTag()).build());
            return null;
          });
    }

    @Override
    public Future<Void> commit() {
      if (uploadId == null) {
        return Future.succeededFuture();
      }
      return blocking(() -> s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
          .multipartUpload(m -> m.parts(parts)))).map(r -> {
            written = true;
            return null;
          });
    }

    @Override
    public Future<Void> discard() {
      if (written) {
        return blocking(() -> s3.deleteObject(b -> b.bucket(bucket).key(key))).mapEmpty();
      }
      if (uploadId != null) {
        return blocking(() -> s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId))).mapEmpty();
      }
      return Future.succeededFuture();
    }
  }
}
