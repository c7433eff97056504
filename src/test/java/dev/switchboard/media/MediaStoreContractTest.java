package dev.switchboard.media;

import dev.switchboard.support.FakeGraph;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import io.vertx.core.AsyncResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every {@link MediaStore} must do, run against the PostgreSQL store on a real database:
 * streaming puts and ranged reads of files many chunks long, one copy per account, refusals that
 * keep nothing.
 */
@DisplayName("The PostgreSQL media store keeps the contract of MediaStore")
class MediaStoreContractTest {

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().account("Acme").build();

  static Vertx vertx;
  static TestDb db;
  static MediaStore store;
  static long acme;
  static long other;

  @BeforeAll
  static void start() {
    vertx = env.node().node.services().vertx();
    db = env.db();
    store = new PgMediaStore(env.node().node.services().pool());
    acme = env.account().accountId();
    other = Seed.account(db, "Other").accountId();
  }

  /** {@code size} pseudo-random bytes from {@code seed}, emitted in odd-sized buffers, honouring pause and resume. */
  static final class Generated implements ReadStream<Buffer> {
    final Random random;
    final long size;
    long sent;
    boolean paused = true;
    boolean scheduled;
    Handler<Buffer> handler;
    Handler<Void> end;
    int maxQueued;

    Generated(long size, long seed) {
      this.size = size;
      this.random = new Random(seed);
    }

    static byte[] all(long size, long seed) {
      byte[] b = new byte[(int) size];
      Random r = new Random(seed);
      int off = 0;
      while (off < size) {
        int n = (int) Math.min(size - off, 7_919 + (off % 3) * 40_000);
        byte[] part = new byte[n];
        r.nextBytes(part);
        System.arraycopy(part, 0, b, off, n);
        off += n;
      }
      return b;
    }

    private void pump() {
      scheduled = false;
      while (!paused && sent < size) {
        int n = (int) Math.min(size - sent, 7_919 + (sent % 3) * 40_000);
        byte[] part = new byte[n];
        random.nextBytes(part);
        sent += n;
        handler.handle(Buffer.buffer(part));
      }
      if (sent >= size && !paused && end != null) {
        Handler<Void> e = end;
        end = null;
        e.handle(null);
      }
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> h) {
      return this;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> h) {
      handler = h;
      return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
      paused = true;
      return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
      paused = false;
      if (!scheduled) {
        scheduled = true;
        vertx.runOnContext(v -> pump());
      }
      return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
      return resume();
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> h) {
      end = h;
      return this;
    }
  }

  /** Collects what it is written, saying it is full every few writes so the reader must wait for drain. */
  static final class Sink implements WriteStream<Buffer> {
    final Buffer got = Buffer.buffer();
    int writes;
    int waits;
    Handler<Void> drain;

    @Override
    public WriteStream<Buffer> exceptionHandler(Handler<Throwable> h) {
      return this;
    }

    @Override
    public Future<Void> write(Buffer data) {
      got.appendBuffer(data);
      writes++;
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
      if (writes % 2 == 1 && drain == null) {
        waits++;
        return true;
      }
      return false;
    }

    @Override
    public WriteStream<Buffer> drainHandler(Handler<Void> h) {
      drain = h;
      vertx.setTimer(5, t -> {
        Handler<Void> d = drain;
        drain = null;
        d.handle(null);
      });
      return this;
    }
  }

  static MediaStore.Blob put(long account, long size, long seed, long max, String sha) {
    Promise<MediaStore.Blob> p = Promise.promise();
    vertx.runOnContext(v -> store.put(account, new Generated(size, seed), "application/pdf", max, sha).onComplete(p));
    return p.future().await();
  }

  static byte[] read(MediaStore.Blob b, long from, long to) {
    Sink sink = new Sink();
    Promise<Void> p = Promise.promise();
    vertx.runOnContext(v -> store.read(b, from, to, sink).onComplete((AsyncResult<Void> ar) -> p.handle(ar)));
    p.future().await();
    return sink.got.getBytes();
  }

  static String sha(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  @DisplayName("a 12 MB file streams in as 256 KiB chunks and reads back whole and by ranges, across chunk edges, waiting for drain")
  void largeFileInAndOut() {
    long size = 12L * 1024 * 1024 + 12_345;
    byte[] expected = Generated.all(size, 11);
    MediaStore.Blob b = put(acme, size, 11, 100L * 1024 * 1024, sha(expected));
    assertThat(b.size()).isEqualTo(size);
    assertThat(b.sha256()).isEqualTo(sha(expected));
    assertThat(b.mimeType()).isEqualTo("application/pdf");
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media_chunks WHERE media_id = ?", b.id())).isEqualTo(49);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media_chunks WHERE media_id = ? AND length(data) <> ?", b.id(), PgMediaStore.CHUNK))
        .isEqualTo(1);
    assertThat(read(b, 0, size)).isEqualTo(expected);
    long edge = PgMediaStore.CHUNK * 7L;
    assertThat(read(b, edge - 3, edge + 5)).isEqualTo(java.util.Arrays.copyOfRange(expected, (int) edge - 3, (int) edge + 5));
    assertThat(read(b, size - 1, size)).containsExactly(expected[(int) size - 1]);
    assertThat(store.find(acme, b.id()).await()).isEqualTo(b);
    assertThat(store.find(other, b.id()).await()).isNull();
  }

  @Test
  @DisplayName("the same bytes twice for one account are one blob; for another account, another; sha256 given in base64 is checked too")
  void oncePerAccount() {
    byte[] bytes = Generated.all(300_000, 12);
    String base64 = Base64.getEncoder().encodeToString(HexFormat.of().parseHex(sha(bytes)));
    MediaStore.Blob first = put(acme, 300_000, 12, 1_000_000, null);
    MediaStore.Blob again = put(acme, 300_000, 12, 1_000_000, base64);
    MediaStore.Blob theirs = put(other, 300_000, 12, 1_000_000, sha(bytes));
    assertThat(again.id()).isEqualTo(first.id());
    assertThat(theirs.id()).isNotEqualTo(first.id());
    assertThat(theirs.accountId()).isEqualTo(other);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media WHERE sha256 = ?", sha(bytes))).isEqualTo(2);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media_chunks c JOIN media m ON m.id = c.media_id WHERE m.sha256 = ?", sha(bytes)))
        .isEqualTo(4);
  }

  @Test
  @DisplayName("over the limit or with another sha256: refused, and neither a blob nor a chunk is left")
  void refusalsKeepNothing() {
    long before = Seed.scalar(db, "SELECT count(*) FROM media_chunks");
    assertThatThrownBy(() -> put(acme, 600_000, 13, 500_000, null))
        .isInstanceOfSatisfying(MediaException.class, e -> {
          assertThat(e.code()).isEqualTo("too_large");
          assertThat(e.retryable()).isFalse();
        });
    assertThatThrownBy(() -> put(acme, 100_000, 14, 500_000, FakeGraph.sha256Hex(new byte[] {1})))
        .isInstanceOfSatisfying(MediaException.class, e -> assertThat(e.code()).isEqualTo("checksum"));
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media_chunks")).isEqualTo(before);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media WHERE sha256 IS NULL")).isZero();
  }
}
