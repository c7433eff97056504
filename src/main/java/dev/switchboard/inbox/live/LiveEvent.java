package dev.switchboard.inbox.live;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * One event of the log on its way from the fan-out to the bridge sockets, as the JSON text it was
 * stored as (with its id added): never parsed, copied or re-encoded on the way. The local event
 * bus would otherwise deep-copy a JsonObject for every socket registered to the account and the
 * bridge would encode it again; at 10,000 messages/s that was a third of the node's CPU in
 * bench/scale. Immutable, so the codec hands every consumer the same instance.
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

  /** Registers the pass-through codec once per Vert.x instance. */
  public static void registerCodec(Vertx vertx) {
    try {
      vertx.eventBus().registerDefaultCodec(LiveEvent.class, new Codec());
    } catch (IllegalStateException alreadyRegistered) {
      // another node in the same Vert.x instance (tests) registered it first
    }
  }

  /** Local delivery hands over the same immutable instance; on the wire it is its JSON text. */
  static final class Codec implements MessageCodec<LiveEvent, LiveEvent> {
    @Override
    public void encodeToWire(Buffer buffer, LiveEvent e) {
      byte[] id = e.id.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      byte[] json = e.json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      buffer.appendInt(id.length).appendBytes(id).appendLong(e.accountId).appendInt(json.length).appendBytes(json);
    }

    @Override
    public LiveEvent decodeFromWire(int pos, Buffer buffer) {
      int idLength = buffer.getInt(pos);
      String id = buffer.getString(pos + 4, pos + 4 + idLength);
      int p = pos + 4 + idLength;
      long account = buffer.getLong(p);
      int jsonLength = buffer.getInt(p + 8);
      return new LiveEvent(id, account, buffer.getString(p + 12, p + 12 + jsonLength));
    }

    @Override
    public LiveEvent transform(LiveEvent e) {
      return e;
    }

    @Override
    public String name() {
      return "switchboard-live-event";
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
