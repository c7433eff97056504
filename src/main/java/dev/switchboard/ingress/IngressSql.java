package dev.switchboard.ingress;

/** The raw-event store: the one statement on ingress's hot path. */
final class IngressSql {

  private IngressSql() {
  }

  /** Group commit: every body of a batch in one statement (arrays keep it one prepared statement for any size). */
  static final String INSERT_RAW = """
      INSERT INTO raw_events (platform, body)
      SELECT p, b FROM UNNEST($1::text[], $2::text[]) AS t(p, b)
      """;
}
