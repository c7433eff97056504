package dev.switchboard.channel;

import dev.switchboard.support.Fixtures;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Graph API request bodies and error classification")
class SenderTest {

  @Test
  @DisplayName("a WhatsApp text with a reply context is exactly send_request_whatsapp_text.json")
  void whatsappText() {
    JsonObject expected = Fixtures.json("send_request_whatsapp_text.json");
    Sender.Outgoing m = new Sender.Outgoing("+14155550123", "Your order #1042 shipped today.", null, null, List.of(), null,
        expected.getJsonObject("context").getString("message_id"), "outbox:1");
    assertThat(Sender.of("whatsapp").body(m)).isEqualTo(expected);
    assertThat(Sender.of("whatsapp").path("118812345678901")).isEqualTo("/118812345678901/messages");
  }

  @Test
  @DisplayName("a WhatsApp template is exactly send_request_whatsapp_template.json")
  void whatsappTemplate() {
    Sender.Outgoing m = new Sender.Outgoing("14155550123", "ignored", null,
        new Sender.Template("order_update", "en_US", List.of("#1042")), List.of(), null, null, null);
    assertThat(Sender.of("whatsapp").body(m)).isEqualTo(Fixtures.json("send_request_whatsapp_template.json"));
  }

  @Test
  @DisplayName("a WhatsApp document by link carries filename and caption as send_request_whatsapp_document.json")
  void whatsappDocument() {
    Sender.Outgoing m = new Sender.Outgoing("14155550123", "Return authorisation",
        new Sender.Attachment("https://files.example.com/returns/RMA-1042.pdf", "application/pdf", "RMA-1042.pdf"),
        null, List.of(), null, null, null);
    assertThat(Sender.of("whatsapp").body(m)).isEqualTo(Fixtures.json("send_request_whatsapp_document.json"));
  }

  @Test
  @DisplayName("a WhatsApp image goes by link with its caption (the fixture's media id replaced by link)")
  void whatsappImage() {
    Sender.Outgoing m = new Sender.Outgoing("14155550123", "Replacement label",
        new Sender.Attachment("https://files.example.com/img/label.png", "image/png", null), null, List.of(), null, null, null);
    JsonObject expected = Fixtures.json("send_request_whatsapp_image.json");
    expected.getJsonObject("image").remove("id");
    expected.getJsonObject("image").put("link", "https://files.example.com/img/label.png");
    assertThat(Sender.of("whatsapp").body(m)).isEqualTo(expected);
  }

  @Test
  @DisplayName("Messenger: RESPONSE with metadata, HUMAN_AGENT tag, URL attachment exactly as the fixtures")
  void messenger() {
    Sender s = Sender.of("messenger");
    assertThat(s.path("361442187745120")).isEqualTo("/me/messages");
    assertThat(s.body(new Sender.Outgoing("7423918830164025", "Yes, we deliver on Sundays.", null, null, List.of(), null, null,
        "outbox:7f3a9c21"))).isEqualTo(Fixtures.json("send_request_messenger_response.json"));
    JsonObject human = s.body(new Sender.Outgoing("7423918830164025", "Sorry for the delay - your refund was approved today.",
        null, null, List.of(), "HUMAN_AGENT", null, null));
    assertThat(human).isEqualTo(Fixtures.json("send_request_messenger_human_agent.json"));
    JsonObject attachment = s.body(new Sender.Outgoing("7423918830164025", null,
        new Sender.Attachment("https://files.example.com/img/label.png", "image/png", null), null, List.of(), null, null, null));
    assertThat(attachment).isEqualTo(Fixtures.json("send_request_messenger_attachment_url.json"));
    assertThat(s.messageId(Fixtures.json("send_response_messenger.json"))).startsWith("m_SENT");
  }

  @Test
  @DisplayName("Instagram: a standard text and a HUMAN_AGENT text exactly as the fixtures")
  void instagram() {
    Sender s = Sender.of("instagram");
    assertThat(s.body(new Sender.Outgoing("1254477777772919", "Yes! Size M is in stock.", null, null, List.of(), null, null, "outbox:9")))
        .isEqualTo(Fixtures.json("send_request_instagram_text.json"));
    assertThat(s.body(new Sender.Outgoing("1254477777772919", "Following up on your exchange request.", null, null, List.of(),
        "HUMAN_AGENT", null, null))).isEqualTo(Fixtures.json("send_request_instagram_human_agent.json"));
    assertThat(s.messageId(Fixtures.json("send_response_instagram.json"))).startsWith("aWdf");
  }

  @Test
  @DisplayName("quick replies become WhatsApp reply buttons (a list past 3) and Messenger/Instagram quick_replies")
  void quickReplies() {
    List<Sender.QuickReply> two = List.of(new Sender.QuickReply("Yes", "YES"), new Sender.QuickReply("No", "NO"));
    JsonObject wa = Sender.of("whatsapp").body(new Sender.Outgoing("1", "Continue?", null, null, two, null, null, null));
    assertThat(wa.getString("type")).isEqualTo("interactive");
    assertThat(wa.getJsonObject("interactive").getString("type")).isEqualTo("button");
    assertThat(wa.getJsonObject("interactive").getJsonObject("body").getString("text")).isEqualTo("Continue?");
    assertThat(wa.getJsonObject("interactive").getJsonObject("action").getJsonArray("buttons").getJsonObject(1))
        .isEqualTo(new JsonObject().put("type", "reply").put("reply", new JsonObject().put("id", "NO").put("title", "No")));
    List<Sender.QuickReply> four = List.of(new Sender.QuickReply("A", "a"), new Sender.QuickReply("B", "b"),
        new Sender.QuickReply("C", "c"), new Sender.QuickReply("D", "d"));
    JsonObject list = Sender.of("whatsapp").body(new Sender.Outgoing("1", "Pick", null, null, four, null, null, null));
    assertThat(list.getJsonObject("interactive").getString("type")).isEqualTo("list");
    JsonObject ms = Sender.of("messenger").body(new Sender.Outgoing("2", "Continue?", null, null, two, null, null, null));
    assertThat(ms.getJsonObject("message").getJsonArray("quick_replies").getJsonObject(0))
        .isEqualTo(new JsonObject().put("content_type", "text").put("title", "Yes").put("payload", "YES"));
    assertThat(ms.getJsonObject("message").getString("text")).isEqualTo("Continue?");
  }

  @ParameterizedTest(name = "{0} -> {1} ({2})")
  @CsvSource({
      "error_graph_4_app_rate_limit.json, RETRY, 4",
      "error_messenger_613_rate_limit.json, RETRY, 613",
      "error_whatsapp_130429_throughput.json, RETRY, 130429",
      "error_whatsapp_131056_pair_rate_limit.json, RETRY, 131056",
      "error_whatsapp_80007_waba_rate_limit.json, RETRY, 80007",
      "error_whatsapp_131047_window_expired.json, WINDOW, window_closed",
      "error_messenger_10_2018278_window.json, WINDOW, window_closed",
      "error_instagram_10_2534022_window.json, WINDOW, window_closed",
      "error_graph_190_463_token_expired.json, TOKEN, 190",
      "error_whatsapp_190_invalid_token.json, TOKEN, 190",
      "error_messenger_551_1545041_unavailable.json, PERMANENT, 551",
  })
  @DisplayName("each Graph error fixture is classified")
  void classify(String fixture, GraphErrors.Kind kind, String reason) {
    GraphErrors.GraphError e = GraphErrors.classify(400, new String(Fixtures.bytes(fixture)));
    assertThat(e.kind()).isEqualTo(kind);
    assertThat(e.reasonCode()).isEqualTo(reason);
    assertThat(e.message()).isEqualTo(Fixtures.json(fixture).getJsonObject("error").getString("message")
        + (Fixtures.json(fixture).getJsonObject("error").getJsonObject("error_data") == null ? ""
        : ": " + Fixtures.json(fixture).getJsonObject("error").getJsonObject("error_data").getString("details")));
  }

  @Test
  @DisplayName("5xx and 429 without a Graph body retry; a plain 400 does not; no answer retries")
  void httpStatuses() {
    assertThat(GraphErrors.classify(500, "<html>oops</html>").kind()).isEqualTo(GraphErrors.Kind.RETRY);
    assertThat(GraphErrors.classify(503, "").reasonCode()).isEqualTo("http_503");
    assertThat(GraphErrors.classify(429, null).kind()).isEqualTo(GraphErrors.Kind.RETRY);
    assertThat(GraphErrors.classify(400, "{\"error\":{\"code\":100,\"message\":\"Invalid parameter\"}}").kind())
        .isEqualTo(GraphErrors.Kind.PERMANENT);
    assertThat(GraphErrors.noAnswer(new java.util.concurrent.TimeoutException("timed out")).kind()).isEqualTo(GraphErrors.Kind.RETRY);
  }

  @Test
  @DisplayName("the text limits are Instagram 1000, Messenger 2000, WhatsApp 4096")
  void limits() {
    assertThat(Sender.textLimit("instagram")).isEqualTo(1000);
    assertThat(Sender.textLimit("messenger")).isEqualTo(2000);
    assertThat(Sender.textLimit("whatsapp")).isEqualTo(4096);
  }
}
