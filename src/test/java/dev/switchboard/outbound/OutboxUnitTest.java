package dev.switchboard.outbound;

import dev.switchboard.common.Backoff;

import dev.switchboard.channel.Sender;
import dev.switchboard.common.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Splitting replies into Graph calls, template rendering, backoff and early statuses")
class OutboxUnitTest {

  static final Sender.Attachment PDF = new Sender.Attachment("https://x.test/a.pdf", "application/pdf", "a.pdf");
  static final Sender.Attachment PNG = new Sender.Attachment("https://x.test/b.png", "image/png", null);
  static final Sender.Attachment OGG = new Sender.Attachment("https://x.test/c.ogg", "audio/ogg", null);

  @Test
  @DisplayName("WhatsApp captions the first attachment; audio or a long text goes first on its own")
  void whatsappUnits() {
    assertThat(Outbox.units("whatsapp", "hi", List.of())).containsExactly(new Outbox.Unit("hi", null));
    assertThat(Outbox.units("whatsapp", "see attached", List.of(PDF, PNG)))
        .containsExactly(new Outbox.Unit("see attached", PDF), new Outbox.Unit(null, PNG));
    assertThat(Outbox.units("whatsapp", "listen", List.of(OGG)))
        .containsExactly(new Outbox.Unit("listen", null), new Outbox.Unit(null, OGG));
    String longText = "x".repeat(1025);
    assertThat(Outbox.units("whatsapp", longText, List.of(PNG)))
        .containsExactly(new Outbox.Unit(longText, null), new Outbox.Unit(null, PNG));
    assertThat(Outbox.units("whatsapp", null, List.of(PNG))).containsExactly(new Outbox.Unit(null, PNG));
  }

  @Test
  @DisplayName("Messenger and Instagram send the text, then each attachment")
  void messengerUnits() {
    assertThat(Outbox.units("messenger", "label", List.of(PNG, PDF)))
        .containsExactly(new Outbox.Unit("label", null), new Outbox.Unit(null, PNG), new Outbox.Unit(null, PDF));
    assertThat(Outbox.units("instagram", " ", List.of(PNG))).containsExactly(new Outbox.Unit(null, PNG));
  }

  @Test
  @DisplayName("template bodies take their numbered parameters; a wrong count is refused")
  void templateRender() {
    assertThat(Templates.render("Order {{1}} ships {{2}}; again {{1}}", List.of("#1", "today"))).isEqualTo("Order #1 ships today; again #1");
    assertThat(Templates.render("No parameters", List.of())).isEqualTo("No parameters");
    assertThatThrownBy(() -> Templates.render("Order {{1}}", List.of())).isInstanceOf(ApiException.class)
        .extracting(e -> ((ApiException) e).code()).isEqualTo("invalid_parameters");
    assertThatThrownBy(() -> Templates.render("Hi {{1}}, order {{2}} and {{3}}", List.of("Ann", "", " ")))
        .isInstanceOf(ApiException.class).hasMessageContaining("{{2}}, {{3}}").hasMessageNotContaining("{{1}}");
    JsonArray list = new JsonArray().add(new JsonObject().put("name", "a").put("language", "en").put("body", "x"));
    assertThat(Templates.find(list, "a", "en").getString("body")).isEqualTo("x");
    assertThatThrownBy(() -> Templates.find(list, "a", "de")).isInstanceOf(ApiException.class);
  }

  @Test
  @DisplayName("backoff doubles per attempt with jitter between half and all of it, capped at a minute")
  void backoff() {
    for (int i = 0; i < 50; i++) {
      assertThat(Backoff.delayMs(100, 1)).isBetween(50L, 100L);
      assertThat(Backoff.delayMs(100, 3)).isBetween(200L, 400L);
      assertThat(Backoff.delayMs(100, 40)).isBetween(30_000L, 60_000L);
    }
  }

  @Test
  @DisplayName("early statuses move forward only; failed replaces sent but never a delivery")
  void earlyStatuses() {
    OutboxVerticle.EarlyStatus sent = new OutboxVerticle.EarlyStatus("sent", null, null);
    assertThat(sent.then("read", null, null).then("delivered", null, null).status()).isEqualTo("read");
    assertThat(sent.then("failed", "131047", "Re-engagement message").status()).isEqualTo("failed");
    assertThat(sent.then("delivered", null, null).then("failed", "1", "x").status()).isEqualTo("delivered");
    assertThat(sent.then("failed", "1", "x").then("read", null, null).code()).isEqualTo("1");
  }

  @Test
  @DisplayName("text checks: empty without attachments is 400, over the limit is 422 text_too_long")
  void textChecks() {
    assertThatThrownBy(() -> Outbox.checkText("whatsapp", " ", false)).extracting(e -> ((ApiException) e).status()).isEqualTo(400);
    Outbox.checkText("whatsapp", null, true);
    Outbox.checkText("instagram", "é".repeat(1000), false);
    assertThatThrownBy(() -> Outbox.checkText("instagram", "é".repeat(1001), false))
        .extracting(e -> ((ApiException) e).code()).isEqualTo("text_too_long");
  }
}
