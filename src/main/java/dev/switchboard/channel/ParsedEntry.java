package dev.switchboard.channel;

import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The events of one routable part of a webhook body (a Messenger/Instagram entry, a WhatsApp
 * change): everything in it belongs to the channel whose platform id is {@code channelExternalId}.
 *
 * @param json the part as received, kept in a dead letter when the channel is unknown
 */
public record ParsedEntry(String channelExternalId, JsonObject json, List<PlatformEvent> events) {
}
