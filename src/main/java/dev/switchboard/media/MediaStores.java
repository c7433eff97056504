package dev.switchboard.media;

import io.vertx.sqlclient.Pool;
import io.vertx.core.Vertx;
import dev.switchboard.config.Config;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The node's media store, as {@code MEDIA_STORE} names it. */
public final class MediaStores {

  private MediaStores() {
  }

  public static MediaStore of(Vertx vertx, Pool pool, Config.Media media) {
    if (!"s3".equals(media.store())) {
      return new PgMediaStore(pool);
    }
    return new S3MediaStore(vertx, pool, CLIENTS.computeIfAbsent(media.s3(), MediaStores::client),
        media.s3().bucket());
  }

  /**
   * One client per S3 configuration in the process: the node's parts (every HTTP verticle, the
   * fetcher, the send pipeline) share its connections. Clients live as long as the process.
   */
  private static final Map<Config.S3, S3Client> CLIENTS = new ConcurrentHashMap<>();

  /**
   * An S3 client for the settings. Checksums only where the API requires them: several
   * S3-compatible servers refuse the SDK's default trailing checksums, and the store checks
   * every blob's sha256 itself.
   */
  public static S3Client client(Config.S3 s3) {
    AwsCredentialsProvider credentials = s3.accessKeyId() != null
        ? StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKeyId(), s3.secretAccessKey()))
        : DefaultCredentialsProvider.builder().build();
    S3ClientBuilder b = S3Client.builder()
        .httpClient(UrlConnectionHttpClient.builder()
            .connectionTimeout(Duration.ofSeconds(10))
            .socketTimeout(Duration.ofSeconds(60))
            .build())
        .region(Region.of(s3.region()))
        .credentialsProvider(credentials)
        .forcePathStyle(s3.pathStyle())
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    if (s3.endpoint() != null) {
      b.endpointOverride(URI.create(s3.endpoint()));
    }
    return b.build();
  }
}
