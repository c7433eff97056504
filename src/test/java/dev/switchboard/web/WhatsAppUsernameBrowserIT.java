package dev.switchboard.web;

import dev.switchboard.support.FakeGraph;
import dev.switchboard.support.Fixtures;
import dev.switchboard.support.Requires;
import dev.switchboard.support.Webhooks;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The inbox with a WhatsApp customer known only by username, in headless Chromium")
class WhatsAppUsernameBrowserIT {

  @RegisterExtension
  static final Requires CHROMIUM = Browser.REQUIRED;

  @RegisterExtension
  final ScreenshotOnFailure onFailure = new ScreenshotOnFailure(() -> page);

  static final String BSUID = "US.BROWSER0USERNAME01";
  static final String PHONE = "14155559001";
  static BrowserFixture f;
  static Browser page;

  @BeforeAll
  static void start() {
    f = new BrowserFixture(new JsonObject());
    page = f.browser().login(f.account.adminEmail(), f.account.password());
  }

  @AfterAll
  static void stop() {
    if (f != null) {
      f.close();
    }
  }

  /** A sample with this test's customer and a current timestamp. */
  static JsonObject sample(String file) {
    return sample(file, BSUID, PHONE, "robin_browser", "Robin Browser");
  }

  static JsonObject sample(String file, String bsuid, String phone, String username, String name) {
    String s = new String(Fixtures.bytes(file), java.nio.charset.StandardCharsets.UTF_8)
        .replace("US.8F3K2LQZ7WXC91HD0P5MTA", bsuid).replace("14155550177", phone).replace("robin_sails", username)
        .replace("\"Robin Sails\"", "\"" + name + "\"").replace("\"wamid.", "\"wamid." + username + ".");
    JsonObject body = new JsonObject(s);
    body.getJsonArray("entry").getJsonObject(0).getJsonArray("changes").getJsonObject(0).getJsonObject("value")
        .getJsonArray("messages").getJsonObject(0).put("timestamp", String.valueOf(System.currentTimeMillis() / 1000));
    return body;
  }

  @Test
  @DisplayName("@username where there is no phone; search by @username; Request phone number sends request_contact_info; the answer fills the phone")
  void usernameCustomer() {
    page.open("/");
    page.waitUntil("the inbox", () -> page.visible("agent-name"));
    page.waitLive();
    Webhooks.post(f.http, "whatsapp", sample("whatsapp_text_username_only.json"));
    page.click("tab-all");
    page.waitUntil("the username in the list", () -> page.all("[data-testid='conv-username']").stream()
        .anyMatch(e -> e.getText().equals("@robin_browser")));
    page.openConversation("Robin Browser");
    page.waitUntil("the username in the thread head", () -> page.text("thread-username").contains("@robin_browser"));
    page.waitUntil("the username in the contact pane", () -> "@robin_browser".equals(page.text("contact-username")));
    assertThat(page.text("contact-phone")).isEqualTo("—");
    assertThat(page.text("contact-user-id")).isEqualTo(BSUID);
    page.screenshot("username-01-contact");

    page.click("request-phone");
    List<FakeGraph.Call> sends = page.waitFor("the request at the Graph API", () -> {
      List<FakeGraph.Call> c = f.graph.calls("POST", "/" + Webhooks.WA_PHONE_NUMBER_ID + "/messages");
      return c.isEmpty() ? null : c;
    });
    JsonObject body = sends.get(0).json();
    assertThat(body.getString("recipient")).isEqualTo(BSUID);
    assertThat(body.containsKey("to")).isFalse();
    assertThat(body.getJsonObject("interactive").getString("type")).isEqualTo("request_contact_info");

    // WhatsApp's delivered status with pricing shows on the request in the thread, as text
    String conv = f.conversationOf(BSUID);
    String wamid = BrowserFixture.eventually("the request's platform id", () -> f.api().get("/api/v1/conversations/" + conv + "/messages").items()
        .stream().map(JsonObject.class::cast).filter(m -> "out".equals(m.getString("direction")))
        .map(m -> m.getString("externalId")).filter(java.util.Objects::nonNull).findFirst().orElse(null));
    JsonObject delivered = Webhooks.whatsappStatus("whatsapp_status_delivered_pricing.json", wamid, null, null);
    JsonObject status = Webhooks.whatsappValue(delivered).getJsonArray("statuses").getJsonObject(0);
    status.remove("recipient_id");
    status.put("recipient_user_id", BSUID);
    Webhooks.whatsappValue(delivered).remove("contacts");
    Webhooks.post(f.http, "whatsapp", delivered);
    page.waitUntil("the pricing beside the ticks", () -> page.visible("message-pricing"));
    var pricing = page.el("message-pricing");
    assertThat(pricing.getText()).contains("Marketing lite · billable");
    assertThat(pricing.getAttribute("textContent")).isEqualTo("WhatsApp pricing: Marketing lite · billable (pricing model PMP, type regular)");
    assertThat(pricing.getAttribute("style")).isNullOrEmpty();
    assertThat(page.css("[data-testid='message'][data-status='delivered']").findElements(Browser.tid("message-pricing"))).hasSize(1);

    Webhooks.post(f.http, "whatsapp", sample("whatsapp_contacts_contact_request.json"));
    page.waitUntil("the phone from the answer", () -> PHONE.equals(page.text("contact-phone")));
    page.waitUntil("no more request button", () -> !page.visible("request-phone"));
    page.screenshot("username-02-phone-filled");

    page.type("search-input", "@robin_browser");
    page.waitUntil("the search finds the customer", () -> page.listed("Robin Browser")
        && page.all("[data-testid='conv-item']").size() == 1);
  }

  @Test
  @DisplayName("the open conversation merged into the customer's other one: the list keeps one, the thread shows the survivor with every message")
  void mergedWhileOpen() {
    page.open("/");
    page.waitUntil("the inbox", () -> page.visible("agent-name"));
    page.waitLive();
    String bsuid = "US.BROWSER0MERGE0001";
    String phone = "14155559002";
    Webhooks.post(f.http, "whatsapp", sample("whatsapp_text_username_only.json", bsuid, phone, "mia_merge", "Mia Merge"));
    f.conversationOf(bsuid);
    Webhooks.whatsappText(f.http, phone, "Mia by phone", "my phone writes too");
    page.click("tab-all");
    page.openConversation("Mia by phone");
    Webhooks.post(f.http, "whatsapp", sample("whatsapp_text_phone_and_user_id.json", bsuid, phone, "mia_merge", "Mia Merge"));
    page.waitUntil("the merged thread open with both histories", () -> page.all("[data-testid='message-text']").stream()
        .map(org.openqa.selenium.WebElement::getText).toList()
        .containsAll(List.of("Hi, I saw your ad. Do you ship to Canada?", "my phone writes too", "Here I am again, now with my number.")));
    page.waitUntil("one conversation left for Mia", () -> page.all("[data-testid='conv-item']").stream()
        .filter(e -> e.getText().contains("Mia")).count() == 1);
  }
}
