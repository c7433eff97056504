package dev.switchboard.inbox.live;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("LiveEvent: a stored log entry framed for the bridge without parsing or re-encoding it")
class LiveEventTest {

  /** Exactly how EventLog encodes an event. */
  static String stored(long account, JsonObject data) {
    return new JsonObject().put("type", "message.created").put("accountId", String.valueOf(account))
        .put("conversationId", "77").put("data", data).encode();
  }

  @Test
  @DisplayName("the account comes from the top-level field even when the data holds another accountId; the body is the event with its id")
  void fromStored() {
    JsonObject data = new JsonObject().put("text", "hi \"there\" \\ ü").put("accountId", "999").put("nested", new JsonObject().put("accountId", "5"));
    String text = stored(4242, data);
    LiveEvent e = LiveEvent.fromStored("1700000000000-3", text);
    assertThat(e).isNotNull();
    assertThat(e.accountId()).isEqualTo(4242);
    assertThat(e.id()).isEqualTo("1700000000000-3");
    // what EventLog.parseEntries gives a replaying client, field for field
    assertThat(new JsonObject(e.json())).isEqualTo(new JsonObject(text).put("id", "1700000000000-3"));
  }

  @Test
  @DisplayName("the frame is the bridge's own rec envelope")
  void frame() {
    String text = stored(7, new JsonObject().put("n", 1));
    LiveEvent e = LiveEvent.fromStored("5-0", text);
    JsonObject frame = new JsonObject(e.frame("inbox.account.7"));
    assertThat(frame).isEqualTo(new JsonObject().put("type", "rec").put("address", "inbox.account.7")
        .put("body", new JsonObject(text).put("id", "5-0")));
  }

  @Test
  @DisplayName("text not in the log's shape is left to the JSON parser (null)")
  void notOurs() {
    assertThat(LiveEvent.fromStored("1-0", "{\"type\":\"x\"}")).isNull();
    assertThat(LiveEvent.fromStored("1-0", "{\"accountId\":\"\"}")).isNull();
    assertThat(LiveEvent.fromStored("1-0", "{\"accountId\":\"12x\"}")).isNull();
    assertThat(LiveEvent.fromStored("1-0", "{\"accountId\":\"1234567890123456789\"}")).as("too many digits for an id").isNull();
    assertThat(LiveEvent.fromStored("1-0", "not json \"accountId\":\"1\"")).isNull();
  }
}
