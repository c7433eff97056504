package dev.switchboard.media;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;

/**
 * Where media bytes are kept, shared by every node. Blobs are content-addressed per account:
 * the same bytes put twice for one account are kept once and answer the same id. Both ways
 * stream, a chunk at a time, so memory stays flat whatever the size.
 */
public interface MediaStore {

  /** A kept blob: its id, owner, hex sha256, size in bytes and stored Content-Type. */
  record Blob(long id, long accountId, String sha256, long size, String mimeType) {
  }

  /**
   * Reads {@code body} to its end into the store for {@code accountId}. Fails with
   * {@link MediaException} ({@code too_large}) as soon as more than {@code maxBytes} arrive, or
   * ({@code checksum}) when {@code expectedSha256} (hex or base64; null: not checked) does not
   * match; nothing is kept then. The caller stops the source after a failure.
   */
  default Future<Blob> put(long accountId, ReadStream<Buffer> body, String mimeType, long maxBytes, String expectedSha256) {
    return put(accountId, body, mimeType, maxBytes, expectedSha256, null);
  }

  /**
   * Decides, once the whole body is read and before it is kept, whether it may be: answers the
   * refusal, or null to keep it. {@code mimeType} is the one kept (sniffed when none was given).
   */
  @FunctionalInterface
  interface Admit {
    MediaException check(String mimeType, long size);
  }

  /**
   * As {@link #put(long, ReadStream, String, long, String)}; a null {@code mimeType} is sniffed
   * from the first bytes, and {@code admit} may refuse the file before it is kept (nothing is).
   */
  Future<Blob> put(long accountId, ReadStream<Buffer> body, String mimeType, long maxBytes, String expectedSha256, Admit admit);

  /** The account's blob with this id; null when there is none (or it is another account's). */
  Future<Blob> find(long accountId, long id);

  /** Removes the blob and its bytes; its id is then found nowhere. */
  Future<Void> delete(Blob blob);

  /**
   * Removes the bytes of blobs whose rows were deleted (and committed) already: nothing for
   * bytes kept in PostgreSQL (their rows went with the blob's), the objects for S3.
   */
  Future<Void> removeBytes(java.util.List<Blob> blobs);

  /** Writes bytes {@code [from, to)} of the blob to {@code out}, waiting for it to drain; does not end it. */
  Future<Void> read(Blob blob, long from, long to, WriteStream<Buffer> out);
}
