package dev.switchboard.conversation;

import dev.switchboard.common.ApiException;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;

/**
 * The conversation list's keyset cursor: the (last_message_at, id) of the last item shown. The
 * next page continues strictly after it in (last_message_at, id) DESC order, so a page never
 * repeats or skips a conversation that did not move; one bumped by new activity simply shows up
 * at the top on the next refresh. Opaque to clients (base64url), microsecond exact like PostgreSQL.
 */
public record ListCursor(OffsetDateTime lastMessageAt, long id) {

  public String encode() {
    Instant t = lastMessageAt.toInstant();
    long micros = Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    String raw = "c1:" + micros + ":" + id;
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.US_ASCII));
  }

  /** Null for no cursor; a cursor we did not issue answers 400 invalid_cursor. */
  public static ListCursor decode(String cursor) {
    if (cursor == null || cursor.isBlank()) {
      return null;
    }
    try {
      String raw = new String(Base64.getUrlDecoder().decode(cursor.trim()), StandardCharsets.US_ASCII);
      String[] parts = raw.split(":");
      if (parts.length != 3 || !"c1".equals(parts[0])) {
        throw new IllegalArgumentException(raw);
      }
      long micros = Long.parseLong(parts[1]);
      long id = Long.parseLong(parts[2]);
      Instant t = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
      return new ListCursor(t.atOffset(ZoneOffset.UTC), id);
    } catch (RuntimeException e) {
      throw ApiException.badRequest("invalid_cursor", "cursor is not a cursor this API issued");
    }
  }
}
