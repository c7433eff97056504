package dev.switchboard.bot;

import dev.switchboard.common.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Flow JSON is validated whole and stored normalised")
class FlowJsonTest {

  static void invalid(Runnable r, String message) {
    assertThatThrownBy(r::run).isInstanceOfSatisfying(ApiException.class, e -> {
      assertThat(e.status()).isEqualTo(422);
      assertThat(e.code()).isEqualTo("invalid_flow");
      assertThat(e.getMessage()).contains(message);
    });
  }

  @Test
  @DisplayName("keywords and payloads are trimmed and de-duplicated; the trigger round-trips")
  void triggers() {
    Trigger k = FlowJson.trigger(new JsonObject().put("type", "keyword").put("keywords", new JsonArray().add(" price ").add("price").add("cost")));
    assertThat(k).isEqualTo(new Trigger.Keyword(List.of("price", "cost")));
    assertThat(FlowJson.trigger(FlowJson.toJson(k))).isEqualTo(k);
    Trigger p = FlowJson.trigger(new JsonObject().put("type", "payload").put("payloads", new JsonArray().add("GET_STARTED")));
    assertThat(FlowJson.toJson(p)).isEqualTo(new JsonObject().put("type", "payload").put("payloads", new JsonArray().add("GET_STARTED")));
    Trigger r = FlowJson.trigger(new JsonObject().put("type", "regex").put("pattern", "(?i)order\\s+#?\\d+"));
    assertThat(((Trigger.Regex) r).pattern().matcher("ORDER 12").find()).isTrue();
    assertThat(FlowJson.trigger(new JsonObject().put("type", "any"))).isInstanceOf(Trigger.Any.class);
    assertThat(FlowJson.trigger(new JsonObject().put("type", "first_message"))).isInstanceOf(Trigger.FirstMessage.class);
  }

  @Test
  @DisplayName("actions read every documented shape: string buttons, payload defaulting to the title, numeric team ids")
  void actions() {
    List<Action> a = FlowJson.actions(new JsonArray()
        .add(new JsonObject().put("type", "reply").put("text", "hi").put("quickReplies", new JsonArray().add("Yes")
            .add(new JsonObject().put("title", "No")).add(new JsonObject().put("title", "Agent").put("payload", "AGENT"))))
        .add(new JsonObject().put("type", "label").put("name", " vip "))
        .add(new JsonObject().put("type", "field").put("name", "tier").put("value", "gold"))
        .add(new JsonObject().put("type", "handoff").put("teamId", 12))
        .add(new JsonObject().put("type", "handoff")));
    assertThat(a).containsExactly(
        new Action.Reply("hi", List.of(new Action.QuickReply("Yes", "Yes"), new Action.QuickReply("No", "No"), new Action.QuickReply("Agent", "AGENT"))),
        new Action.Label("vip"),
        new Action.Field("tier", "gold"),
        new Action.Handoff(12L),
        new Action.Handoff(null));
    JsonArray json = FlowJson.toJson(a);
    assertThat(json.getJsonObject(3)).isEqualTo(new JsonObject().put("type", "handoff").put("teamId", "12"));
    assertThat(FlowJson.actions(json)).isEqualTo(a);
    assertThat(FlowJson.teamIds(a)).containsExactly(12L);
  }

  @Test
  @DisplayName("problems are named by their path")
  void problems() {
    invalid(() -> FlowJson.trigger("keyword"), "trigger must be an object");
    invalid(() -> FlowJson.trigger(new JsonObject()), "trigger.type is required");
    invalid(() -> FlowJson.trigger(new JsonObject().put("type", "keyword").put("keywords", new JsonArray().add(3))), "trigger.keywords[0] must be a string");
    invalid(() -> FlowJson.trigger(new JsonObject().put("type", "keyword").put("keywords", new JsonArray().add("  "))), "trigger.keywords[0] must not be empty");
    invalid(() -> FlowJson.trigger(new JsonObject().put("type", "regex").put("pattern", "a{2,1}")), "trigger.pattern is not a valid regular expression");
    invalid(() -> FlowJson.trigger(new JsonObject().put("type", "regex").put("pattern", "x".repeat(FlowJson.MAX_PATTERN + 1))), "trigger.pattern may have at most");
    invalid(() -> FlowJson.actions(new JsonObject()), "actions must be an array");
    invalid(() -> FlowJson.actions(new JsonArray().add("reply")), "actions[0] must be an object");
    invalid(() -> FlowJson.actions(new JsonArray().add(new JsonObject().put("type", "reply").put("text", "x".repeat(FlowJson.MAX_REPLY + 1)))),
        "actions[0].text may have at most 2000");
    invalid(() -> FlowJson.actions(new JsonArray().add(new JsonObject().put("type", "reply").put("text", "x".repeat(1100))
        .put("quickReplies", new JsonArray().add("a")))), "actions[0].text may have at most 1024 characters with quick replies");
    invalid(() -> FlowJson.actions(new JsonArray().add(new JsonObject().put("type", "reply").put("text", "x")
        .put("quickReplies", new JsonArray().add("a").add("a")))), "actions[0].quickReplies[1] repeats");
    invalid(() -> FlowJson.actions(new JsonArray().add(new JsonObject().put("type", "field").put("name", "n").put("value", 3))),
        "actions[0].value must be a string");
    invalid(() -> FlowJson.actions(new JsonArray().add(new JsonObject().put("type", "label"))), "actions[0].name is required");
    invalid(() -> FlowJson.actions(new JsonArray().add(new JsonObject().put("type", "handoff").put("teamId", -4))), "actions[0].teamId must be an id");
    JsonArray many = new JsonArray();
    for (int i = 0; i <= FlowJson.MAX_ACTIONS; i++) {
      many.add(new JsonObject().put("type", "label").put("name", "l" + i));
    }
    invalid(() -> FlowJson.actions(many), "at most " + FlowJson.MAX_ACTIONS + " actions");
  }
}
