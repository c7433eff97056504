package dev.switchboard.channel;

import dev.switchboard.support.Fixtures;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("The webhook parsers turn every Meta fixture into platform events")
class WebhookParsersTest {

  static Stream<String> webhookFixtures() throws IOException {
    try (Stream<Path> files = Files.list(Fixtures.dir())) {
      return files.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("whatsapp_") || n.startsWith("messenger_") || n.startsWith("instagram_"))
          .sorted().toList().stream();
    }
  }

  static String platformOf(String file) {
    return file.substring(0, file.indexOf('_'));
  }

  static List<PlatformEvent> events(String file) {
    String body = new String(Fixtures.bytes(file), StandardCharsets.UTF_8);
    return WebhookParsers.parse(platformOf(file), body).stream().flatMap(e -> e.events().stream()).toList();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("webhookFixtures")
  @DisplayName("every webhook fixture parses into at least one event, none of them unhandled")
  void everyFixtureParses(String file) {
    List<PlatformEvent> events = events(file);
    assertThat(events).isNotEmpty();
    assertThat(events).noneMatch(e -> e instanceof PlatformEvent.Unhandled);
  }

  @Test
  @DisplayName("WhatsApp text carries the profile name, the phone (wa_id) and the seconds timestamp")
  void whatsappText() {
    PlatformEvent.Message m = (PlatformEvent.Message) events("whatsapp_text.json").get(0);
    assertThat(m.customerId()).isEqualTo("14155550123");
    assertThat(m.customerName()).isEqualTo("Dana Whitfield");
    assertThat(m.phone()).isEqualTo("14155550123");
    assertThat(m.contentType()).isEqualTo("text");
    assertThat(m.text()).isEqualTo("Hi, is my order #1042 shipped yet?");
    assertThat(m.timestamp().getEpochSecond()).isEqualTo(1767612345L);
    assertThat(m.echo()).isFalse();
  }

  @Test
  @DisplayName("the compact wire form decodes to the same Unicode text as the pretty file")
  void nonAsciiWire() {
    PlatformEvent.Message wire = (PlatformEvent.Message) events("whatsapp_text_non_ascii.wire.json").get(0);
    PlatformEvent.Message pretty = (PlatformEvent.Message) events("whatsapp_text_non_ascii.json").get(0);
    assertThat(wire.text()).isEqualTo(pretty.text()).isEqualTo("Hola 👋 你好，世界！ مرحبا بالعالم — שלום 😀 café/naïve");
    assertThat(wire.customerName()).isEqualTo("李雷 محمد 😀");
  }

  @Test
  @DisplayName("WhatsApp media, interactive replies, template buttons and reactions map to content types, payloads and reply ids")
  void whatsappKinds() {
    PlatformEvent.Message doc = (PlatformEvent.Message) events("whatsapp_document.json").get(0);
    assertThat(doc.contentType()).isEqualTo("document");
    assertThat(doc.text()).isEqualTo("Invoice attached");
    JsonObject a = doc.attachments().getJsonObject(0);
    assertThat(a.getString("mediaId")).isEqualTo("1314159265358979");
    assertThat(a.getString("filename")).isEqualTo("invoice-1042.pdf");
    assertThat(a.getString("mimeType")).isEqualTo("application/pdf");

    PlatformEvent.Message button = (PlatformEvent.Message) events("whatsapp_interactive_button_reply.json").get(0);
    assertThat(button.contentType()).isEqualTo("interactive");
    assertThat(button.text()).isEqualTo("Request refund");
    assertThat(button.payload()).isEqualTo("refund_request");

    PlatformEvent.Message list = (PlatformEvent.Message) events("whatsapp_interactive_list_reply.json").get(0);
    assertThat(list.payload()).isEqualTo("ship_express");

    PlatformEvent.Message template = (PlatformEvent.Message) events("whatsapp_template_button.json").get(0);
    assertThat(template.contentType()).isEqualTo("button");
    assertThat(template.text()).isEqualTo("Talk to an agent");
    assertThat(template.payload()).isEqualTo("TALK_TO_AGENT");

    PlatformEvent.Message reaction = (PlatformEvent.Message) events("whatsapp_reaction.json").get(0);
    assertThat(reaction.contentType()).isEqualTo("reaction");
    assertThat(reaction.text()).isEqualTo("👍");
    assertThat(reaction.replyTo()).startsWith("wamid.GAsxNTU1MDEwMDIwMC1vdXQtYnRubXNnLTA5MDA");

    PlatformEvent.Message future = (PlatformEvent.Message) events("whatsapp_unknown_future_type.json").get(0);
    assertThat(future.contentType()).isEqualTo("unsupported");
    assertThat(future.raw().getString("type")).isEqualTo("hologram");
  }

  @Test
  @DisplayName("WhatsApp failed statuses carry the error code and message")
  void whatsappFailed() {
    PlatformEvent.Status s = (PlatformEvent.Status) events("whatsapp_status_failed_131047.json").get(0);
    assertThat(s.status()).isEqualTo("failed");
    assertThat(s.errorCode()).isEqualTo("131047");
    assertThat(s.errorMessage()).isEqualTo("Re-engagement message");
  }

  @Test
  @DisplayName("a Messenger echo belongs to the customer (the recipient), never to the page")
  void messengerEcho() {
    PlatformEvent.Message m = (PlatformEvent.Message) events("messenger_echo_business_suite.json").get(0);
    assertThat(m.echo()).isTrue();
    assertThat(m.customerId()).isEqualTo("7423918830164025");
  }

  @Test
  @DisplayName("Messenger postbacks, quick replies and watermarks; Instagram seen, unreact and deletion")
  void messagingKinds() {
    PlatformEvent.Message pb = (PlatformEvent.Message) events("messenger_postback.json").get(0);
    assertThat(pb.text()).isEqualTo("Get Started");
    assertThat(pb.payload()).isEqualTo("GET_STARTED");
    PlatformEvent.Message qr = (PlatformEvent.Message) events("messenger_quick_reply.json").get(0);
    assertThat(qr.payload()).isEqualTo("CONFIRM_SUNDAY_DELIVERY");
    PlatformEvent.Watermark d = (PlatformEvent.Watermark) events("messenger_delivery.json").get(0);
    assertThat(d.level()).isEqualTo("delivered");
    assertThat(d.watermark().toEpochMilli()).isEqualTo(1767612500120L);
    assertThat(events("instagram_seen.json").get(0)).isInstanceOf(PlatformEvent.Watermark.class);
    assertThat(events("instagram_reaction_unreact.json").get(0)).isInstanceOf(PlatformEvent.Unreact.class);
    assertThat(events("instagram_deleted.json").get(0)).isInstanceOf(PlatformEvent.Deletion.class);
    PlatformEvent.Message story = (PlatformEvent.Message) events("instagram_story_reply.json").get(0);
    assertThat(story.contentType()).isEqualTo("story");
    assertThat(story.text()).isEqualTo("Love this colour 😍 how much?");
    assertThat(story.replyTo()).isEqualTo("18011111111111111");
  }

  @Test
  @DisplayName("a WhatsApp message echo (sent from the business phone) is an echo in the customer's thread")
  void whatsappEcho() {
    String body = "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":[{\"field\":\"smb_message_echoes\",\"value\":"
        + "{\"metadata\":{\"phone_number_id\":\"118812345678901\"},\"message_echoes\":[{\"from\":\"15550100200\",\"to\":\"14155550123\","
        + "\"id\":\"wamid.echo\",\"timestamp\":\"1767612345\",\"type\":\"text\",\"text\":{\"body\":\"sent from the phone\"}}]}}]}]}";
    List<ParsedEntry> parsed = WebhookParsers.parse("whatsapp", body);
    assertThat(parsed.get(0).channelExternalId()).isEqualTo("118812345678901");
    PlatformEvent.Message m = (PlatformEvent.Message) parsed.get(0).events().get(0);
    assertThat(m.echo()).isTrue();
    assertThat(m.customerId()).isEqualTo("14155550123");
    assertThat(m.text()).isEqualTo("sent from the phone");
  }

  @Test
  @DisplayName("JSON that is not a webhook of the platform is refused with a reason")
  void notAWebhook() {
    assertThatThrownBy(() -> WebhookParsers.parse("whatsapp", "{\"object\":\"page\",\"entry\":[]}"))
        .isInstanceOf(WebhookParseException.class).hasMessageContaining("whatsapp_business_account");
    assertThatThrownBy(() -> WebhookParsers.parse("messenger", "{\"object\":\"page\",\"entry\":\"x\"}"))
        .isInstanceOf(WebhookParseException.class).hasMessageContaining("entry");
  }
}
