package dev.switchboard.conversation;

import dev.switchboard.common.ApiException;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;

/**
 * The keyset cursor of {@code sort=window}: which part of the list ({@code 1}: needs a reply,
 * by deadline ascending; {@code 2}: the rest, by activity descending) and the (time, id) of the
 * last item shown in it, or none when the second part starts afresh. Opaque to clients (base64url).
 */
public record WindowCursor(int part, OffsetDateTime at, long id) {

  /** The second part from its start. */
  static WindowCursor restStart() {
    return new WindowCursor(2, null, 0);
  }

  public String encode() {
    String time = "-";
    if (at != null) {
      Instant t = at.toInstant();
      time = String.valueOf(Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000));
    }
    String raw = "w1:" + part + ":" + time + ":" + id;
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.US_ASCII));
  }

  /** Null for no cursor; a cursor this sort did not issue answers 400 invalid_cursor. */
  public static WindowCursor decode(String cursor) {
    if (cursor == null || cursor.isBlank()) {
      return null;
    }
    try {
      String raw = new String(Base64.getUrlDecoder().decode(cursor.trim()), StandardCharsets.US_ASCII);
      String[] parts = raw.split(":");
      if (parts.length != 4 || !"w1".equals(parts[0])) {
        throw new IllegalArgumentException(raw);
      }
      int part = Integer.parseInt(parts[1]);
      if (part != 1 && part != 2 || part == 1 && "-".equals(parts[2])) {
        throw new IllegalArgumentException(raw);
      }
      OffsetDateTime at = null;
      if (!"-".equals(parts[2])) {
        long micros = Long.parseLong(parts[2]);
        at = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L).atOffset(ZoneOffset.UTC);
      }
      return new WindowCursor(part, at, Long.parseLong(parts[3]));
    } catch (RuntimeException e) {
      throw ApiException.badRequest("invalid_cursor", "cursor is not a cursor this API issued for sort=window");
    }
  }
}
