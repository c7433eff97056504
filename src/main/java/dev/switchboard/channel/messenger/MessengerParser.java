package dev.switchboard.channel.messenger;

import dev.switchboard.channel.MessagingParser;
import dev.switchboard.channel.ParsedEntry;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** Messenger webhooks ({@code object: page}), routed by the page id in {@code entry[].id}. */
public final class MessengerParser {

  private MessengerParser() {
  }

  public static List<ParsedEntry> parse(JsonObject body) {
    return MessagingParser.parse(body, "page", "Messenger");
  }
}
