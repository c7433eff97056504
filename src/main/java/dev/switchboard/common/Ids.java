package dev.switchboard.common;

/** Our ids are positive bigints, written as strings in the API. */
public final class Ids {

  private Ids() {
  }

  /** Parses an id from a path; anything that is not an id is simply not found. */
  public static long parse(String raw, String what) {
    Long id = tryParse(raw);
    if (id == null) {
      throw ApiException.notFound(what);
    }
    return id;
  }

  /** Parses an id from a body or query field; a malformed one is a 400 naming the field. */
  public static long parseField(Object raw, String field) {
    Long id = raw == null ? null : tryParse(raw.toString());
    if (id == null) {
      throw ApiException.badRequest("invalid_field", field + " must be an id");
    }
    return id;
  }

  /**
   * A positive id in plain ASCII digits, or null. Other scripts' digits (which
   * {@link Character#isDigit} accepts) and values past {@link Long#MAX_VALUE} are not ids, so they
   * end as a 404 or 400 rather than an exception from {@link Long#parseLong}.
   */
  public static Long tryParse(String raw) {
    if (raw == null || raw.isEmpty() || raw.length() > 19) {
      return null;
    }
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c < '0' || c > '9') {
        return null;
      }
    }
    try {
      long v = Long.parseLong(raw);
      return v > 0 ? v : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  public static String str(Long id) {
    return id == null ? null : String.valueOf(id);
  }
}
