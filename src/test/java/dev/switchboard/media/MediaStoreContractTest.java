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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every {@link MediaStore} must do, run against both stores: PostgreSQL on a real database,
 * S3 against a real S3 API server (S3Proxy on a folder): streaming puts and ranged reads of
 * files many chunks (or parts) long, one copy per account, refusals that keep nothing, deletion.
 */
@DisplayName("Both media stores keep the contract of MediaStore")
class MediaStoreContractTest {

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().account("Acme").s3().build();

  static Vertx vertx;
  static TestDb db;
  static MediaStore store;
  static PgMediaStore pg;
  static S3MediaStore s3;
  static long acme;
  static long other;

  @BeforeAll
  static void start() {
    vertx = env.node().node.services().vertx();
    db = env.db();
    pg = new PgMediaStore(env.node().node.services().pool());
    s3 = (S3MediaStore) env.node().node.mediaStore();
    acme = env.account().accountId();
    other = Seed.account(db, "Other").accountId();
  }

  static Stream<Arguments> stores() {
    return Stream.of(Arguments.of("postgres"), Arguments.of("s3"));
  }

  static void use(String name) {
    store = name.equals("s3") ? s3 : pg;
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

    final Vertx on;

    Generated(long size, long seed) {
      this(size, seed, vertx);
    }

    Generated(long size, long seed, Vertx on) {
      this.size = size;
      this.random = new Random(seed);
      this.on = on;
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
        on.runOnContext(v -> pump());
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

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  @DisplayName("a 12 MB file streams in chunk by chunk (256 KiB rows, 8 MiB parts) and reads back whole and by ranges, across edges, waiting for drain")
  void largeFileInAndOut(String name) {
    use(name);
    long size = 12L * 1024 * 1024 + 12_345;
    // each store its own bytes: the index is shared, so the same bytes would be one blob
    long seed = name.equals("s3") ? 21 : 11;
    byte[] expected = Generated.all(size, seed);
    MediaStore.Blob b = put(acme, size, seed, 100L * 1024 * 1024, sha(expected));
    assertThat(b.size()).isEqualTo(size);
    assertThat(b.sha256()).isEqualTo(sha(expected));
    assertThat(b.mimeType()).isEqualTo("application/pdf");
    if (store == pg) {
      assertThat(Seed.scalar(db, "SELECT count(*) FROM media_chunks WHERE media_id = ?", b.id())).isEqualTo(49);
      assertThat(Seed.scalar(db, "SELECT count(*) FROM media_chunks WHERE media_id = ? AND length(data) <> ?", b.id(), PgMediaStore.CHUNK))
          .isEqualTo(1);
    } else {
      assertThat(env.s3().keys("media/" + acme + "/")).contains(S3MediaStore.key(acme, b.id()));
      assertThat(Seed.scalar(db, "SELECT count(*) FROM media_chunks WHERE media_id = ?", b.id())).isZero();
      assertThat(env.s3().openUploads()).isZero();
    }
    assertThat(read(b, 0, size)).isEqualTo(expected);
    long edge = store == pg ? PgMediaStore.CHUNK * 7L : S3MediaStore.PART;
    assertThat(read(b, edge - 3, edge + 5)).isEqualTo(java.util.Arrays.copyOfRange(expected, (int) edge - 3, (int) edge + 5));
    assertThat(read(b, size - 1, size)).containsExactly(expected[(int) size - 1]);
    assertThat(store.find(acme, b.id()).await()).isEqualTo(b);
    assertThat(store.find(other, b.id()).await()).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  @DisplayName("the same bytes twice for one account are one blob; for another account, another; sha256 given in base64 is checked too")
  void oncePerAccount(String name) {
    use(name);
    long seed = name.equals("s3") ? 22 : 12;
    byte[] bytes = Generated.all(300_000, seed);
    String base64 = Base64.getEncoder().encodeToString(HexFormat.of().parseHex(sha(bytes)));
    MediaStore.Blob first = put(acme, 300_000, seed, 1_000_000, null);
    MediaStore.Blob again = put(acme, 300_000, seed, 1_000_000, base64);
    MediaStore.Blob theirs = put(other, 300_000, seed, 1_000_000, sha(bytes));
    assertThat(again.id()).isEqualTo(first.id());
    assertThat(theirs.id()).isNotEqualTo(first.id());
    assertThat(theirs.accountId()).isEqualTo(other);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media WHERE sha256 = ?", sha(bytes))).isEqualTo(2);
    if (store == pg) {
      assertThat(Seed.scalar(db, "SELECT count(*) FROM media_chunks c JOIN media m ON m.id = c.media_id WHERE m.sha256 = ?", sha(bytes)))
          .isEqualTo(4);
    } else {
      // the second copy's object was written, then removed when its row turned out to be a duplicate
      assertThat(env.s3().keys("media/" + acme + "/")).contains(S3MediaStore.key(acme, first.id()))
          .filteredOn(k -> !k.equals(S3MediaStore.key(acme, first.id()))).noneMatch(k -> k.endsWith("/" + (first.id() + 1)));
      assertThat(env.s3().keys("media/" + other + "/")).containsExactly(S3MediaStore.key(other, theirs.id()));
    }
    assertThat(read(again, 0, 300_000)).isEqualTo(bytes);
    assertThat(read(theirs, 0, 300_000)).isEqualTo(bytes);
    store.delete(theirs).await();
    assertThat(store.find(other, theirs.id()).await()).isNull();
    assertThat(store.find(acme, first.id()).await()).isEqualTo(first);
    if (store == s3) {
      assertThat(env.s3().keys("media/" + other + "/")).isEmpty();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  @DisplayName("over the limit or with another sha256: refused, and neither a blob, a chunk, an object nor an open upload is left")
  void refusalsKeepNothing(String name) {
    use(name);
    long before = Seed.scalar(db, "SELECT count(*) FROM media_chunks");
    int objects = env.s3().keys("media/").size();
    long big = store == s3 ? S3MediaStore.PART * 2L + 5 : 600_000;
    assertThatThrownBy(() -> put(acme, big, 13, big - 1, null))
        .isInstanceOfSatisfying(MediaException.class, e -> {
          assertThat(e.code()).isEqualTo("too_large");
          assertThat(e.retryable()).isFalse();
        });
    assertThatThrownBy(() -> put(acme, 100_000, 14, 500_000, FakeGraph.sha256Hex(new byte[] {1})))
        .isInstanceOfSatisfying(MediaException.class, e -> assertThat(e.code()).isEqualTo("checksum"));
    // a checksum found wrong after a multipart upload had parts: the upload is aborted
    assertThatThrownBy(() -> put(acme, S3MediaStore.PART + 7, 15, S3MediaStore.PART * 3L, FakeGraph.sha256Hex(new byte[] {1})))
        .isInstanceOfSatisfying(MediaException.class, e -> assertThat(e.code()).isEqualTo("checksum"));
    assertThat(env.s3().keys("media/")).hasSize(objects);
    assertThat(env.s3().openUploads()).isZero();
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media_chunks")).isEqualTo(before);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media WHERE sha256 IS NULL")).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  @DisplayName("a body whose limit is one chunk or less (a photo Meta announced the size of): kept, kept once, refused whole, empty")
  void oneChunkBodies(String name) {
    use(name);
    long seed = name.equals("s3") ? 23 : 16;
    byte[] bytes = Generated.all(100_000, seed);
    long chunksBefore = Seed.scalar(db, "SELECT count(*) FROM media_chunks");
    MediaStore.Blob first = put(acme, 100_000, seed, 100_000, sha(bytes));
    assertThat(first.size()).isEqualTo(100_000);
    assertThat(first.sha256()).isEqualTo(sha(bytes));
    assertThat(read(first, 0, 100_000)).isEqualTo(bytes);
    assertThat(read(first, 99_990, 100_000)).isEqualTo(java.util.Arrays.copyOfRange(bytes, 99_990, 100_000));
    Seed.exec(db, "UPDATE media SET used_at = now() - interval '40 days' WHERE id = ?", first.id());
    MediaStore.Blob again = put(acme, 100_000, seed, PgMediaStore.CHUNK, null);
    assertThat(again).isEqualTo(first);
    // the second copy counts as a use: retention starts over
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media WHERE id = ? AND used_at > now() - interval '1 hour'", first.id())).isEqualTo(1);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media_chunks")).isEqualTo(chunksBefore + (store == pg ? 1 : 0));

    long media = Seed.scalar(db, "SELECT count(*) FROM media");
    assertThatThrownBy(() -> put(acme, 100_001, seed + 100, 100_000, null))
        .isInstanceOfSatisfying(MediaException.class, e -> assertThat(e.code()).isEqualTo("too_large"));
    assertThatThrownBy(() -> put(acme, 50_000, seed + 101, 50_000, FakeGraph.sha256Hex(new byte[] {1})))
        .isInstanceOfSatisfying(MediaException.class, e -> {
          assertThat(e.code()).isEqualTo("checksum");
          assertThat(e.retryable()).isTrue();
        });
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media")).isEqualTo(media);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM media_chunks")).isEqualTo(chunksBefore + (store == pg ? 1 : 0));

    MediaStore.Blob empty = put(other, 0, seed, 0, null);
    assertThat(empty.size()).isZero();
    assertThat(empty.sha256()).isEqualTo(sha(new byte[0]));
    assertThat(read(empty, 0, 0)).isEmpty();
    assertThat(store.find(other, empty.id()).await()).isEqualTo(empty);
  }
}
