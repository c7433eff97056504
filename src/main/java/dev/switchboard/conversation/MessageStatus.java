package dev.switchboard.conversation;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The status of a message and the one rule of how it moves: forward only along
 * {@code pending < sent < delivered < read}; {@code failed} replaces only {@code pending} or
 * {@code sent}; nothing replaces {@code failed}. So a late {@code delivered} never undoes
 * {@code read}, and a failure reported after a delivery is ignored. The processor (statuses in a
 * batch), the send pipeline (statuses that arrived before the send was recorded) and the SQL that
 * applies statuses ({@link #movesForwardSql}) all use this rule.
 */
public enum MessageStatus {
  PENDING, SENT, DELIVERED, READ, FAILED;

  private static final List<MessageStatus> FORWARD = List.of(PENDING, SENT, DELIVERED, READ);

  /** The name on the wire and in the database. */
  public String wire() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /** The status named so, or null for a name that is not one. */
  public static MessageStatus of(String wire) {
    if (wire == null) {
      return null;
    }
    for (MessageStatus s : values()) {
      if (s.wire().equals(wire)) {
        return s;
      }
    }
    return null;
  }

  /** Whether a message in this status moves to {@code next}. */
  public boolean movesTo(MessageStatus next) {
    if (next == null || this == FAILED) {
      return false;
    }
    if (next == FAILED) {
      return this == PENDING || this == SENT;
    }
    return FORWARD.indexOf(next) > FORWARD.indexOf(this);
  }

  /** {@link #movesTo} by wire names; an unknown name never moves anything and is never moved to. */
  public static boolean moves(String current, String next) {
    MessageStatus c = of(current);
    return c != null && c.movesTo(of(next));
  }

  /**
   * The same rule as an SQL boolean expression over two text columns or parameters: whether a
   * message whose status is {@code current} moves to {@code next}.
   */
  public static String movesForwardSql(String current, String next) {
    String order = FORWARD.stream().map(s -> "'" + s.wire() + "'").collect(Collectors.joining(", "));
    String belowRead = FORWARD.subList(0, FORWARD.size() - 1).stream().map(s -> "'" + s.wire() + "'").collect(Collectors.joining(", "));
    String failedReplaces = Arrays.stream(values()).filter(s -> s.movesTo(FAILED)).map(s -> "'" + s.wire() + "'")
        .collect(Collectors.joining(", "));
    return "(CASE WHEN " + next + " = 'failed' THEN " + current + " IN (" + failedReplaces + ")\n"
        + "      ELSE " + current + " IN (" + belowRead + ")\n"
        + "       AND array_position(ARRAY[" + order + "], " + next + ")\n"
        + "         > array_position(ARRAY[" + order + "], " + current + ") END)";
  }
}
