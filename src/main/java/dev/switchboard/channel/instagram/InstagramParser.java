package dev.switchboard.channel.instagram;

import dev.switchboard.channel.MessagingParser;
import dev.switchboard.channel.ParsedEntry;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Instagram messaging webhooks ({@code object: instagram}), routed by the Instagram account id in
 * {@code entry[].id}. Same shape as Messenger, plus story replies and mentions, reactions,
 * {@code is_deleted} and {@code is_unsupported}.
 */
public final class InstagramParser {

  private InstagramParser() {
  }

  public static List<ParsedEntry> parse(JsonObject body) {
    return MessagingParser.parse(body, "instagram", "Instagram");
  }
}
