package dev.switchboard.channel;

import dev.switchboard.channel.whatsapp.WaIds;
import dev.switchboard.support.Fixtures;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("WhatsApp identities: phone, business-scoped user id (BSUID) and username in every shape Meta sends")
class WhatsAppIdentityParserTest {

  static final String BSUID = "US.8F3K2LQZ7WXC91HD0P5MTA";
  static final String BSUID2 = "US.Q2W9E8R7T6Y5U4I3O2P1ZX";
  static final String PARENT = "US.ENT.77004512390812";
  static final String PHONE = "14155550177";

  static List<PlatformEvent> events(String file) {
    return parse(new String(Fixtures.bytes(file), StandardCharsets.UTF_8));
  }

  static List<PlatformEvent> parse(String body) {
    return WebhookParsers.parse("whatsapp", body).stream().flatMap(e -> e.events().stream()).toList();
  }

  static <T> List<T> only(List<PlatformEvent> events, Class<T> kind) {
    return events.stream().filter(kind::isInstance).map(kind::cast).toList();
  }

  @Test
  @DisplayName("a username user without a phone: keyed by the BSUID, username without its '@', no phone")
  void usernameOnly() {
    PlatformEvent.Message m = only(events("whatsapp_text_username_only.json"), PlatformEvent.Message.class).get(0);
    assertThat(m.customerId()).isEqualTo(BSUID);
    assertThat(m.phone()).isNull();
    assertThat(m.customerName()).isEqualTo("Robin Sails");
    assertThat(m.identity()).isEqualTo(new PlatformEvent.WaIdentity(null, BSUID, null, "robin_sails"));
    assertThat(m.text()).isEqualTo("Hi, I saw your ad. Do you ship to Canada?");
  }

  @Test
  @DisplayName("phone and BSUID together: keyed by the BSUID, with the phone, the parent BSUID and the username")
  void phoneAndBsuid() {
    PlatformEvent.Message m = only(events("whatsapp_text_phone_and_user_id.json"), PlatformEvent.Message.class).get(0);
    assertThat(m.customerId()).isEqualTo(BSUID);
    assertThat(m.phone()).isEqualTo(PHONE);
    assertThat(m.identity()).isEqualTo(new PlatformEvent.WaIdentity(PHONE, BSUID, PARENT, "robin_sails"));
  }

  @Test
  @DisplayName("today's phone-only shape is unchanged: keyed by the phone")
  void phoneOnly() {
    PlatformEvent.Message m = only(events("whatsapp_text.json"), PlatformEvent.Message.class).get(0);
    assertThat(m.customerId()).isEqualTo("14155550123");
    assertThat(m.identity()).isEqualTo(new PlatformEvent.WaIdentity("14155550123", null, null, null));
  }

  @Test
  @DisplayName("one malformed message is kept raw with its reason; its neighbours in the same change still arrive")
  void badMessageIsolated() {
    JsonObject body = Fixtures.json("whatsapp_text_username_only.json");
    JsonObject value = body.getJsonArray("entry").getJsonObject(0).getJsonArray("changes").getJsonObject(0).getJsonObject("value");
    JsonObject good = value.getJsonArray("messages").getJsonObject(0);
    JsonObject noSender = good.copy().put("id", "wamid.no-sender");
    noSender.remove("from_user_id");
    JsonObject badBsuid = good.copy().put("id", "wamid.bad-bsuid").put("from_user_id", "not a bsuid");
    JsonObject second = good.copy().put("id", "wamid.second");
    value.put("messages", new JsonArray().add(noSender).add(good).add(badBsuid).add("garbage").add(second));
    value.put("statuses", new JsonArray().add(new JsonObject().put("status", "sent")));
    List<PlatformEvent> events = parse(body.encode());
    assertThat(only(events, PlatformEvent.Message.class)).extracting(PlatformEvent.Message::externalId)
        .containsExactly(good.getString("id"), "wamid.second");
    List<PlatformEvent.Malformed> kept = only(events, PlatformEvent.Malformed.class);
    assertThat(kept).hasSize(4);
    assertThat(kept.get(0).reason()).contains("neither 'from' nor 'from_user_id'");
    assertThat(kept.get(0).json().getString("id")).isEqualTo("wamid.no-sender");
    assertThat(kept.get(1).reason()).contains("business-scoped user id");
    assertThat(kept).extracting(PlatformEvent.Malformed::reason).anyMatch(r -> r.contains("not an object"))
        .anyMatch(r -> r.contains("statuses") && r.contains("'id'"));
  }

  @Test
  @DisplayName("user_id_update moves previous to current")
  void userIdUpdate() {
    List<PlatformEvent.IdentityChange> c = only(events("whatsapp_user_id_update.json"), PlatformEvent.IdentityChange.class);
    assertThat(c).containsExactly(new PlatformEvent.IdentityChange(BSUID, PHONE, BSUID2, null, null));
  }

  @Test
  @DisplayName("system messages: shown in the thread and moving the contact (new BSUID; new phone)")
  void systemMessages() {
    List<PlatformEvent> byId = events("whatsapp_system_user_changed_user_id.json");
    PlatformEvent.Message shown = only(byId, PlatformEvent.Message.class).get(0);
    assertThat(shown.contentType()).isEqualTo("system");
    assertThat(shown.text()).contains("changed");
    assertThat(only(byId, PlatformEvent.IdentityChange.class))
        .containsExactly(new PlatformEvent.IdentityChange(BSUID, null, BSUID2, null, null));
    List<PlatformEvent> byNumber = events("whatsapp_system_user_changed_number.json");
    assertThat(only(byNumber, PlatformEvent.Message.class).get(0).text()).isEqualTo("User Robin Sails changed from 14155550177 to 14155550188");
    assertThat(only(byNumber, PlatformEvent.IdentityChange.class))
        .containsExactly(new PlatformEvent.IdentityChange(BSUID, PHONE, null, "14155550188", null));
  }

  @Test
  @DisplayName("statuses: only recipient_user_id applies; pricing kept with new values; phone + BSUID link the two; both parent names")
  void statuses() {
    List<PlatformEvent> sent = events("whatsapp_status_sent_user_id_only.json");
    PlatformEvent.Status s = only(sent, PlatformEvent.Status.class).get(0);
    assertThat(s.status()).isEqualTo("sent");
    assertThat(s.pricing()).isEqualTo(new JsonObject().put("billable", false).put("pricing_model", "PMP")
        .put("type", "free_customer_service").put("category", "service"));
    assertThat(only(sent, PlatformEvent.IdentityChange.class)).isEmpty();
    assertThat(only(sent, PlatformEvent.Unhandled.class)).isEmpty();
    List<PlatformEvent> delivered = events("whatsapp_status_delivered_pricing.json");
    assertThat(only(delivered, PlatformEvent.Status.class).get(0).pricing().getString("category")).isEqualTo("marketing_lite");
    assertThat(only(delivered, PlatformEvent.IdentityChange.class))
        .containsExactly(new PlatformEvent.IdentityChange(null, null, BSUID, PHONE, PARENT));
    PlatformEvent.Status failed = only(events("whatsapp_status_failed_131049.json"), PlatformEvent.Status.class).get(0);
    assertThat(failed.status()).isEqualTo("failed");
    assertThat(failed.errorCode()).isEqualTo("131049");
  }

  @Test
  @DisplayName("the answer to a contact-info request gives the sender's phone")
  void contactRequestAnswer() {
    List<PlatformEvent> e = events("whatsapp_contacts_contact_request.json");
    assertThat(only(e, PlatformEvent.Message.class).get(0).contentType()).isEqualTo("contacts");
    assertThat(only(e, PlatformEvent.IdentityChange.class))
        .containsExactly(new PlatformEvent.IdentityChange(BSUID, null, null, PHONE, null));
  }

  @Test
  @DisplayName("a media object's url is kept with the attachment")
  void mediaUrl() {
    JsonObject a = only(events("whatsapp_image_url.json"), PlatformEvent.Message.class).get(0).attachments().getJsonObject(0);
    assertThat(a.getString("url")).startsWith("https://lookaside.fbsbx.com/");
    assertThat(a.getString("mediaId")).isEqualTo("1298745530099999");
  }

  @Test
  @DisplayName("BSUIDs, parent BSUIDs, phones and usernames are checked")
  void validation() {
    assertThat(WaIds.isBsuid("US.13491208655302741918")).isTrue();
    assertThat(WaIds.isBsuid("US.ENT.11815799212886844830")).isTrue();
    assertThat(WaIds.isBsuid("US." + "a".repeat(128))).isTrue();
    assertThat(WaIds.isBsuid("US." + "a".repeat(129))).isFalse();
    assertThat(WaIds.isBsuid("USA.123")).isFalse();
    assertThat(WaIds.isBsuid("US.")).isFalse();
    assertThat(WaIds.isBsuid("US.12-34")).isFalse();
    assertThat(WaIds.isBsuid("14155550123")).isFalse();
    assertThat(WaIds.isPhone("14155550123")).isTrue();
    assertThat(WaIds.isPhone("+14155550123")).isFalse();
    assertThat(WaIds.username("@bob.builder")).isEqualTo("bob.builder");
    assertThat(WaIds.username("bob_1")).isEqualTo("bob_1");
    assertThat(WaIds.username("@")).isNull();
    assertThat(WaIds.username("bob<script>")).isNull();
    assertThat(WaIds.username("b".repeat(65))).isNull();
  }
}
