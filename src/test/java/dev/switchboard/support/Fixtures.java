package dev.switchboard.support;

import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * Meta's webhook and Graph API samples under {@code src/test/resources/meta} (see the README
 * there), read from the test class path, and signing.
 */
public final class Fixtures {

  public static final String APP_SECRET = "test_app_secret_0123456789abcdef";

  private Fixtures() {
  }

  public static Path dir() {
    java.net.URL url = Fixtures.class.getResource("/meta/signatures.json");
    if (url == null) {
      throw new IllegalStateException("the Meta samples are not on the test class path (src/test/resources/meta)");
    }
    try {
      return Path.of(url.toURI()).getParent();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The file's exact bytes (signatures are over these). */
  public static byte[] bytes(String name) {
    try {
      return Files.readAllBytes(dir().resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static JsonObject json(String name) {
    return new JsonObject(new String(bytes(name), StandardCharsets.UTF_8));
  }

  /** The {@code X-Hub-Signature-256} header value for these bytes. */
  public static String sign(byte[] body) {
    return sign(body, APP_SECRET);
  }

  public static String sign(byte[] body, String secret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The signature recorded in {@code signatures.json} for a fixture file. */
  public static String recordedSignature(String name) {
    JsonObject file = json("signatures.json").getJsonObject("files").getJsonObject(name);
    return file == null ? null : file.getString("x_hub_signature_256");
  }
}
