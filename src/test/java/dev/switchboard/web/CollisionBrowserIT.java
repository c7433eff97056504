package dev.switchboard.web;

import dev.switchboard.support.Requires;
import dev.switchboard.support.Webhooks;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Seeing colleagues: presence beside names, viewing and typing between two browsers, the newer-reply dialog")
class CollisionBrowserIT {

  @RegisterExtension
  static final Requires CHROMIUM = Browser.REQUIRED;

  @RegisterExtension
  final ScreenshotOnFailure onFailure = new ScreenshotOnFailure(() -> bea);

  static BrowserFixture f;
  static Browser admin;
  static Browser bea;

  @BeforeAll
  static void start() {
    f = new BrowserFixture(new JsonObject());
    admin = f.browser().login(f.account.adminEmail(), f.account.password());
    admin.waitLive();
    bea = f.browser().login(f.agentEmail, f.agentPassword);
    bea.waitLive();
  }

  /** The browsers a test borrowed serve the next one. */
  @AfterEach
  void giveBackBrowsers() {
    f.endTest();
  }

  @AfterAll
  static void stop() {
    if (f != null) {
      f.close();
    }
  }

  @Test
  @DisplayName("Two agents on one conversation: each sees the other viewing and typing; the second sender is asked first")
  void viewingTypingAndTheNewerReplyDialog() {
    Webhooks.whatsappText(f.http, "14155558101", "Cleo Collide", "is anyone there?");
    f.conversationOf("14155558101");
    for (Browser b : new Browser[] {admin, bea}) {
      b.click("tab-all");
      b.openConversation("Cleo Collide");
      b.waitUntil("the reply composer", () -> b.visible("composer-text"));
    }
    admin.waitUntil("Bea viewing", () -> admin.visible("peer-viewing") && admin.text("peer-viewing").contains("Bea Agent is viewing"));
    // Bea is online: the admin's assignee picker shows it beside her name
    admin.click("status-button");
    admin.waitUntil("Bea online in the picker", () -> "online".equals(admin.css("[data-testid='status-assign-agent-" + f.agentId
        + "'] [data-testid='presence-dot']").getAttribute("data-state")));
    admin.screenshot("collision-01-assignee-presence");
    admin.click("status-cancel");

    bea.type("composer-text", "Hello Cleo, let me check");
    admin.waitUntil("Bea typing", () -> admin.visible("peer-typing") && admin.text("peer-typing").contains("Bea Agent is typing a reply"));
    admin.screenshot("collision-02-peer-typing");

    // the admin answers first; Bea's send is stopped with the admin's reply shown
    admin.type("composer-text", "Admin was first");
    admin.click("send-button");
    admin.waitUntil("the admin's reply stored", () -> admin.text("messages").contains("Admin was first"));
    bea.click("send-button");
    bea.waitUntil("the newer-reply dialog", () -> bea.visible("newer-reply"));
    assertThat(bea.text("newer-reply-text")).contains("Admin was first");
    assertThat(bea.text("newer-reply")).contains("Admin");
    assertThat(AgentDayBrowserIT.axe(bea)).as("the newer-reply dialog").isEmpty();
    bea.screenshot("collision-03-newer-reply-dialog");
    bea.driver.manage().window().setSize(new Dimension(360, 780));
    bea.screenshot("collision-04-newer-reply-dialog-360");
    bea.click("send-anyway");
    bea.waitUntil("Bea's reply sent anyway", () -> bea.text("messages").contains("Hello Cleo, let me check"));
    assertThat(bea.visible("newer-reply")).isFalse();
    bea.driver.manage().window().setSize(new Dimension(1440, 900));
    assertThat(AgentDayBrowserIT.axe(admin)).as("the inbox with a colleague's mark").isEmpty();
  }

  /** The conversation's messages with this text, as the API has them (oldest first). */
  static java.util.List<JsonObject> messagesWith(String conv, String text) {
    return f.api().get("/api/v1/conversations/" + conv + "/messages?limit=100").items().stream()
        .map(o -> (JsonObject) o).filter(m -> text.equals(m.getString("text"))).toList();
  }

  /** What the composer's sent-elsewhere notice says ("" when nothing: it is then not displayed). */
  static String notice(Browser b) {
    return (String) b.js("return document.querySelector(\"[data-testid='sent-elsewhere']\").textContent;");
  }

  static boolean shows(Browser b, String text) {
    return b.all("[data-testid='message-text']").stream().anyMatch(e -> e.getText().contains(text));
  }

  @Test
  @DisplayName("A draft restored after a reload is still checked: a colleague's reply after it began stops the send with the newer-reply dialog")
  void restoredDraftKeepsItsBase() {
    Webhooks.whatsappText(f.http, "14155558102", "Omar Reload", "can I get a refund?");
    String conv = f.conversationOf("14155558102");
    bea.click("tab-all");
    bea.openConversation("Omar Reload");
    bea.waitUntil("the customer's message", () -> shows(bea, "can I get a refund?"));
    bea.el("composer-text").sendKeys("Refund approved, 3-5 days");
    bea.driver.navigate().refresh();
    bea.waitUntil("the draft restored after the reload", () -> bea.visible("composer-text")
        && "Refund approved, 3-5 days".equals(bea.el("composer-text").getAttribute("value")));
    bea.waitLive();

    // the admin answers after Bea's draft began, and Bea's thread shows it before she sends
    assertThat(f.api().post("/api/v1/conversations/" + conv + "/messages",
        new JsonObject().put("type", "reply").put("text", "refund is rejected, sorry")).status()).isEqualTo(201);
    bea.waitUntil("the admin's reply in Bea's thread", () -> shows(bea, "refund is rejected, sorry"));
    bea.el("composer-text").sendKeys(Keys.ENTER);
    bea.waitUntil("the newer-reply dialog", () -> bea.visible("newer-reply"));
    assertThat(bea.text("newer-reply-text")).contains("refund is rejected, sorry");
    bea.screenshot("collision-07-restored-draft-newer-reply");
    bea.click("modal-cancel");
    assertThat(bea.el("composer-text").getAttribute("value")).as("the draft kept").isEqualTo("Refund approved, 3-5 days");
    assertThat(messagesWith(conv, "Refund approved, 3-5 days")).as("Bea's draft not sent").isEmpty();
    // the next test finds no draft here
    bea.el("composer-text").clear();
    bea.el("composer-text").sendKeys(" ", Keys.BACK_SPACE);
  }

  @Test
  @DisplayName("One agent, two tabs with one draft (a duplicated tab): sent from one, the other drops it and says so, and Enter there sends no second copy; quick successive sends of one tab still go")
  void draftSentFromAnotherTab() {
    Webhooks.whatsappText(f.http, "14155558103", "Tess Twotabs", "where is my parcel?");
    String conv = f.conversationOf("14155558103");
    String answer = "Your parcel left today";
    bea.click("tab-all");
    bea.openConversation("Tess Twotabs");
    bea.waitUntil("the customer's message", () -> shows(bea, "where is my parcel?"));
    bea.el("composer-text").sendKeys(answer);
    bea.waitUntil("the draft kept", () -> AgentDayBrowserIT.sessionStorage(bea).values().stream().anyMatch(v -> v.contains(answer)));

    // the tab duplicated: a second tab of Bea's with a copy of the first one's sessionStorage
    Browser other = f.fresh().login(f.agentEmail, f.agentPassword);
    other.js("for (const [k, v] of Object.entries(arguments[0])) sessionStorage.setItem(k, v);", AgentDayBrowserIT.sessionStorage(bea));
    other.driver.navigate().refresh();
    other.waitLive();
    other.click("tab-all");
    other.openConversation("Tess Twotabs");
    other.waitUntil("the copied draft", () -> answer.equals(other.el("composer-text").getAttribute("value")));
    other.el("composer-text").sendKeys(Keys.ENTER);
    other.waitUntil("sent from the second tab", () -> shows(other, answer));

    bea.waitUntil("the first tab's draft gone, and why", () -> bea.visible("sent-elsewhere-text")
        && bea.el("composer-text").getAttribute("value").isEmpty());
    assertThat(bea.text("sent-elsewhere")).contains("already sent this from another tab");
    assertThat(bea.text("sent-elsewhere-text")).contains(answer);
    assertThat(bea.el("sent-elsewhere").getAttribute("role")).isEqualTo("status");
    assertThat(AgentDayBrowserIT.sessionStorage(bea).values()).as("the first tab's stored draft").noneMatch(v -> v.contains(answer));
    assertThat(AgentDayBrowserIT.axe(bea)).as("the sent-elsewhere notice").isEmpty();
    bea.screenshot("collision-08-sent-from-another-tab");
    bea.el("composer-text").sendKeys(Keys.ENTER);
    bea.waitUntil("nothing to send", () -> bea.visible("composer-error"));
    assertThat(messagesWith(conv, answer)).as("one copy reaches the customer").hasSize(1);

    // the agent means to send it again: it comes back as a new draft
    bea.click("sent-elsewhere-restore");
    assertThat(bea.el("composer-text").getAttribute("value")).isEqualTo(answer);
    assertThat(notice(bea)).isEmpty();
    bea.el("composer-text").sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);

    // one tab sending the same short answer twice in a row sends it twice, and drops nothing
    for (int i = 1; i <= 2; i++) {
      other.el("composer-text").sendKeys("ok");
      other.el("composer-text").sendKeys(Keys.ENTER);
      int sent = i;
      other.waitUntil("ok number " + i, () -> messagesWith(conv, "ok").size() == sent
          && other.el("composer-text").getAttribute("value").isEmpty());
    }
    assertThat(notice(other)).isEmpty();
  }

  @Test
  @DisplayName("Settings > Teams: auto-assignment for the whole account and for a team")
  void autoAssignControls() {
    SettingsBrowserIT.section(admin, "teams");
    admin.waitUntil("the account card", () -> admin.visible("aa-account-on"));
    admin.el("aa-account-on").click();
    new org.openqa.selenium.support.ui.Select(admin.el("aa-account-mode")).selectByValue("least_busy");
    admin.el("aa-account-capacity").clear();
    admin.type("aa-account-capacity", "3");
    admin.click("aa-account-save");
    admin.waitUntil("saved", () -> admin.text("aa-account-result").contains("on"));
    JsonObject account = f.api().get("/api/v1/account").json().getJsonObject("autoAssign");
    assertThat(account.getString("mode")).isEqualTo("least_busy");
    assertThat(account.getInteger("capacity")).isEqualTo(3);
    assertThat(account.getBoolean("onlyAvailable")).isTrue();

    admin.css("[data-testid='team-row'][data-name='Support'] [data-testid='team-edit']").click();
    admin.waitUntil("the team's controls", () -> admin.visible("nt-aa-on"));
    admin.el("nt-aa-on").click();
    admin.el("nt-aa-only-available").click();
    assertThat(AgentDayBrowserIT.axe(admin)).as("the team dialog").isEmpty();
    admin.screenshot("collision-05-team-auto-assign");
    admin.click("nt-save");
    admin.waitUntil("the team row says so", () -> admin.all("[data-testid='team-row'][data-name='Support'] [data-testid='team-auto-assign']")
        .stream().anyMatch(e -> e.getText().contains("in turn, at most 5 each")));
    JsonObject team = f.api().get("/api/v1/teams/" + f.teamId).json().getJsonObject("autoAssign");
    assertThat(team.getString("mode")).isEqualTo("round_robin");
    assertThat(team.getBoolean("onlyAvailable")).isFalse();
    assertThat(AgentDayBrowserIT.axe(admin)).as("Settings > Teams").isEmpty();
    admin.screenshot("collision-06-teams-auto-assign");
    // off again, so the other test's conversations stay where the agents put them
    assertThat(f.api().patch("/api/v1/account", new JsonObject().putNull("autoAssign")).status()).isEqualTo(200);
    assertThat(f.api().patch("/api/v1/teams/" + f.teamId, new JsonObject().putNull("autoAssign")).status()).isEqualTo(200);
  }
}
