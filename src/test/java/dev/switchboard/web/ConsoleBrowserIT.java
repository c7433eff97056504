package dev.switchboard.web;

import dev.switchboard.support.Http;
import dev.switchboard.support.Requires;
import dev.switchboard.support.Seed;
import dev.switchboard.support.Webhooks;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebElement;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.switchboard.web.Browser.tid;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin's console beyond its first sections: Integrations (API keys, webhook endpoints with a
 * test event and the delivery log), and an API key's messages named in the inbox. One node, one
 * receiver and one admin page for the class.
 */
@DisplayName("The admin's console: integrations and the console actions added to Settings")
class ConsoleBrowserIT {

  @RegisterExtension
  static final Requires CHROMIUM = Browser.REQUIRED;

  @RegisterExtension
  final ScreenshotOnFailure onFailure = new ScreenshotOnFailure(() -> page);

  static BrowserFixture f;
  static Browser page;
  /** A second admin's page: sees the first one's changes live. */
  static Browser second;
  static HttpServer receiver;
  /** [Switchboard-Event-Id, Switchboard-Timestamp, Switchboard-Signature, body] of each POST received. */
  static final List<String[]> received = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    f = new BrowserFixture(new JsonObject().put("OUTGOING_WEBHOOKS_ALLOW_PRIVATE", true).put("OUTGOING_WEBHOOK_POLL_MS", 100));
    receiver = f.vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      received.add(new String[] {req.getHeader("Switchboard-Event-Id"), req.getHeader("Switchboard-Timestamp"),
          req.getHeader("Switchboard-Signature"), body.toString(StandardCharsets.UTF_8)});
      req.response().setStatusCode(200).end("thanks");
    })).listen(0, "127.0.0.1").await();
    page = f.browser().login(f.account.adminEmail(), f.account.password());
    second = f.browser().login(f.account.adminEmail(), f.account.password());
  }

  @AfterAll
  static void stop() {
    if (receiver != null) {
      receiver.close().await();
    }
    if (f != null) {
      f.close();
    }
  }

  static void section(Browser b, String key) {
    b.open("/#/settings/" + key);
    b.waitUntil("section " + key, () -> b.visible("settings-" + key)
        && b.all(".set-body .muted").stream().noneMatch(e -> e.getText().equals("Loading…")));
  }

  static WebElement row(Browser b, String testid, String attribute, String value) {
    return b.waitFor(testid + " " + value, () -> b.all("[data-testid='" + testid + "']").stream()
        .filter(r -> value.equals(r.getAttribute(attribute))).findFirst().orElse(null));
  }

  /** The secret the dialog shows once (copy box {@code testid}), read, pictured, and the dialog closed. */
  static String shownOnce(String testid, String screenshot) {
    page.waitUntil(testid, () -> page.visible(testid + "-shown"));
    String secret = page.el(testid).getAttribute("value");
    page.screenshot(screenshot);
    page.click("modal-cancel");
    return secret;
  }

  static boolean verifies(String[] hit, String secret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      String expected = "v1=" + HexFormat.of().formatHex(mac.doFinal((hit[1] + "." + hit[3]).getBytes(StandardCharsets.UTF_8)));
      return List.of(hit[2].split(",")).contains(expected);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  @DisplayName("an admin makes an API key with scopes, copies it once, sees it listed and revokes it: it answers 401 at once")
  void apiKeys() {
    section(page, "integrations");
    page.click("key-new");
    page.type("nk-name", "Order system");
    page.click("nk-scope-send");
    page.screenshot("console-01-new-key");
    page.click("nk-save");
    String secret = shownOnce("key-secret", "console-02-key-shown-once");
    assertThat(secret).matches("sbk_[A-Za-z0-9_-]{43}");

    WebElement listed = row(page, "key-row", "data-name", "Order system");
    assertThat(listed.findElement(tid("key-scopes")).getText()).isEqualTo("read, send");
    assertThat(listed.getText()).doesNotContain(secret);
    assertThat(f.http.as(secret).get("/api/v1/conversations").status()).isEqualTo(200);

    listed.findElement(tid("key-revoke")).click();
    page.click("key-revoke-confirm");
    page.waitUntil("the key gone from the list", () -> page.all("[data-testid='key-row'][data-name='Order system']").isEmpty());
    assertThat(f.http.as(secret).get("/api/v1/conversations").status()).isEqualTo(401);
  }

  @Test
  @DisplayName("an admin adds a webhook endpoint for some events, sends a test event that arrives signed, reads the log, resends, disables and rotates")
  void webhookEndpoint() {
    String url = "http://127.0.0.1:" + receiver.actualPort() + "/crm";
    section(page, "integrations");
    page.click("endpoint-new");
    page.type("ne-url", url);
    page.type("ne-description", "CRM");
    page.click("ne-all");
    page.css("[data-testid='ne-event'][data-type='message.created']").click();
    page.screenshot("console-03-new-endpoint");
    page.click("ne-save");
    String secret = shownOnce("endpoint-secret", "console-03b-endpoint-secret");
    assertThat(secret).startsWith("whsec_");

    WebElement card = row(page, "endpoint-card", "data-id", endpointId(url));
    assertThat(card.findElement(tid("endpoint-events")).getText()).isEqualTo("message.created");
    assertThat(card.findElement(tid("endpoint-status")).getText()).isEqualToIgnoringCase("Enabled");
    card.findElement(tid("endpoint-test")).click();
    page.waitUntil("the test's outcome", () -> card.findElement(tid("endpoint-result")).getText().startsWith("Test event delivered: HTTP 200"));
    String[] hit = received.get(received.size() - 1);
    assertThat(hit[0]).startsWith("test_");
    assertThat(new JsonObject(hit[3]).getString("type")).isEqualTo("webhook.test");
    assertThat(verifies(hit, secret)).as("signed with the secret shown once").isTrue();

    card.findElement(tid("delivery-toggle")).click();
    WebElement logged = page.waitFor("the log row", () -> card.findElements(tid("delivery-row")).stream().findFirst().orElse(null));
    assertThat(logged.getAttribute("data-event")).isEqualTo(hit[0]);
    assertThat(logged.findElement(tid("delivery-response")).getText()).isEqualTo("thanks");
    page.screenshot("console-04-delivery-log");
    int before = received.size();
    logged.findElement(tid("delivery-resend")).click();
    page.waitUntil("the resend", () -> received.size() == before + 1 && card.findElements(tid("delivery-row")).size() == 2);
    assertThat(received.get(before)[0]).isEqualTo(hit[0]);

    card.findElement(tid("endpoint-toggle")).click();
    WebElement off = page.waitFor("disabled", () -> {
      WebElement c = row(page, "endpoint-card", "data-id", endpointId(url));
      return c.findElement(tid("endpoint-status")).getText().equalsIgnoreCase("Disabled") ? c : null;
    });
    assertThat(off.findElement(tid("endpoint-reason")).getText()).contains("disabled by");
    off.findElement(tid("endpoint-rotate")).click();
    page.click("endpoint-rotate-confirm");
    String rotated = shownOnce("endpoint-secret", "console-05-rotated");
    assertThat(rotated).startsWith("whsec_").isNotEqualTo(secret);
    row(page, "endpoint-card", "data-id", endpointId(url)).findElement(tid("endpoint-toggle")).click();
    page.waitUntil("enabled again", () -> row(page, "endpoint-card", "data-id", endpointId(url))
        .findElement(tid("endpoint-status")).getText().equalsIgnoreCase("Enabled"));
  }

  static String endpointId(String url) {
    return f.api().get("/api/v1/webhook-endpoints").items().stream().map(o -> (JsonObject) o)
        .filter(e -> url.equals(e.getString("url"))).findFirst().orElseThrow().getString("id");
  }

  @Test
  @DisplayName("a message an API key sent shows as \"API: <name>\" in the inbox, not as an agent's")
  void apiSenderInTheInbox() {
    Webhooks.whatsappText(f.http, "14155550777", "Key Customer", "where is my order?");
    String conv = f.conversationOf("14155550777");
    String secret = f.api().post("/api/v1/api-keys", new JsonObject().put("name", "Order bot")
        .put("scopes", new io.vertx.core.json.JsonArray().add("send").add("read"))).json().getString("secret");
    Http.Res sent = f.http.as(secret).post("/api/v1/conversations/" + conv + "/messages", new JsonObject().put("type", "note").put("text", "Order 42 ships today"));
    assertThat(sent.status()).as(sent.text()).isIn(200, 201, 202);
    // this page was open before the key was made: it learns the key's name when it meets its message
    Browser b = second;
    b.open("/#/all/" + conv);
    b.waitUntil("the note's sender named after the key", () -> b.all("[data-testid='message-sender']").stream()
        .map(WebElement::getText).anyMatch("API: Order bot"::equals));
    assertThat(b.all("[data-testid='message-sender']").stream().map(WebElement::getText)).doesNotContain("Agent");
  }

  @Test
  @DisplayName("the new screens: no serious or critical axe-core violation and nothing sideways at 360 px and at desktop width")
  void accessibilityAndWidths() {
    Browser b = second;
    for (int[] size : new int[][] {{1280, 900}, {360, 740}}) {
      b.driver.manage().window().setSize(new Dimension(size[0], size[1]));
      if (size[0] == 1280) {
        f.api().post("/api/v1/webhook-endpoints", new JsonObject().put("url", "http://127.0.0.1:" + receiver.actualPort() + "/a11y")
            .put("events", new io.vertx.core.json.JsonArray().add("*")).put("description", "axe"));
        f.api().post("/api/v1/api-keys", new JsonObject().put("name", "Axe key").put("scopes", new io.vertx.core.json.JsonArray().add("read")));
      }
      for (String key : List.of("integrations")) {
        section(b, key);
        b.all("[data-testid='delivery-toggle']").forEach(WebElement::click);
        assertThat(AgentDayBrowserIT.axe(b)).as(key + " at " + size[0]).isEmpty();
        assertThat(SettingsBrowserIT.overflowing(b)).as("elements wider than the window, " + key + " at " + size[0]).isEmpty();
        AgentDayBrowserIT.noSideways(b, key + " at " + size[0]);
        b.screenshot("console-" + size[0] + "-" + key);
      }
      for (String dialog : List.of("key-new", "endpoint-new", "channel-disconnect", "flow-new", "sr-new")) {
        section(b, dialog.startsWith("channel") ? "channels" : dialog.startsWith("flow") ? "flows"
            : dialog.startsWith("sr") ? "saved-replies" : "integrations");
        b.click(dialog);
        b.waitUntil("the dialog", () -> b.visible("modal"));
        assertThat(AgentDayBrowserIT.axe(b)).as(dialog + " at " + size[0]).isEmpty();
        b.screenshot("console-" + size[0] + "-" + dialog);
        b.click("modal-cancel");
      }
    }
    b.driver.manage().window().setSize(new Dimension(1280, 900));
    assertThat(Seed.scalar(f.db, "SELECT count(*) FROM api_keys WHERE name = 'Axe key'")).isEqualTo(1);
  }

  @Test
  @DisplayName("disconnecting a channel asks first; another admin's open page shows it Disconnected live; it is connected again with Meta's check")
  void disconnectAndReconnect() {
    long ig = Seed.channel(f.db, f.account.accountId(), "instagram", "990000777");
    f.graph.ownsInstagram("token-990000777", "990000700", "990000777", "Shop IG");
    section(page, "channels");
    section(second, "channels");
    SettingsBrowserIT.channelCard(page, "990000777").findElement(tid("channel-disconnect")).click();
    page.waitUntil("the question", () -> page.visible("disconnect-confirm"));
    page.screenshot("console-06-disconnect-asked");
    assertThat(Seed.scalar(f.db, "SELECT count(*) FROM channels WHERE id = ? AND disconnected_at IS NULL", ig)).as("nothing happens before the answer").isEqualTo(1);
    page.click("disconnect-confirm");
    page.waitUntil("Disconnected", () -> SettingsBrowserIT.channelCard(page, "990000777").findElement(tid("channel-status")).getText().equalsIgnoreCase("Disconnected"));
    second.waitUntil("Disconnected on the other admin's page, live",
        () -> SettingsBrowserIT.channelCard(second, "990000777").findElement(tid("channel-status")).getText().equalsIgnoreCase("Disconnected"));
    page.screenshot("console-07-disconnected");

    SettingsBrowserIT.channelCard(page, "990000777").findElement(tid("channel-reconnect")).click();
    page.type("reconnect-token", "token-wrong");
    page.click("reconnect-save");
    assertThat(page.waitFor("the refusal", () -> page.visible("reconnect-error") ? page.text("reconnect-error") : null)).startsWith("Meta refused");
    page.el("reconnect-token").clear();
    page.click("reconnect-save");
    page.waitUntil("Connected", () -> SettingsBrowserIT.channelCard(page, "990000777").findElement(tid("channel-status")).getText().equalsIgnoreCase("Connected"));
    second.waitUntil("Connected on the other page, live",
        () -> SettingsBrowserIT.channelCard(second, "990000777").findElement(tid("channel-status")).getText().equalsIgnoreCase("Connected"));
  }

  @Test
  @DisplayName("an admin deletes a team after being asked: its conversation goes back to Open; a new agent is put in a team from the Add agent form; another admin's open page follows both live")
  void teams() {
    String team = f.api().post("/api/v1/teams", new JsonObject().put("name", "Returns")).json().getString("id");
    Webhooks.whatsappText(f.http, "14155550778", "Team Customer", "I want to return this");
    String conv = f.conversationOf("14155550778");
    assertThat(f.api().patch("/api/v1/conversations/" + conv, new JsonObject().put("status", "assigned")
        .put("assignee", new JsonObject().put("type", "team").put("id", team))).status()).isEqualTo(200);
    page.open("/");
    section(page, "teams");
    section(second, "teams");
    row(second, "team-row", "data-name", "Returns");
    row(page, "team-row", "data-name", "Returns").findElement(tid("team-delete")).click();
    page.waitUntil("the question", () -> page.visible("team-delete-confirm"));
    page.screenshot("console-08-delete-team-asked");
    page.click("team-delete-confirm");
    page.waitUntil("the team gone", () -> page.all("[data-testid='team-row'][data-name='Returns']").isEmpty());
    second.waitUntil("the team gone from the other admin's open page, live (settings.changed)",
        () -> second.all("[data-testid='team-row'][data-name='Returns']").isEmpty());
    JsonObject after = f.api().get("/api/v1/conversations/" + conv).json();
    assertThat(after.getString("status")).isEqualTo("open");
    assertThat(after.getValue("assignee")).isNull();

    section(page, "agents");
    section(second, "agents");
    page.click("agent-new");
    page.type("na-name", "Tom Team");
    page.type("na-email", "tom@acme.test");
    page.type("na-password", "tom-first-pass");
    page.css("[data-testid='na-team'][data-name='Support']").click();
    page.screenshot("console-09-agent-with-team");
    page.click("na-save");
    page.waitUntil("Tom listed", () -> page.all("[data-testid='agent-row']").stream().anyMatch(r -> "tom@acme.test".equals(r.getAttribute("data-email"))));
    second.waitUntil("Tom listed on the other admin's open page, live (settings.changed)",
        () -> second.all("[data-testid='agent-row']").stream().anyMatch(r -> "tom@acme.test".equals(r.getAttribute("data-email"))));
    String tom = f.api().get("/api/v1/agents").items().stream().map(o -> (JsonObject) o)
        .filter(a -> "tom@acme.test".equals(a.getString("email"))).findFirst().orElseThrow().getString("id");
    assertThat(f.api().get("/api/v1/teams/" + f.teamId).json().getJsonArray("memberIds").getList()).contains(tom);
  }

  @Test
  @DisplayName("a flow is built in the form (keywords, reply, label, hand-off to a team), seen as JSON, saved, and moved to the top with Alt+↑")
  void flowFormAndOrder() {
    for (String name : List.of("Alpha flow", "Beta flow")) {
      assertThat(f.api().post("/api/v1/flows", new JsonObject().put("name", name).put("enabled", true)
          .put("trigger", new JsonObject().put("type", "keyword").put("keywords", new io.vertx.core.json.JsonArray().add(name.split(" ")[0].toLowerCase())))
          .put("actions", new io.vertx.core.json.JsonArray().add(new JsonObject().put("type", "label").put("name", "x")))).status()).isEqualTo(201);
    }
    page.open("/");
    section(page, "flows");
    page.click("flow-new");
    page.el("ff-name").clear();
    page.type("ff-name", "Returns");
    page.el("ff-trigger-value").clear();
    page.type("ff-trigger-value", "return, refund");
    WebElement reply = page.all("[data-testid='ff-action']").get(0);
    reply.findElement(tid("ff-action-value")).clear();
    reply.findElement(tid("ff-action-value")).sendKeys("Send it back within 30 days.");
    page.click("ff-action-add");
    WebElement label = page.all("[data-testid='ff-action']").get(1);
    new org.openqa.selenium.support.ui.Select(label.findElement(tid("ff-action-type"))).selectByValue("label");
    label.findElement(tid("ff-action-value")).sendKeys("returns");
    page.click("ff-action-add");
    WebElement added = page.all("[data-testid='ff-action']").get(2);
    new org.openqa.selenium.support.ui.Select(added.findElement(tid("ff-action-type"))).selectByValue("handoff");
    new org.openqa.selenium.support.ui.Select(added.findElement(tid("ff-action-team"))).selectByValue(String.valueOf(f.teamId));
    page.screenshot("console-10-flow-form");
    page.click("flow-mode-json");
    JsonObject shown = new JsonObject(page.el("flow-json").getAttribute("value"));
    assertThat(shown.getJsonObject("trigger").getJsonArray("keywords").getList()).containsExactly("return", "refund");
    assertThat(shown.getJsonArray("actions").getJsonObject(2).getString("teamId")).isEqualTo(String.valueOf(f.teamId));
    page.click("flow-mode-form");
    page.click("flow-save");
    page.waitUntil("the flow listed", () -> !page.all("[data-testid='flow-row'][data-name='Returns']").isEmpty());
    JsonObject stored = f.api().get("/api/v1/flows").items().stream().map(o -> (JsonObject) o)
        .filter(x -> "Returns".equals(x.getString("name"))).findFirst().orElseThrow();
    assertThat(stored.getJsonArray("actions").encode()).contains("Send it back within 30 days.").contains("handoff")
        .contains("\"teamId\":\"" + f.teamId + "\"");

    // Alt+↑ twice from the row: Returns is tried first
    for (int i = 0; i < 2; i++) {
      WebElement edit = row(page, "flow-row", "data-name", "Returns").findElement(tid("flow-edit"));
      int before = position("Returns");
      edit.sendKeys(org.openqa.selenium.Keys.chord(org.openqa.selenium.Keys.ALT, org.openqa.selenium.Keys.ARROW_UP));
      page.waitUntil("moved up", () -> position("Returns") == before - 1);
      // the page draws the list again after the move and puts the focus back in the moved row:
      // until then the row found above may be replaced
      page.waitUntil("the list drawn again, the focus in the moved row", () -> Boolean.TRUE.equals(page.js(
          "const rows = [...document.querySelectorAll('[data-testid=flow-row]')];"
              + " return !document.querySelector('#settings [aria-busy=true]')"
              + " && rows.findIndex(r => r.dataset.name === 'Returns') === arguments[0]"
              + " && document.activeElement.closest('[data-testid=flow-row]')?.dataset.name === 'Returns';", before - 1)));
    }
    assertThat(f.api().get("/api/v1/flows").items().getJsonObject(0).getString("name")).isEqualTo("Returns");
    page.waitUntil("the moved row keeps the focus", () -> "Returns".equals(page.js(
        "return document.activeElement.closest('[data-testid=flow-row]')?.dataset.name")));
    assertThat(row(page, "flow-row", "data-name", "Returns").findElement(tid("flow-up")).isEnabled()).isFalse();
    page.screenshot("console-11-flows-reordered");
  }

  @Test
  @DisplayName("New flow opens empty: nothing of an existing flow, nor of an edit cancelled just before")
  void newFlowStartsEmpty() {
    Http.Res made = f.api().post("/api/v1/flows", new JsonObject().put("name", "Opening hours").put("enabled", true)
        .put("trigger", new JsonObject().put("type", "keyword").put("keywords", new io.vertx.core.json.JsonArray().add("hours").add("open")))
        .put("actions", new io.vertx.core.json.JsonArray()
            .add(new JsonObject().put("type", "reply").put("text", "We are open 9 to 17, Monday to Friday."))
            .add(new JsonObject().put("type", "label").put("name", "asked-hours"))));
    assertThat(made.status()).isEqualTo(201);
    try {
      page.open("/");
      section(page, "flows");
      page.click("flow-new");
      assertBlankFlowForm("the first New flow");
      page.click("modal-cancel");

      row(page, "flow-row", "data-name", "Opening hours").findElement(tid("flow-edit")).click();
      page.waitUntil("the flow in its editor", () -> page.visible("ff-name") && "Opening hours".equals(page.el("ff-name").getAttribute("value")));
      page.el("ff-trigger-value").sendKeys(", weekend");
      page.all("[data-testid='ff-action-value']").get(0).sendKeys(" Closed on Sundays.");
      page.click("modal-cancel");

      page.click("flow-new");
      assertBlankFlowForm("New flow after an edit was cancelled");
      page.click("flow-mode-json");
      JsonObject shown = new JsonObject(page.el("flow-json").getAttribute("value"));
      assertThat(shown.encode()).doesNotContain("Opening").doesNotContain("asked-hours").doesNotContain("9 to 17").doesNotContain("hours");
      page.screenshot("console-13-new-flow-empty");
      page.click("modal-cancel");
    } finally {
      f.api().delete("/api/v1/flows/" + made.json().getString("id"));
    }
  }

  /** The open editor is a new flow's: no name, on, every channel, keywords with none given, one empty reply. */
  static void assertBlankFlowForm(String when) {
    page.waitUntil(when + ": the form", () -> page.visible("ff-name"));
    assertThat(page.el("ff-name").getAttribute("value")).as(when + ": name").isEmpty();
    assertThat(page.el("ff-enabled").isSelected()).as(when + ": enabled").isTrue();
    assertThat(new org.openqa.selenium.support.ui.Select(page.el("ff-channel")).getFirstSelectedOption().getAttribute("value"))
        .as(when + ": channel").isEmpty();
    assertThat(new org.openqa.selenium.support.ui.Select(page.el("ff-trigger")).getFirstSelectedOption().getAttribute("value"))
        .as(when + ": trigger").isEqualTo("keyword");
    assertThat(page.el("ff-trigger-value").getAttribute("value")).as(when + ": keywords").isEmpty();
    List<WebElement> actions = page.all("[data-testid='ff-action']");
    assertThat(actions).as(when + ": actions").hasSize(1);
    assertThat(new org.openqa.selenium.support.ui.Select(actions.get(0).findElement(tid("ff-action-type"))).getFirstSelectedOption()
        .getAttribute("value")).as(when + ": the action").isEqualTo("reply");
    assertThat(actions.get(0).findElement(tid("ff-action-value")).getAttribute("value")).as(when + ": the reply").isEmpty();
  }

  static int position(String name) {
    io.vertx.core.json.JsonArray items = f.api().get("/api/v1/flows").items();
    for (int i = 0; i < items.size(); i++) {
      if (name.equals(items.getJsonObject(i).getString("name"))) {
        return i;
      }
    }
    return -1;
  }

  @Test
  @DisplayName("a saved reply is previewed for a contact found by name: filled in, or which field the contact lacks")
  void savedReplyPreview() {
    Webhooks.whatsappText(f.http, "14155550779", "Preview Customer", "hi");
    String conv = f.conversationOf("14155550779");
    String contact = f.api().get("/api/v1/conversations/" + conv).json().getJsonObject("contact").getString("id");
    assertThat(f.api().put("/api/v1/contacts/" + contact + "/fields/order", new JsonObject().put("value", "42")).status()).isIn(200, 204);
    section(page, "saved-replies");
    page.click("sr-new");
    page.type("sre-title", "Shipping");
    page.type("sre-content", "Your order {{order}} ships today");
    page.type("srp-find", "Preview Cust");
    page.waitUntil("the contact found", () -> page.el("srp-contact").getAttribute("value").equals(contact));
    page.waitUntil("the preview", () -> page.text("srp-text").equals("Your order 42 ships today"));
    page.el("sre-content").sendKeys(" by {{carrier}}");
    page.waitUntil("the refusal", () -> page.text("srp-text").contains("no value for {{carrier}}"));
    page.screenshot("console-12-reply-preview");
    page.click("modal-cancel");
  }
}
