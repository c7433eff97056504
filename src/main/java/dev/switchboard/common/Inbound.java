package dev.switchboard.common;

import java.time.Instant;

/**
 * One customer message the processor has just stored (new, not a redelivery), as the parts
 * that react to inbound traffic (bot flows, the window timer) see it.
 *
 * @param payload the button / quick-reply / postback / ice-breaker payload, if any
 * @param firstMessage true when this is the first inbound message of its conversation
 */
public record Inbound(
    long accountId,
    long channelId,
    String platform,
    long conversationId,
    long contactId,
    long messageId,
    String conversationStatus,
    String contentType,
    String text,
    String payload,
    Instant platformTimestamp,
    Instant lastInboundAt,
    boolean firstMessage) {
}
