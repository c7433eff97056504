package dev.switchboard.inbox.live;

/**
 * One event of the log on its way from the fan-out to the bridge sockets (through LiveHub), as the
 * JSON text it was stored as (with its id added): never parsed, copied or re-encoded on the way.
 * The event bus would deep-copy it for every socket registered to the account and the bridge would
 * encode it again, which at thousands of messages a second is a large share of a node's CPU.
 * Immutable, so every bridge event loop shares the same instance.
 *
 * @param id        the stream entry id (also the event's {@code id})
 * @param accountId the account whose address it is published on
 * @param json      the event as clients see it: the stored object with {@code "id"} as its last field
 */
public record LiveEvent(String id, long accountId, String json) {

  private static final String ACCOUNT_FIELD = "\"accountId\":\"";

  /**
   * From a stream entry's stored text. Relies on the log's own encoding (EventLog: {@code type},
   * then {@code accountId}, written by Jackson in that order), so the first {@code "accountId":"}
   * is the top-level one; null when the text does not look like that (the caller parses it).
   */
  public static LiveEvent fromStored(String id, String stored) {
    int at = stored.indexOf(ACCOUNT_FIELD);
    if (at < 0 || stored.length() < 2 || stored.charAt(stored.length() - 1) != '}') {
      return null;
    }
    long account = 0;
    int k = at + ACCOUNT_FIELD.length();
    int digits = 0;
    for (; k < stored.length() && Character.isDigit(stored.charAt(k)); k++, digits++) {
      account = account * 10 + (stored.charAt(k) - '0');
    }
    if (digits == 0 || digits > 18 || k >= stored.length() || stored.charAt(k) != '"') {
      return null;
    }
    String json = stored.length() == 2
        ? "{\"id\":\"" + id + "\"}"
        : stored.substring(0, stored.length() - 1) + ",\"id\":\"" + id + "\"}";
    return new LiveEvent(id, account, json);
  }

  /** The bridge's "rec" frame for this event on {@code address}, as vertx-eventbus.js expects it. */
  public String frame(String address) {
    return "{\"type\":\"rec\",\"address\":\"" + address + "\",\"body\":" + json + "}";
  }
}
