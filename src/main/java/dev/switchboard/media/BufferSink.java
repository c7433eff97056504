package dev.switchboard.media;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;

/**
 * Collects a blob into one buffer: for the one call that needs the whole file at once (a
 * multipart upload to WhatsApp's media endpoint, bounded by the platform's limits).
 */
public final class BufferSink implements WriteStream<Buffer> {

  private final Buffer bytes = Buffer.buffer();

  /** The whole blob of {@code store} in memory. */
  public static Future<Buffer> read(MediaStore store, MediaStore.Blob blob) {
    BufferSink sink = new BufferSink();
    return store.read(blob, 0, blob.size(), sink).map(v -> sink.bytes);
  }

  @Override
  public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    return this;
  }

  @Override
  public Future<Void> write(Buffer data) {
    bytes.appendBuffer(data);
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> end() {
    return Future.succeededFuture();
  }

  @Override
  public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    return false;
  }

  @Override
  public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
    return this;
  }
}
