package dev.switchboard.bot;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The flow evaluator decides, without I/O, which flow answers a customer message")
class FlowEvaluatorTest {

  static final long CHANNEL = 7;
  static final long OTHER_CHANNEL = 8;

  static FlowEvaluator.Message text(String text) {
    return new FlowEvaluator.Message(CHANNEL, "text", text, null, false);
  }

  static Flow flow(long id, Trigger trigger, Action... actions) {
    return new Flow(id, "flow " + id, true, null, trigger, List.of(actions), 0);
  }

  static Optional<FlowEvaluator.Decision> run(FlowEvaluator.Message m, Flow... flows) {
    return FlowEvaluator.evaluate(m, "closed", Map.of(), Set.of(), List.of(flows));
  }

  static Action.Reply reply(String text) {
    return new Action.Reply(text, List.of());
  }

  static Trigger keywords(String... words) {
    return new Trigger.Keyword(List.of(words));
  }

  @Nested
  @DisplayName("keyword triggers")
  class Keywords {

    @ParameterizedTest(name = "\"{0}\" in \"{1}\" -> {2}")
    @CsvSource(delimiter = '|', value = {
        "price|What is the PRICE?|true",
        "price|priceless|false",
        "price|the prices are|false",
        "price|price|true",
        "price|Price: 10€|true",
        "price|(price)|true",
        "price|reprice this|false",
        "precio|¿Cuál es el PRECIO?|true",
        "preço|qual o preco?|true",
        "preco|QUAL O PREÇO|true",
        "café|cafe au lait|true",
        "cafe|CAFÉ au lait|true",
        "straße|Welche STRASSE?|true",
        "opening hours|What are your Opening   Hours?|true",
        "opening hours|opening times and hours|false",
        "opening hours|reopening hours|false",
        "order 1042|is my order #1042 shipped|true",
        "e-mail|send me an e-mail|true",
        "hi|Hi!|true",
        "hi|this|false",
        "hi|Hi, is my order shipped?|true",
        "👍|ok 👍 thanks|true",
        "👍|ok thanks|false",
        "ñ|año|false",
        "价格|请问价格是多少？|true",
        "価格|この商品の価格は？|true",
        "ราคา|ราคาเท่าไหร่ครับ|true",
        "价格|请问多少钱|false",
    })
    void wholeWordsIgnoringCaseAndAccents(String keyword, String message, boolean expected) {
      assertThat(FlowEvaluator.matches(keywords(keyword), text(message))).isEqualTo(expected);
    }

    @Test
    @DisplayName("any one of several keywords is enough")
    void anyKeyword() {
      Trigger t = keywords("refund", "money back");
      assertThat(FlowEvaluator.matches(t, text("I want my money back"))).isTrue();
      assertThat(FlowEvaluator.matches(t, text("refund please"))).isTrue();
      assertThat(FlowEvaluator.matches(t, text("money is back"))).isFalse();
    }

    @Test
    @DisplayName("a message without text (an image) matches no keyword")
    void noText() {
      FlowEvaluator.Message image = new FlowEvaluator.Message(CHANNEL, "image", null, null, false);
      assertThat(FlowEvaluator.matches(keywords("price"), image)).isFalse();
    }
  }

  @Nested
  @DisplayName("regex triggers")
  class Regexes {

    @Test
    @DisplayName("the pattern is found anywhere in the text, as written (case-sensitive unless (?i))")
    void findsAnywhere() {
      Trigger order = new Trigger.Regex("#\\d{4}", Pattern.compile("#\\d{4}"));
      assertThat(FlowEvaluator.matches(order, text("is my order #1042 shipped?"))).isTrue();
      assertThat(FlowEvaluator.matches(order, text("is my order 1042 shipped?"))).isFalse();
      Trigger cs = new Trigger.Regex("Track", Pattern.compile("Track"));
      assertThat(FlowEvaluator.matches(cs, text("track it"))).isFalse();
      Trigger ci = new Trigger.Regex("(?i)track", Pattern.compile("(?i)track"));
      assertThat(FlowEvaluator.matches(ci, text("TRACK it"))).isTrue();
    }

    @Test
    @DisplayName("a message without text never matches a regex, not even one that matches the empty string")
    void noText() {
      Trigger t = new Trigger.Regex(".*", Pattern.compile(".*"));
      assertThat(FlowEvaluator.matches(t, new FlowEvaluator.Message(CHANNEL, "image", null, null, false))).isFalse();
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.SECONDS)
    @DisplayName("catastrophic backtracking is cut off as no match instead of hanging")
    void catastrophicBacktracking() {
      Pattern evil = Pattern.compile("^(a+)+$");
      String input = "a".repeat(40) + "!";
      assertThat(FlowEvaluator.matches(new Trigger.Regex(evil.pattern(), evil), text(input))).isFalse();
      assertThat(FlowEvaluator.matches(new Trigger.Regex(evil.pattern(), evil), text("aaaa"))).isTrue();
    }

    @Test
    @DisplayName("a text longer than the regex input limit is not matched at all")
    void inputLimit() {
      Pattern p = Pattern.compile("x");
      assertThat(FlowEvaluator.matches(new Trigger.Regex("x", p), text("x" + "y".repeat(TextMatch.REGEX_MAX_INPUT)))).isFalse();
      assertThat(FlowEvaluator.matches(new Trigger.Regex("x", p), text("x" + "y".repeat(100)))).isTrue();
    }
  }

  @Nested
  @DisplayName("other triggers")
  class Others {

    @Test
    @DisplayName("any matches every message, with or without text")
    void any() {
      assertThat(FlowEvaluator.matches(new Trigger.Any(), text("whatever"))).isTrue();
      assertThat(FlowEvaluator.matches(new Trigger.Any(), new FlowEvaluator.Message(CHANNEL, "sticker", null, null, false))).isTrue();
    }

    @Test
    @DisplayName("first_message matches only the first inbound message of the conversation")
    void firstMessage() {
      assertThat(FlowEvaluator.matches(new Trigger.FirstMessage(), new FlowEvaluator.Message(CHANNEL, "text", "hi", null, true))).isTrue();
      assertThat(FlowEvaluator.matches(new Trigger.FirstMessage(), new FlowEvaluator.Message(CHANNEL, "text", "hi", null, false))).isFalse();
    }

    @Test
    @DisplayName("payload matches an exact button / quick-reply / postback payload, never the text")
    void payload() {
      Trigger t = new Trigger.Payload(List.of("GET_STARTED", "refund_request"));
      assertThat(FlowEvaluator.matches(t, new FlowEvaluator.Message(CHANNEL, "interactive", "Request refund", "refund_request", false))).isTrue();
      assertThat(FlowEvaluator.matches(t, new FlowEvaluator.Message(CHANNEL, "text", "Get Started", "GET_STARTED", false))).isTrue();
      assertThat(FlowEvaluator.matches(t, new FlowEvaluator.Message(CHANNEL, "text", "GET_STARTED", null, false))).isFalse();
      assertThat(FlowEvaluator.matches(t, new FlowEvaluator.Message(CHANNEL, "button", "x", "get_started", false))).isFalse();
    }
  }

  @Nested
  @DisplayName("choosing a flow")
  class Choosing {

    @Test
    @DisplayName("the first matching flow in the given order wins; later ones do not run")
    void firstWins() {
      Flow a = flow(1, keywords("price"), reply("A"));
      Flow b = flow(2, new Trigger.Any(), reply("B"));
      assertThat(run(text("price?"), a, b)).get().extracting(d -> d.flow().id()).isEqualTo(1L);
      assertThat(run(text("hello"), a, b)).get().extracting(d -> d.flow().id()).isEqualTo(2L);
      assertThat(run(text("price?"), b, a)).get().extracting(d -> d.flow().id()).isEqualTo(2L);
    }

    @Test
    @DisplayName("disabled flows are skipped")
    void disabled() {
      Flow off = new Flow(1, "off", false, null, new Trigger.Any(), List.of(reply("off")), 0);
      Flow on = flow(2, new Trigger.Any(), reply("on"));
      assertThat(run(text("x"), off, on)).get().extracting(d -> d.flow().id()).isEqualTo(2L);
      assertThat(run(text("x"), off)).isEmpty();
    }

    @Test
    @DisplayName("a flow scoped to a channel answers only that channel; an unscoped flow answers all")
    void channelScope() {
      Flow other = new Flow(1, "other", true, OTHER_CHANNEL, new Trigger.Any(), List.of(reply("other")), 0);
      Flow mine = new Flow(2, "mine", true, CHANNEL, new Trigger.Any(), List.of(reply("mine")), 0);
      Flow all = flow(3, new Trigger.Any(), reply("all"));
      assertThat(run(text("x"), other, mine, all)).get().extracting(d -> d.flow().id()).isEqualTo(2L);
      assertThat(run(text("x"), other, all)).get().extracting(d -> d.flow().id()).isEqualTo(3L);
      assertThat(run(text("x"), other)).isEmpty();
    }

    @Test
    @DisplayName("no flow matches: no decision")
    void noMatch() {
      assertThat(run(text("hello"), flow(1, keywords("price"), reply("A")))).isEmpty();
      assertThat(run(text("hello"))).isEmpty();
    }

    @ParameterizedTest(name = "status {0}: silent")
    @CsvSource({"open", "assigned"})
    @DisplayName("the bot is silent unless the conversation is closed")
    void onlyClosed(String status) {
      List<Flow> flows = List.of(flow(1, new Trigger.Any(), reply("A")));
      assertThat(FlowEvaluator.evaluate(text("hi"), status, Map.of(), Set.of(), flows)).isEmpty();
      assertThat(FlowEvaluator.evaluate(text("hi"), "closed", Map.of(), Set.of(), flows)).isPresent();
    }

    @Test
    @DisplayName("reactions are never answered, not even by an 'any' flow")
    void reactions() {
      FlowEvaluator.Message reaction = new FlowEvaluator.Message(CHANNEL, "reaction", "👍", null, false);
      assertThat(run(reaction, flow(1, new Trigger.Any(), reply("A")))).isEmpty();
    }

    @Test
    @DisplayName("a message whose automation window has closed is not answered; the expiry instant itself is outside")
    void window() {
      Instant now = Instant.parse("2026-03-01T12:00:00Z");
      Duration day = Duration.ofHours(24);
      assertThat(FlowEvaluator.withinAutomationWindow(now.minusSeconds(60), now, day)).isTrue();
      assertThat(FlowEvaluator.withinAutomationWindow(now.minus(day).plusMillis(1), now, day)).isTrue();
      assertThat(FlowEvaluator.withinAutomationWindow(now.minus(day), now, day)).isFalse();
      assertThat(FlowEvaluator.withinAutomationWindow(now.minus(Duration.ofDays(3)), now, day)).isFalse();
      assertThat(FlowEvaluator.withinAutomationWindow(null, now, day)).isTrue();
    }
  }

  @Nested
  @DisplayName("actions")
  class Actions {

    @Test
    @DisplayName("reply renders {{field}} placeholders with the contact's fields and keeps its quick replies")
    void replyRenders() {
      List<Action.QuickReply> buttons = List.of(new Action.QuickReply("Yes", "YES"), new Action.QuickReply("No", "NO"));
      Flow f = flow(1, new Trigger.Any(), new Action.Reply("Hi! Your tier is {{ membership }}.", buttons));
      FlowEvaluator.Decision d = FlowEvaluator.evaluate(text("x"), "closed", Map.of("membership", "diamond"), Set.of(), List.of(f)).orElseThrow();
      assertThat(d.actions()).containsExactly(new Action.Reply("Hi! Your tier is diamond.", buttons));
    }

    @Test
    @DisplayName("a reply needing a field the contact lacks is left out (never sent half-rendered); the other actions still run")
    void replyMissingField() {
      Flow f = flow(1, new Trigger.Any(), reply("Order {{order num}} is on its way"), new Action.Label("asked"));
      FlowEvaluator.Decision d = run(text("x"), f).orElseThrow();
      assertThat(d.actions()).containsExactly(new Action.Label("asked"));
      assertThat(d.notes()).singleElement().asString().contains("{{order num}}");
    }

    @Test
    @DisplayName("a field set earlier in the same flow is available to a later reply")
    void fieldThenReply() {
      Flow f = flow(1, new Trigger.Any(), new Action.Field("topic", "pricing"), reply("Topic: {{topic}}"));
      FlowEvaluator.Decision d = run(text("x"), f).orElseThrow();
      assertThat(d.actions()).containsExactly(new Action.Field("topic", "pricing"), reply("Topic: pricing"));
    }

    @Test
    @DisplayName("label adds a label, but not one the contact already has")
    void label() {
      Flow f = flow(1, new Trigger.Any(), new Action.Label("vip"), new Action.Label("lead"), new Action.Label("lead"));
      FlowEvaluator.Decision d = FlowEvaluator.evaluate(text("x"), "closed", Map.of(), Set.of("vip"), List.of(f)).orElseThrow();
      assertThat(d.actions()).containsExactly(new Action.Label("lead"));
    }

    @Test
    @DisplayName("field sets a value, but leaves out a value the contact already holds")
    void field() {
      Flow f = flow(1, new Trigger.Any(), new Action.Field("tier", "gold"), new Action.Field("lang", "en"));
      FlowEvaluator.Decision d = FlowEvaluator.evaluate(text("x"), "closed", Map.of("tier", "gold", "lang", "fr"), Set.of(), List.of(f)).orElseThrow();
      assertThat(d.actions()).containsExactly(new Action.Field("lang", "en"));
    }

    @Test
    @DisplayName("handoff goes to open without a team and to assigned with one; a second hand-off in a flow is ignored")
    void handoff() {
      assertThat(new Action.Handoff(null).toStatus()).isEqualTo("open");
      assertThat(new Action.Handoff(5L).toStatus()).isEqualTo("assigned");
      Flow f = flow(1, new Trigger.Any(), reply("An agent will help you"), new Action.Handoff(5L), new Action.Handoff(null));
      FlowEvaluator.Decision d = run(text("x"), f).orElseThrow();
      assertThat(d.actions()).containsExactly(reply("An agent will help you"), new Action.Handoff(5L));
      assertThat(d.notes()).containsExactly("second hand-off ignored");
    }

    @Test
    @DisplayName("actions keep the flow's order")
    void order() {
      Flow f = flow(1, new Trigger.Any(), new Action.Handoff(null), reply("bye"), new Action.Label("x"));
      assertThat(run(text("x"), f).orElseThrow().actions()).extracting(Action::type).containsExactly("handoff", "reply", "label");
    }
  }

  @Test
  @DisplayName("a flow read from JSON evaluates like one built in code (keyword flow end to end)")
  void fromJson() {
    Trigger t = FlowJson.trigger(new JsonObject().put("type", "keyword").put("keywords", new JsonArray().add("Price")));
    List<Action> actions = FlowJson.actions(new JsonArray().add(new JsonObject().put("type", "reply").put("text", "10 €")));
    Flow f = new Flow(1, "price", true, null, t, actions, 0);
    assertThat(run(text("what's the price?"), f)).get().extracting(FlowEvaluator.Decision::actions).isEqualTo(List.of(reply("10 €")));
  }
}
