package dev.switchboard.support;

import dev.switchboard.config.Config;
import dev.switchboard.media.MediaStores;
import io.vertx.core.json.JsonObject;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * A real S3 API server for a test class: S3Proxy, in this JVM, on a loopback port of its own
 * and a folder of its own under {@code target/}, with a bucket made and credentials checked
 * (AWS signature v4), so the S3 media store is tested against the protocol rather than a mock.
 * It comes from Maven with the tests, so it is there wherever the build runs.
 */
public final class S3Server implements AutoCloseable {

  public static final String BUCKET = "switchboard-media";
  private static final String ACCESS_KEY = "test-access-key";
  private static final String SECRET_KEY = "test-secret-key-0123456789";

  private final S3Proxy proxy;
  private final Path folder;
  private final String endpoint;

  private S3Server(S3Proxy proxy, Path folder) {
    this.proxy = proxy;
    this.folder = folder;
    this.endpoint = "http://127.0.0.1:" + proxy.getPort();
  }

  public static S3Server start() {
    Path folder;
    try {
      Files.createDirectories(Path.of("target"));
      folder = Files.createTempDirectory(Path.of("target"), "s3proxy-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Properties props = new Properties();
    props.setProperty("jclouds.filesystem.basedir", folder.toAbsolutePath().toString());
    props.setProperty("jclouds.identity", ACCESS_KEY);
    props.setProperty("jclouds.credential", SECRET_KEY);
    S3Proxy proxy = S3Proxy.builder()
        .blobStore(BlobStores.create("filesystem", props))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
        .endpoint(URI.create("http://127.0.0.1:0"))
        .stopTimeout(0)
        .build();
    try {
      proxy.start();
    } catch (Exception e) {
      throw new IllegalStateException("S3Proxy did not start", e);
    }
    S3Server server = new S3Server(proxy, folder);
    try (S3Client client = server.client()) {
      client.createBucket(b -> b.bucket(BUCKET));
    }
    return server;
  }

  /** The node settings of a media store in this server's bucket. */
  public JsonObject settings() {
    return new JsonObject().put("MEDIA_STORE", "s3").put("S3_ENDPOINT", endpoint).put("S3_BUCKET", BUCKET)
        .put("S3_ACCESS_KEY_ID", ACCESS_KEY).put("S3_SECRET_ACCESS_KEY", SECRET_KEY).put("S3_PATH_STYLE", true);
  }

  public Config.S3 config() {
    return new Config.S3(endpoint, BUCKET, "us-east-1", ACCESS_KEY, SECRET_KEY, true);
  }

  /** A client as the node makes it, for the tests' own looks into the bucket. */
  public S3Client client() {
    return MediaStores.client(config());
  }

  /** The keys in the bucket under {@code prefix}. */
  public java.util.List<String> keys(String prefix) {
    try (S3Client client = client()) {
      return client.listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix(prefix)).contents().stream()
          .map(o -> o.key()).toList();
    }
  }

  /** Multipart uploads begun and neither completed nor aborted. */
  public int openUploads() {
    try (S3Client client = client()) {
      return client.listMultipartUploads(b -> b.bucket(BUCKET)).uploads().size();
    }
  }

  @Override
  public void close() throws Exception {
    proxy.stop();
    try (Stream<Path> all = Files.walk(folder)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
