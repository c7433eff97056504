package dev.switchboard.channel;

import dev.switchboard.channel.instagram.InstagramParser;
import dev.switchboard.channel.messenger.MessengerParser;
import dev.switchboard.channel.whatsapp.WhatsAppParser;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;

/** Picks the parser for a platform; pure (no Vert.x runtime), so each parser is unit-tested alone. */
public final class WebhookParsers {

  public static final Set<String> PLATFORMS = Set.of("whatsapp", "messenger", "instagram");

  private WebhookParsers() {
  }

  /** Parses a stored raw body; throws {@link WebhookParseException} when it cannot be normalised. */
  public static List<ParsedEntry> parse(String platform, String body) {
    JsonObject json;
    try {
      json = new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      throw new WebhookParseException("not a JSON object: " + e.getMessage());
    }
    return switch (platform) {
      case "whatsapp" -> WhatsAppParser.parse(json);
      case "messenger" -> MessengerParser.parse(json);
      case "instagram" -> InstagramParser.parse(json);
      default -> throw new WebhookParseException("unknown platform " + platform);
    };
  }
}
