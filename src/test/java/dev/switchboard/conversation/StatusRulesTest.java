package dev.switchboard.conversation;

import dev.switchboard.common.ApiException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Conversation status rules and the list cursor")
class StatusRulesTest {

  static final StatusChange.State CLOSED = new StatusChange.State("closed", null, null);
  static final StatusChange.State ASSIGNED = new StatusChange.State("assigned", "agent", 7L);

  static StatusChange change(JsonObject body) {
    return StatusChange.from(body);
  }

  @Test
  @DisplayName("an assignee makes a conversation assigned; open and closed clear the assignee; unassigning reopens")
  void rules() {
    JsonObject toTeam = new JsonObject().put("assignee", new JsonObject().put("type", "team").put("id", "3"));
    assertThat(change(toTeam).apply(CLOSED, 1)).isEqualTo(new StatusChange.State("assigned", "team", 3L));
    assertThat(change(new JsonObject().put("status", "open")).apply(ASSIGNED, 1)).isEqualTo(new StatusChange.State("open", null, null));
    assertThat(change(new JsonObject().put("status", "closed")).apply(ASSIGNED, 1)).isEqualTo(CLOSED);
    assertThat(change(new JsonObject().putNull("assignee")).apply(ASSIGNED, 1)).isEqualTo(new StatusChange.State("open", null, null));
    assertThat(change(new JsonObject().putNull("assignee")).apply(CLOSED, 1)).isEqualTo(CLOSED);
    assertThat(change(new JsonObject().put("status", "assigned")).apply(ASSIGNED, 1)).isEqualTo(ASSIGNED);
  }

  @Test
  @DisplayName("contradictions are 422 with a code; wrong types 400")
  void refusals() {
    assertThatThrownBy(() -> change(new JsonObject().put("status", "assigned")).apply(CLOSED, 1))
        .isInstanceOf(ApiException.class).extracting("code").isEqualTo("assignee_required");
    assertThatThrownBy(() -> change(new JsonObject().put("status", "closed").put("assignee", new JsonObject().put("type", "agent").put("id", "1"))))
        .extracting("code").isEqualTo("invalid_transition");
    assertThatThrownBy(() -> change(new JsonObject().put("status", "assigned").putNull("assignee")))
        .extracting("code").isEqualTo("assignee_required");
    assertThatThrownBy(() -> change(new JsonObject().put("status", "later"))).extracting("code").isEqualTo("invalid_status");
    assertThatThrownBy(() -> change(new JsonObject().put("status", true))).extracting("status").isEqualTo(400);
    assertThatThrownBy(() -> change(new JsonObject().put("assignee", "bob"))).extracting("status").isEqualTo(400);
    assertThatThrownBy(() -> change(new JsonObject())).extracting("status").isEqualTo(400);
  }

  @Test
  @DisplayName("the cursor round-trips microseconds and ids, and rejects anything it did not issue")
  void cursor() {
    ListCursor c = new ListCursor(OffsetDateTime.parse("2026-03-01T10:00:00.123456Z"), 42);
    assertThat(ListCursor.decode(c.encode())).isEqualTo(c);
    assertThat(ListCursor.decode(null)).isNull();
    assertThatThrownBy(() -> ListCursor.decode("bm9wZQ")).extracting("code").isEqualTo("invalid_cursor");
    assertThatThrownBy(() -> ListCursor.decode("***")).extracting("code").isEqualTo("invalid_cursor");
  }
}
