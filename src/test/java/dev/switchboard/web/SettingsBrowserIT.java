package dev.switchboard.web;

import dev.switchboard.support.Http;
import dev.switchboard.support.Requires;
import dev.switchboard.support.Seed;
import dev.switchboard.support.Webhooks;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

import java.util.List;

import static dev.switchboard.web.Browser.tid;
import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The admin's console: channels, agents, teams, saved replies and the profile under #/settings")
class SettingsBrowserIT {

  @RegisterExtension
  static final Requires CHROMIUM = Browser.REQUIRED;

  @RegisterExtension
  final ScreenshotOnFailure onFailure = new ScreenshotOnFailure(() -> page);

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

  /** The browsers a test opened serve the next test (signed out, blank): Chromium starts once per class, not per test. */
  @AfterEach
  void giveBackBrowsers() {
    f.endTest();
  }

  /** The admin's page on a settings section, drawn. */
  static void section(Browser b, String key) {
    b.click("settings-link");
    b.click("settings-nav-" + key);
    b.waitUntil("section " + key, () -> b.visible("settings-" + key));
  }

  /** Drawn elements that reach past the window's right edge, named for the failure message. */
  @SuppressWarnings("unchecked")
  static List<String> overflowing(Browser b) {
    return (List<String>) b.js("""
        return [...document.querySelectorAll('body *')].filter((e) => e.offsetParent !== null && e.getBoundingClientRect().right > window.innerWidth + 0.5)
          .slice(0, 8).map((e) => e.tagName + '.' + e.className + '[' + (e.dataset.testid || '') + '] right=' + Math.round(e.getBoundingClientRect().right));""");
  }

  static List<String> axe(Browser b) {
    return AgentDayBrowserIT.axe(b);
  }

  /** The card of the channel with this external id, once the list shows it. */
  static WebElement channelCard(Browser b, String externalId) {
    return b.waitFor("channel " + externalId, () -> b.all("[data-testid='channel-card']").stream()
        .filter(c -> c.findElement(tid("channel-external-id")).getText().equals(externalId)).findFirst().orElse(null));
  }

  /** Opens Connect WhatsApp on the admin's page and fills it in, not yet sent. */
  static void fillWhatsApp(String name, String phoneNumberId, String wabaId, String token) {
    section(page, "channels");
    page.click("connect-whatsapp");
    page.type("cc-name", name);
    page.type("cc-externalId", phoneNumberId);
    page.type("cc-wabaId", wabaId);
    page.type("cc-accessToken", token);
  }

  @Test
  @DisplayName("an admin connects a WhatsApp number that Meta confirms and sees the webhook URL and verify token to paste into Meta")
  void connectWhatsApp() {
    f.graph.ownsWhatsApp("EAAG-good-token", "555000111", "777000111");
    fillWhatsApp("Front desk", "777000111", "555000111", "EAAG-good-token");
    page.screenshot("settings-01-connect-form");
    page.click("cc-save");
    page.waitUntil("the connected dialog", () -> page.visible("connected"));
    String url = page.css("[data-testid='connected'] [data-testid='webhook-url']").getAttribute("value");
    String verify = page.css("[data-testid='connected'] [data-testid='verify-token']").getAttribute("value");
    assertThat(url).endsWith("/webhooks/whatsapp").startsWith("http");
    JsonObject stored = f.api().get("/api/v1/channels").items().stream().map(o -> (JsonObject) o)
        .filter(c -> "777000111".equals(c.getString("externalId"))).findFirst().orElseThrow();
    assertThat(stored.getString("name")).isEqualTo("Front desk");
    assertThat(stored.getString("wabaId")).isEqualTo("555000111");
    assertThat(verify).isNotBlank().isEqualTo(stored.getJsonObject("webhook").getString("verifyToken"));
    assertThat(f.graph.calls("POST", "/555000111/subscribed_apps")).as("the app is subscribed to the WABA").isNotEmpty();
    page.screenshot("settings-02-connected");
    page.click("modal-cancel");

    WebElement card = channelCard(page, "777000111");
    assertThat(card.findElement(tid("channel-name")).getText()).isEqualTo("Front desk");
    assertThat(card.findElement(tid("channel-status")).getText()).isEqualToIgnoringCase("Connected");
  }

  @Test
  @DisplayName("a token Meta refuses shows Meta's own message in plain words, and no channel is stored")
  void refusedToken() {
    f.graph.ownsWhatsApp("EAAG-owner-token", "555000222", "777000222");
    fillWhatsApp("Someone else's number", "777000222", "555000222", "EAAG-not-issued");
    page.click("cc-save");
    String error = page.waitFor("the refusal", () -> page.visible("cc-error") ? page.text("cc-error") : null);
    assertThat(error).startsWith("Meta refused").contains("Invalid OAuth access token");
    page.screenshot("settings-03-refused");
    assertThat(Seed.scalar(f.db, "SELECT count(*) FROM channels WHERE external_id = ?", "777000222")).isZero();
    page.click("modal-cancel");
  }

  @Test
  @DisplayName("a channel name pasted past its 200 characters: 200 kept and the field says how many were not, beside it; typed to 200 it says it is full; axe with the note shown")
  void limitSaidBesideTheField() {
    section(page, "channels");
    page.click("connect-whatsapp");
    page.paste("cc-name", "Front desk ".repeat(21).substring(0, 230));
    page.waitLimitNote("cc-name", "200 of 200 characters: the last 30 pasted characters were not kept.");
    assertThat(page.el("cc-name").getAttribute("value")).hasSize(200);
    page.screenshot("settings-limit-pasted");
    assertThat(axe(page)).as("the connect dialog with the note").isEmpty();

    page.js("arguments[0].value = 'x'.repeat(198)", page.el("cc-name"));
    page.el("cc-name").sendKeys("abc");
    page.waitLimitNote("cc-name", "200 of 200 characters: the field is full.");
    assertThat(page.el("cc-name").getAttribute("value")).hasSize(200).endsWith("xab");
    page.el("cc-name").sendKeys(org.openqa.selenium.Keys.BACK_SPACE);
    page.waitLimitNote("cc-name", null);
    assertThat(page.el("cc-name").getAttribute("aria-describedby")).as("nothing to say below the limit").isNull();
    page.click("modal-cancel");
  }

  @Test
  @DisplayName("a channel is renamed, and a new token is checked with Meta before it replaces the old one")
  void renameAndRotate() {
    f.graph.ownsWhatsApp("EAAG-rotate-1", "555000333", "777000333");
    String id = f.api().post("/api/v1/channels", new JsonObject().put("platform", "whatsapp").put("name", "Sales")
        .put("externalId", "777000333").put("wabaId", "555000333").put("accessToken", "EAAG-rotate-1")).json().getString("id");
    section(page, "channels");
    channelCard(page, "777000333").findElement(tid("channel-rename")).click();
    page.type("rename-input", "Sales EU");
    page.click("rename-save");
    page.waitUntil("the new name", () -> channelCard(page, "777000333").findElement(tid("channel-name")).getText().equals("Sales EU"));

    channelCard(page, "777000333").findElement(tid("channel-rotate")).click();
    page.type("rotate-token", "EAAG-wrong");
    page.click("rotate-save");
    assertThat(page.waitFor("the refusal", () -> page.visible("rotate-error") ? page.text("rotate-error") : null)).startsWith("Meta refused");
    assertThat(Seed.strings(f.db, "SELECT access_token FROM channels WHERE id = ?", Long.parseLong(id))).containsExactly("EAAG-rotate-1");
    f.graph.ownsWhatsApp("EAAG-rotate-2", "555000333", "777000333");
    page.type("rotate-token", "EAAG-rotate-2");
    page.click("rotate-save");
    page.waitUntil("the dialog closed", () -> !page.visible("rotate-token"));
    assertThat(Seed.strings(f.db, "SELECT access_token FROM channels WHERE id = ?", Long.parseLong(id))).containsExactly("EAAG-rotate-2");
  }

  @Test
  @DisplayName("a channel shows when its last webhook was received: none before the first delivery, then a time")
  void lastWebhook() {
    // other tests here write to the fixture's WhatsApp number: this one starts from a channel never written to
    Seed.exec(f.db, "UPDATE channels SET last_webhook_at = NULL WHERE id = ?", f.whatsapp);
    section(page, "channels");
    assertThat(channelCard(page, Webhooks.WA_PHONE_NUMBER_ID).findElement(tid("channel-last-webhook")).getText()).isEqualTo("none yet");
    Webhooks.whatsappText(f.http, "14155550999", "Hook Customer", "hello");
    String first = BrowserFixture.eventually("the channel's last webhook", () -> f.api().get("/api/v1/channels/" + f.whatsapp).json().getString("lastWebhookAt"));
    // a delivery within the minute does not write the channel row again
    Webhooks.whatsappText(f.http, "14155550998", "Hook Customer 2", "hello again");
    f.conversationOf("14155550998");
    assertThat(f.api().get("/api/v1/channels/" + f.whatsapp).json().getString("lastWebhookAt")).isEqualTo(first);
    section(page, "channels");
    assertThat(channelCard(page, Webhooks.WA_PHONE_NUMBER_ID).findElement(tid("channel-last-webhook")).getText()).isEqualTo("now");
  }

  @Test
  @DisplayName("a WhatsApp channel lists its approved templates, read-only, with their number of parameters")
  void templates() {
    section(page, "channels");
    channelCard(page, Webhooks.WA_PHONE_NUMBER_ID).findElement(tid("templates-toggle")).click();
    WebElement item = page.waitFor("the template", () -> channelCard(page, Webhooks.WA_PHONE_NUMBER_ID).findElements(By.cssSelector("[data-testid='template-item'][data-name='order_update']"))
        .stream().findFirst().orElse(null));
    assertThat(item.getText()).contains("en_US").contains("Hello {{1}}, your order {{2}} is on its way.");
    assertThat(item.findElement(tid("template-params")).getText()).isEqualTo("2 parameters");
    assertThat(channelCard(page, Webhooks.PAGE_ID).findElements(tid("templates-toggle"))).as("Messenger has no templates").isEmpty();
  }

  @Test
  @DisplayName("a channel Meta flagged shows Needs attention with Meta's error")
  void needsAttention() {
    long id = Seed.channel(f.db, f.account.accountId(), "messenger", "990000444");
    Seed.exec(f.db, "UPDATE channels SET needs_attention = ? WHERE id = ?", "Error validating access token: Session has expired", id);
    section(page, "channels");
    WebElement card = channelCard(page, "990000444");
    assertThat(card.findElement(tid("channel-status")).getText()).isEqualToIgnoringCase("Needs attention");
    assertThat(card.findElement(tid("channel-attention")).getText()).contains("Session has expired");
  }

  @Test
  @DisplayName("an admin adds an agent who can then sign in; the last admin cannot demote themselves")
  void createAgentWhoLogsIn() {
    section(page, "agents");
    page.click("agent-new");
    page.type("na-name", "Cleo New");
    page.type("na-email", "cleo@acme.test");
    page.type("na-password", "cleo-first-pass");
    page.screenshot("settings-04-add-agent");
    page.click("na-save");
    page.waitUntil("Cleo in the list", () -> page.all("[data-testid='agent-row']").stream().anyMatch(r -> "cleo@acme.test".equals(r.getAttribute("data-email"))));

    Browser cleo = f.fresh().login("cleo@acme.test", "cleo-first-pass");
    assertThat(cleo.text("agent-name")).isEqualTo("Cleo New");
    assertThat(cleo.text("settings-link")).isEqualTo("Profile");

    // the fixture's account has one admin: demoting them is refused with a sentence saying why
    WebElement adminRow = page.css("[data-testid='agent-row'][data-email='" + f.account.adminEmail() + "']");
    new org.openqa.selenium.support.ui.Select(adminRow.findElement(tid("agent-role"))).selectByValue("agent");
    assertThat(page.waitFor("the refusal", () -> page.visible("agent-error") ? page.text("agent-error") : null)).contains("at least one active admin");
    assertThat(f.api().get("/api/v1/agents").items().stream().map(o -> (JsonObject) o)
        .filter(a -> f.account.adminEmail().equals(a.getString("email"))).findFirst().orElseThrow().getString("role")).isEqualTo("admin");
    page.waitUntil("the menu shows the stored role", () -> "admin".equals(
        page.css("[data-testid='agent-row'][data-email='" + f.account.adminEmail() + "'] [data-testid='agent-role']").getAttribute("value")));
  }

  @Test
  @DisplayName("an admin renames an agent and gives them a new password from Settings: the old one stops, their open page is signed out, the new one signs in; the admin's own row offers no password")
  void editAgentAndSetPassword() {
    Seed.user(f.db, f.account.accountId(), "Flo Forgetful", "flo@acme.test", "flo-old-password", "agent");
    Browser flo = f.fresh().login("flo@acme.test", "flo-old-password");
    section(page, "agents");
    String row = "[data-testid='agent-row'][data-email='flo@acme.test'] ";
    page.waitUntil("Flo's row", () -> !page.all(row + "[data-testid='agent-edit']").isEmpty());
    page.clickCss(row + "[data-testid='agent-edit']");
    page.el("ea-name").clear();
    page.type("ea-name", "Flo Remembered");
    page.type("ea-password", "flo-new-password");
    page.screenshot("settings-05-edit-agent");
    assertThat(axe(page)).as("edit agent dialog").isEmpty();
    page.click("ea-save");
    page.waitUntil("the new name in the list", () -> page.text("agent-list").contains("Flo Remembered"));

    assertThat(f.http.post("/api/v1/auth/login", new JsonObject().put("email", "flo@acme.test").put("password", "flo-old-password")).status())
        .isEqualTo(401);
    flo.waitUntil("Flo's open page is signed out", () -> flo.visible("login-email"));
    Browser again = f.fresh().login("flo@acme.test", "flo-new-password");
    assertThat(again.text("agent-name")).isEqualTo("Flo Remembered");

    page.clickCss("[data-testid='agent-row'][data-email='" + f.account.adminEmail() + "'] [data-testid='agent-edit']");
    page.waitUntil("the dialog", () -> page.visible("ea-name"));
    assertThat(page.all("[data-testid='ea-password']")).as("one's own password changes under Profile").isEmpty();
    page.el("ea-name").sendKeys(org.openqa.selenium.Keys.ESCAPE);
  }

  @Test
  @DisplayName("a team changed by another admin while its editor is open: the save is refused with a sentence saying why, and the other admin's members stay")
  void teamEditedMeanwhile() {
    Http.Res created = f.api().post("/api/v1/teams", new JsonObject().put("name", "Night shift").put("memberIds", new JsonArray().add(String.valueOf(f.agentId))));
    String teamId = created.json().getString("id");
    section(page, "teams");
    String row = "[data-testid='team-row'][data-id='" + teamId + "'] ";
    page.waitUntil("the team", () -> !page.all(row + "[data-testid='team-edit']").isEmpty());
    page.clickCss(row + "[data-testid='team-edit']");
    page.waitUntil("the editor", () -> page.visible("nt-name"));
    // meanwhile another admin adds themselves
    assertThat(f.api().patch("/api/v1/teams/" + teamId, new JsonObject().put("memberIds",
        new JsonArray().add(String.valueOf(f.agentId)).add(String.valueOf(f.account.adminId())))).status()).isEqualTo(200);
    page.el("nt-name").clear();
    page.type("nt-name", "Night shift EU");
    page.click("nt-save");
    assertThat(page.waitFor("the refusal", () -> page.visible("nt-error") ? page.text("nt-error") : null)).contains("Another admin changed this team");
    JsonObject team = f.api().get("/api/v1/teams/" + teamId).json();
    assertThat(team.getString("name")).isEqualTo("Night shift");
    assertThat(team.getJsonArray("memberIds")).containsExactlyInAnyOrder(String.valueOf(f.agentId), String.valueOf(f.account.adminId()));
    page.screenshot("settings-06-team-edited-meanwhile");
    page.click("modal-cancel");
  }

  @Test
  @DisplayName("an agent is deactivated from Settings after a question saying they are signed out at once; they can no longer sign in, and their conversations say \"deactivated\"")
  void deactivate() {
    long dan = Seed.user(f.db, f.account.accountId(), "Dan Leaving", "dan@acme.test", "dan-password", "agent");
    Webhooks.whatsappText(f.http, "14155558801", "Carla Customer", "Is anyone looking after my order?");
    String conv = f.conversationOf("14155558801");
    assertThat(f.api().patch("/api/v1/conversations/" + conv, new JsonObject().put("assignee",
        new JsonObject().put("type", "agent").put("id", String.valueOf(dan)))).status()).isEqualTo(200);
    section(page, "agents");
    String row = "[data-testid='agent-row'][data-email='dan@acme.test'] ";
    page.css(row + "[data-testid='agent-deactivate']").click();
    page.waitUntil("the question", () -> page.visible("agent-deactivate-confirm"));
    assertThat(page.text("agent-deactivate-consequence")).contains("signed out at once");
    page.screenshot("settings-07-deactivate-asks");
    page.click("modal-cancel");
    assertThat(page.all(row + "[data-testid='agent-reactivate']")).as("nothing changed on Cancel").isEmpty();
    assertThat(f.http.post("/api/v1/auth/login", new JsonObject().put("email", "dan@acme.test").put("password", "dan-password")).status()).isEqualTo(200);

    page.css(row + "[data-testid='agent-deactivate']").click();
    page.click("agent-deactivate-confirm");
    page.waitUntil("Dan deactivated", () -> !page.all(row + "[data-testid='agent-reactivate']").isEmpty());
    assertThat(f.http.post("/api/v1/auth/login", new JsonObject().put("email", "dan@acme.test").put("password", "dan-password")).status()).isEqualTo(401);

    page.open("/");
    page.waitUntil("the inbox", () -> page.visible("agent-name"));
    page.click("tab-all");
    page.waitUntil("the row", () -> page.listed("Carla Customer"));
    page.waitUntil("the row's assignee", () -> "→ Dan Leaving (deactivated)".equals(
        page.conversation("Carla Customer").findElement(tid("conv-assignee")).getText()));
    assertThat(page.conversation("Carla Customer").findElements(tid("presence-dot"))).as("no presence for a deactivated agent").isEmpty();
    page.openConversation("Carla Customer");
    page.waitUntil("the status button", () -> page.visible("thread-status") && page.text("thread-status").equals("Assigned · Dan Leaving (deactivated)"));
  }

  @Test
  @DisplayName("a team is created with members picked from the agents, then renamed with other members")
  void createTeam() {
    section(page, "teams");
    page.click("team-new");
    page.type("nt-name", "Billing");
    page.css("[data-testid='nt-member'][data-email='" + f.agentEmail + "']").click();
    page.click("nt-save");
    WebElement row = page.waitFor("the team", () -> page.all("[data-testid='team-row']").stream()
        .filter(r -> r.findElement(tid("team-name")).getText().equals("Billing")).findFirst().orElse(null));
    assertThat(row.findElement(tid("team-members")).getText()).isEqualTo("Bea Agent");
    JsonArray members = f.api().get("/api/v1/teams").items().stream().map(o -> (JsonObject) o)
        .filter(t -> "Billing".equals(t.getString("name"))).findFirst().orElseThrow().getJsonArray("memberIds");
    assertThat(members).containsExactly(String.valueOf(f.agentId));

    row.findElement(tid("team-edit")).click();
    page.type("nt-name", "Billing EU");
    page.css("[data-testid='nt-member'][data-email='" + f.agentEmail + "']").click();
    page.css("[data-testid='nt-member'][data-email='" + f.account.adminEmail() + "']").click();
    page.click("nt-save");
    page.waitUntil("the renamed team", () -> page.all("[data-testid='team-row'][data-name='Billing EU'] [data-testid='team-members']").stream()
        .anyMatch(e -> e.getText().equals("Admin Acme")));
    String teamId = f.api().get("/api/v1/teams").items().stream().map(o -> (JsonObject) o)
        .filter(t -> "Billing EU".equals(t.getString("name"))).findFirst().orElseThrow().getString("id");
    assertThat(f.api().get("/api/v1/teams/" + teamId).json().getJsonArray("memberIds")).containsExactly(String.valueOf(f.account.adminId()));
    long stranger = Seed.user(f.db, Seed.account(f.db, "Elsewhere").accountId(), "Stranger", "stranger@elsewhere.test", "stranger-pw", "agent");
    assertThat(f.api().patch("/api/v1/teams/" + teamId, new JsonObject().put("memberIds", new JsonArray().add(String.valueOf(stranger)))).status())
        .as("another account's user").isEqualTo(422);
    assertThat(f.api().patch("/api/v1/teams/" + teamId, new JsonObject().put("name", " ")).status()).isEqualTo(422);
  }

  @Test
  @DisplayName("a saved reply is created, edited and deleted")
  void savedReplies() {
    section(page, "saved-replies");
    page.click("sr-new");
    page.type("sre-title", "Opening hours");
    page.type("sre-content", "We open at 9.");
    page.click("sre-save");
    page.waitUntil("the reply", () -> page.all("[data-testid='sr-row-title']").stream().anyMatch(e -> e.getText().equals("Opening hours")));
    page.click("sr-edit");
    page.type("sre-content", "We open at 8.");
    page.click("sre-save");
    page.waitUntil("the edit", () -> page.all("[data-testid='sr-row-content']").stream().anyMatch(e -> e.getText().equals("We open at 8.")));
    assertThat(Seed.strings(f.db, "SELECT content FROM saved_replies WHERE title = 'Opening hours'")).containsExactly("We open at 8.");
    page.click("sr-delete");
    page.click("srd-confirm");
    page.waitUntil("the reply gone", () -> page.all("[data-testid='sr-row-title']").isEmpty());
    assertThat(Seed.strings(f.db, "SELECT content FROM saved_replies WHERE title = 'Opening hours'")).isEmpty();
  }

  @Test
  @DisplayName("two labels merged in Settings (asked first) change live in an agent's open conversation, and the counts follow")
  void mergeLabelsLive() {
    Webhooks.whatsappText(f.http, "14155550777", "Lena Labels", "hello");
    String conv = f.conversationOf("14155550777");
    String contact = f.api().get("/api/v1/conversations/" + conv).json().getJsonObject("contact").getString("id");
    f.api().post("/api/v1/contacts/" + contact + "/labels", new JsonObject().put("name", "prospect"));
    Webhooks.whatsappText(f.http, "14155550778", "Lou Labels", "hi");
    String other = f.api().get("/api/v1/conversations/" + f.conversationOf("14155550778")).json().getJsonObject("contact").getString("id");
    f.api().post("/api/v1/contacts/" + other + "/labels", new JsonObject().put("name", "Lead"));

    Browser bea = f.fresh().login(f.agentEmail, f.agentPassword);
    bea.waitLive();
    bea.click("tab-all");
    bea.openConversation("Lena Labels");
    bea.waitUntil("Lena's label", () -> !bea.all("[data-testid='label-chip'][data-name='prospect']").isEmpty());

    section(page, "labels");
    page.css("[data-testid='label-row'][data-name='prospect'] [data-testid='label-rename']").click();
    page.type("label-new-name", "lead");
    page.click("label-rename-save");
    assertThat(page.waitFor("the question", () -> page.visible("label-rename-error") ? page.text("label-rename-error") : null))
        .contains("“Lead” exists already").contains("Merge");
    assertThat(Seed.strings(f.db, "SELECT name FROM contact_labels WHERE contact_id = ?", Long.parseLong(contact))).as("nothing merged before the answer").containsExactly("prospect");
    page.screenshot("settings-05-merge-asked");
    page.click("label-rename-save");
    page.waitUntil("the merged count", () -> page.all("[data-testid='label-row'][data-name='prospect']").isEmpty()
        && page.css("[data-testid='label-row'][data-name='Lead'] [data-testid='label-count']").getText().equals("2 contacts"));

    bea.waitUntil("the merged label live in the agent's page", () -> !bea.all("[data-testid='label-chip'][data-name='Lead']").isEmpty()
        && bea.all("[data-testid='label-chip'][data-name='prospect']").isEmpty());
  }

  @Test
  @DisplayName("a label created in Settings by keyboard is listed with 0 contacts; an existing spelling is refused inline with the focus kept; "
      + "an agent's open contact offers it live, and typing it in another case adds the defined spelling")
  void createLabel() {
    Webhooks.whatsappText(f.http, "14155550779", "Nia Newlabel", "hello");
    f.conversationOf("14155550779");
    Browser bea = f.fresh().login(f.agentEmail, f.agentPassword);
    bea.waitLive();
    bea.click("tab-all");
    bea.openConversation("Nia Newlabel");
    bea.el("label-input");

    section(page, "labels");
    WebElement name = page.el("label-create-name");
    name.click();
    name.sendKeys("  Refund asked" + org.openqa.selenium.Keys.ENTER);
    page.waitUntil("the new label with no contact", () -> !page.all("[data-testid='label-row'][data-name='Refund asked']").isEmpty()
        && page.css("[data-testid='label-row'][data-name='Refund asked'] [data-testid='label-count']").getText().equals("0 contacts"));
    assertThat(page.el("label-create-name").getAttribute("value")).as("the form is ready for the next").isEmpty();
    assertThat(page.js("return document.activeElement.dataset.testid")).isEqualTo("label-create-name");
    assertThat(Seed.strings(f.db, "SELECT name FROM label_names")).contains("Refund asked");

    page.el("label-create-name").sendKeys("REFUND ASKED" + org.openqa.selenium.Keys.ENTER);
    assertThat(page.waitFor("the refusal", () -> page.visible("label-create-error") ? page.text("label-create-error") : null))
        .contains("“Refund asked” exists already");
    assertThat(page.el("label-create-name").getAttribute("aria-invalid")).isEqualTo("true");
    assertThat(page.js("return document.activeElement.dataset.testid")).as("the focus stays to correct it").isEqualTo("label-create-name");
    assertThat(page.all("[data-testid='label-row']").stream().filter(r -> r.getAttribute("data-name").equalsIgnoreCase("refund asked")).count()).isEqualTo(1);
    page.el("label-create-name").sendKeys(org.openqa.selenium.Keys.BACK_SPACE);
    page.waitUntil("the error cleared while typing", () -> !page.visible("label-create-error"));

    bea.waitUntil("the agent's label menu offers it", () -> !bea.all("#label-names option[value='Refund asked']").isEmpty());
    bea.type("label-input", "refund ASKED");
    bea.el("label-input").sendKeys(org.openqa.selenium.Keys.ENTER);
    bea.waitUntil("the defined spelling on the contact", () -> !bea.all("[data-testid='label-chip'][data-name='Refund asked']").isEmpty());
    assertThat(Seed.strings(f.db, "SELECT name FROM contact_labels WHERE lower(name) = 'refund asked'")).containsExactly("Refund asked");
  }

  @Test
  @DisplayName("a custom field created in Settings by keyboard is listed with 0 contacts; exactly that name is refused inline with the focus kept, "
      + "another case is a second field; an agent's open contact pane offers it live, and the saved-reply editor's Insert field puts it in a reply that saves")
  void createField() {
    Webhooks.whatsappText(f.http, "14155550781", "Fia Newfield", "hello");
    f.conversationOf("14155550781");
    Browser bea = f.fresh().login(f.agentEmail, f.agentPassword);
    bea.waitLive();
    bea.click("tab-all");
    bea.openConversation("Fia Newfield");
    bea.el("field-name-input");

    section(page, "fields");
    WebElement name = page.el("field-create-name");
    name.click();
    name.sendKeys("  Order number" + org.openqa.selenium.Keys.ENTER);
    page.waitUntil("the new field with no contact", () -> !page.all("[data-testid='field-row'][data-name='Order number']").isEmpty()
        && page.css("[data-testid='field-row'][data-name='Order number'] [data-testid='field-count']").getText().equals("0 contacts"));
    assertThat(page.el("field-create-name").getAttribute("value")).as("the form is ready for the next").isEmpty();
    assertThat(page.js("return document.activeElement.dataset.testid")).isEqualTo("field-create-name");
    assertThat(Seed.strings(f.db, "SELECT name FROM field_names")).contains("Order number");
    page.screenshot("settings-07-field-created");

    page.el("field-create-name").sendKeys("Order number" + org.openqa.selenium.Keys.ENTER);
    assertThat(page.waitFor("the refusal", () -> page.visible("field-create-error") ? page.text("field-create-error") : null))
        .contains("“Order number” exists already");
    assertThat(page.el("field-create-name").getAttribute("aria-invalid")).isEqualTo("true");
    assertThat(page.js("return document.activeElement.dataset.testid")).as("the focus stays to correct it").isEqualTo("field-create-name");
    assertThat(page.all("[data-testid='field-row'][data-name='Order number']")).hasSize(1);
    page.el("field-create-name").sendKeys(org.openqa.selenium.Keys.BACK_SPACE);
    page.waitUntil("the error cleared while typing", () -> !page.visible("field-create-error"));
    // field names are exact: another case is a field of its own
    page.type("field-create-name", "order number" + org.openqa.selenium.Keys.ENTER);
    page.waitUntil("the second field", () -> !page.all("[data-testid='field-row'][data-name='order number']").isEmpty());
    assertThat(page.visible("field-create-error")).isFalse();

    bea.waitUntil("the agent's field menu offers it", () -> !bea.all("#field-names option[value='Order number']").isEmpty());

    section(page, "saved-replies");
    page.click("sr-new");
    page.type("sre-title", "Order status");
    page.type("sre-content", "Your order ");
    assertThat(new Select(page.el("sre-field")).getOptions()).extracting(WebElement::getText).contains("Order number", "order number");
    new Select(page.el("sre-field")).selectByValue("Order number");
    assertThat(page.el("sre-content").getAttribute("value")).isEqualTo("Your order {{Order number}}");
    page.click("sre-save");
    page.waitUntil("the saved reply", () -> page.all("[data-testid='sr-row-content']").stream().anyMatch(e -> e.getText().equals("Your order {{Order number}}")));
    List<String> saved = Seed.strings(f.db, "SELECT id::text FROM saved_replies WHERE content = 'Your order {{Order number}}'");
    assertThat(saved).hasSize(1);
    // the saved-replies test counts the account's replies
    assertThat(f.api().delete("/api/v1/saved-replies/" + saved.get(0)).status()).isEqualTo(204);
  }

  @Test
  @DisplayName("a keyword flow is written in the editor (the server's refusal shown), tested in the panel, switched off, and then answers a Closed conversation")
  void botFlow() {
    section(page, "flows");
    page.click("flow-new");
    page.click("flow-mode-json");
    page.type("flow-json", "{\"name\": \"Hours\", \"trigger\": {\"type\": \"keyword\", \"keywords\": []}, \"actions\": []}");
    page.click("flow-save");
    assertThat(page.waitFor("the refusal", () -> page.visible("flow-error") ? page.text("flow-error") : null)).startsWith("The server refused the flow:");
    page.type("flow-json", new JsonObject().put("name", "Hours")
        .put("trigger", new JsonObject().put("type", "keyword").put("keywords", new JsonArray().add("horaires")))
        .put("actions", new JsonArray().add(new JsonObject().put("type", "reply").put("text", "Open 9 to 5.")).add(new JsonObject().put("type", "label").put("name", "hours"))).encode());
    page.click("flow-save");
    page.waitUntil("the flow listed", () -> !page.all("[data-testid='flow-row'][data-name='Hours']").isEmpty());

    page.type("flow-test-text", "Quels sont vos HORAIRES ?");
    page.click("flow-test-run");
    page.waitUntil("the flow that would run", () -> page.visible("flow-test-flow") && page.text("flow-test-flow").equals("Hours"));
    assertThat(page.all("[data-testid='flow-test-action']").stream().map(WebElement::getText).toList())
        .containsExactly("Reply: “Open 9 to 5.”", "Add label “hours”");
    page.screenshot("settings-06-flow-test");

    page.css("[data-testid='flow-row'][data-name='Hours'] [data-testid='flow-enabled']").click();
    page.waitUntil("switched off", () -> Seed.strings(f.db, "SELECT enabled::text FROM flows WHERE name = 'Hours'").equals(List.of("false")));
    page.click("flow-test-run");
    page.waitUntil("no flow", () -> page.visible("flow-test-none"));
    page.css("[data-testid='flow-row'][data-name='Hours'] [data-testid='flow-enabled']").click();
    page.waitUntil("switched on", () -> Seed.strings(f.db, "SELECT enabled::text FROM flows WHERE name = 'Hours'").equals(List.of("true")));

    // the bot itself: a Closed conversation gets the reply the panel showed
    Webhooks.whatsappText(f.http, "14155550666", "Bo Bot", "hello");
    String conv = f.conversationOf("14155550666");
    f.api().patch("/api/v1/conversations/" + conv, new JsonObject().put("status", "closed"));
    Webhooks.whatsappText(f.http, "14155550666", "Bo Bot", "horaires?");
    BrowserFixture.eventually("the bot's reply", () -> f.graph.calls("POST", "/" + Webhooks.WA_PHONE_NUMBER_ID + "/messages").stream()
        .filter(c -> c.body().contains("Open 9 to 5.")).findFirst().orElse(null));
  }

  @Test
  @DisplayName("an agent sees Profile, not Settings, lands on their profile from an admin's address, and gets 403 from every admin route")
  void agentIsKeptOut() {
    Browser bea = f.fresh().login(f.agentEmail, f.agentPassword);
    assertThat(bea.text("settings-link")).isEqualTo("Profile");
    bea.click("settings-link");
    bea.waitUntil("the profile", () -> bea.visible("settings-profile"));
    assertThat(bea.visible("settings-nav-channels")).isFalse();
    assertThat(bea.visible("settings-nav-agents")).isFalse();
    bea.open("/#/settings/channels");
    bea.waitUntil("the profile instead", () -> bea.visible("settings-profile"));
    assertThat(bea.visible("connect-whatsapp")).isFalse();

    Http agent = f.http.as(f.http.login(f.agentEmail, f.agentPassword));
    JsonObject channel = new JsonObject().put("platform", "messenger").put("name", "x").put("externalId", "123").put("accessToken", "t");
    assertThat(agent.post("/api/v1/channels", channel).status()).isEqualTo(403);
    assertThat(agent.patch("/api/v1/channels/" + f.whatsapp, new JsonObject().put("name", "hijacked")).status()).isEqualTo(403);
    assertThat(agent.post("/api/v1/agents", new JsonObject().put("name", "x").put("email", "x@acme.test").put("password", "12345678")).status()).isEqualTo(403);
    assertThat(agent.patch("/api/v1/agents/" + f.agentId, new JsonObject().put("role", "admin")).status()).isEqualTo(403);
    assertThat(agent.delete("/api/v1/agents/" + f.agentId).status()).isEqualTo(403);
    assertThat(agent.post("/api/v1/teams", new JsonObject().put("name", "x")).status()).isEqualTo(403);
    assertThat(agent.patch("/api/v1/teams/" + f.teamId, new JsonObject().put("name", "x")).status()).isEqualTo(403);
    assertThat(agent.post("/api/v1/flows/test", new JsonObject().put("text", "x").put("channelId", String.valueOf(f.whatsapp))).status()).isEqualTo(403);
    assertThat(agent.get("/api/v1/labels/usage").status()).isEqualTo(403);
    assertThat(Seed.strings(f.db, "SELECT name FROM channels WHERE id = ?", f.whatsapp)).doesNotContain("hijacked");
    assertThat(Seed.strings(f.db, "SELECT role FROM users WHERE id = ?", f.agentId)).containsExactly("agent");
  }

  @Test
  @DisplayName("an agent changes their password under Profile and signs in with the new one")
  void changePassword() {
    Seed.user(f.db, f.account.accountId(), "Pia Pw", "pia@acme.test", "pia-old-pass", "agent");
    Browser pia = f.fresh().login("pia@acme.test", "pia-old-pass");
    pia.click("settings-link");
    pia.type("pw-current", "wrong-pass");
    pia.type("pw-new", "pia-new-pass");
    pia.type("pw-again", "pia-new-pass");
    pia.click("pw-save");
    assertThat(pia.waitFor("the refusal", () -> pia.visible("pw-error") ? pia.text("pw-error") : null)).isEqualTo("The current password is wrong.");
    pia.type("pw-current", "pia-old-pass");
    pia.click("pw-save");
    pia.waitUntil("the form cleared", () -> pia.el("pw-current").getAttribute("value").isEmpty());
    assertThat(f.http.post("/api/v1/auth/login", new JsonObject().put("email", "pia@acme.test").put("password", "pia-new-pass")).status()).isEqualTo(200);
  }

  @Test
  @DisplayName("every settings section: no serious or critical axe-core violation and nothing sideways at 360 px and at desktop width")
  void accessibilityAndWidths() {
    Browser b = f.fresh();
    for (int[] size : new int[][] {{1280, 900}, {360, 740}}) {
      b.driver.manage().window().setSize(new Dimension(size[0], size[1]));
      if (size[0] == 1280) {
        b.login(f.account.adminEmail(), f.account.password());
      }
      for (String key : List.of("channels", "agents", "teams", "saved-replies", "labels", "fields", "flows", "profile")) {
        b.open("/#/settings/" + key);
        b.waitUntil("section " + key, () -> b.visible("settings-" + key) && b.all(".set-body .muted").stream().noneMatch(e -> e.getText().equals("Loading…")));
        assertThat(axe(b)).as(key + " at " + size[0]).isEmpty();
        assertThat(overflowing(b)).as("elements wider than the window, " + key + " at " + size[0]).isEmpty();
        AgentDayBrowserIT.noSideways(b, key + " at " + size[0]);
        if ("agents".equals(key)) {
          // an agent's name and email keep the row's width; the controls wrap below them
          Object broken = b.js("""
              return [...document.querySelectorAll("[data-testid='agent-row'] .grow")].filter((g) => g.getBoundingClientRect().width < 170)
                .map((g) => g.textContent);""");
          assertThat((List<?>) broken).as("names and emails squeezed at " + size[0]).isEmpty();
        }
        b.screenshot("settings-" + size[0] + "-" + key);
      }
      b.open("/#/settings/channels");
      b.click("connect-whatsapp");
      assertThat(axe(b)).as("connect dialog at " + size[0]).isEmpty();
      b.screenshot("settings-" + size[0] + "-connect");
      b.click("modal-cancel");
    }
  }

  @Test
  @DisplayName("Settings is reached by keyboard from the top bar, and ← Inbox brings the inbox back")
  void keyboard() {
    page.open("/");
    page.waitUntil("the inbox", () -> page.visible("conversation-list"));
    page.el("settings-link").sendKeys(org.openqa.selenium.Keys.ENTER);
    page.waitUntil("channels", () -> page.visible("settings-channels"));
    assertThat(page.js("return document.activeElement.id")).isEqualTo("settings-title");
    assertThat(page.visible("conversation-list")).isFalse();
    page.el("settings-back").sendKeys(org.openqa.selenium.Keys.ENTER);
    page.waitUntil("the inbox again", () -> page.visible("conversation-list") && !page.visible("settings-channels"));
  }
}
