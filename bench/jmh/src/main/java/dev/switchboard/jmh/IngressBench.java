package dev.switchboard.jmh;

import dev.switchboard.channel.ParsedEntry;
import dev.switchboard.channel.WebhookParsers;
import dev.switchboard.ingress.JsonCheck;
import dev.switchboard.ingress.Signatures;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What every webhook costs before and after it is stored: signature, JSON check, normalisation. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class IngressBench {

  private static final String SECRET = "test_app_secret_0123456789abcdef";
  private final Signatures signatures = new Signatures(SECRET);
  private byte[] whatsappText;
  private String whatsappTextString;
  private String whatsappBatch;
  private String messengerText;
  private String signature;

  @Setup
  public void load() throws Exception {
    Path dir = Path.of(System.getProperty("fixtures", "src/test/resources/meta"));
    whatsappText = Files.readAllBytes(dir.resolve("whatsapp_text.json"));
    whatsappTextString = new String(whatsappText, StandardCharsets.UTF_8);
    whatsappBatch = Files.readString(dir.resolve("whatsapp_batch_2entries_3messages.json"));
    messengerText = Files.readString(dir.resolve("messenger_text.json"));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    signature = "sha256=" + HexFormat.of().formatHex(mac.doFinal(whatsappText));
  }

  @Benchmark
  public boolean signatureCheck() {
    return signatures.valid(whatsappText, signature);
  }

  @Benchmark
  public boolean jsonObjectCheck() {
    return JsonCheck.isObject(whatsappText);
  }

  @Benchmark
  public List<ParsedEntry> parseWhatsAppText() {
    return WebhookParsers.parse("whatsapp", whatsappTextString);
  }

  @Benchmark
  public List<ParsedEntry> parseWhatsAppBatch() {
    return WebhookParsers.parse("whatsapp", whatsappBatch);
  }

  @Benchmark
  public List<ParsedEntry> parseMessengerText() {
    return WebhookParsers.parse("messenger", messengerText);
  }
}
