package dev.switchboard.channel;

import dev.switchboard.channel.instagram.InstagramParser;
import dev.switchboard.channel.messenger.MessengerParser;
import dev.switchboard.channel.whatsapp.WhatsAppParser;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/** Picks the parser for a platform; pure (no Vert.x runtime), so each parser is unit-tested alone. */
public final class WebhookParsers {

  public static final Set<String> PLATFORMS = Set.of("whatsapp", "messenger", "instagram");

  private WebhookParsers() {
  }

  /** Characters replaced because PostgreSQL refuses them (NUL in text and jsonb), since start. */
  public static final AtomicLong REPLACED = new AtomicLong();

  /**
   * Parses a stored raw body; throws {@link WebhookParseException} when it cannot be normalised.
   * A NUL anywhere in the body's strings (JSON allows {@code \u0000}; PostgreSQL's text and jsonb
   * do not) becomes U+FFFD, so one such message is stored readable instead of failing the whole
   * delivery with every other message in it.
   */
  public static List<ParsedEntry> parse(String platform, String body) {
    JsonObject json;
    try {
      json = new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      throw new WebhookParseException("not a JSON object: " + e.getMessage());
    }
    if (body.contains("\\u0000")) {
      json = (JsonObject) scrub(json);
    }
    return switch (platform) {
      case "whatsapp" -> WhatsAppParser.parse(json);
      case "messenger" -> MessengerParser.parse(json);
      case "instagram" -> InstagramParser.parse(json);
      default -> throw new WebhookParseException("unknown platform " + platform);
    };
  }

  // A copy with NUL replaced in every string, key or value, at any depth.
  private static Object scrub(Object value) {
    if (value instanceof String text) {
      return clean(text);
    }
    if (value instanceof JsonObject object) {
      JsonObject out = new JsonObject();
      object.forEach(e -> out.put(clean(e.getKey()), scrub(e.getValue())));
      return out;
    }
    if (value instanceof JsonArray array) {
      JsonArray out = new JsonArray();
      array.forEach(v -> out.add(scrub(v)));
      return out;
    }
    return value;
  }

  private static String clean(String text) {
    if (text.indexOf('\0') < 0) {
      return text;
    }
    long n = text.chars().filter(c -> c == 0).count();
    REPLACED.addAndGet(n);
    return text.replace('\0', '\uFFFD');
  }
}
