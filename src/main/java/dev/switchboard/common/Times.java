package dev.switchboard.common;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Times in the API are ISO-8601 UTC strings with millisecond precision. */
public final class Times {

  private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private Times() {
  }

  public static String iso(Instant t) {
    return t == null ? null : ISO.format(t);
  }

  public static String iso(OffsetDateTime t) {
    return t == null ? null : ISO.format(t.toInstant());
  }

  public static Instant instant(OffsetDateTime t) {
    return t == null ? null : t.toInstant();
  }

  public static OffsetDateTime utc(Instant t) {
    return t == null ? null : t.atOffset(ZoneOffset.UTC);
  }
}
