package dev.switchboard.web;

import dev.switchboard.support.Http;
import dev.switchboard.support.Requires;
import dev.switchboard.support.Seed;
import dev.switchboard.support.Webhooks;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.switchboard.web.Browser.tid;
import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("An agent's day in the web inbox: edits, widths, read state, times, previews, keyboard, drafts, notifications, accessibility, live redraws")
class AgentDayBrowserIT {

  @RegisterExtension
  static final Requires CHROMIUM = Browser.REQUIRED;

  @RegisterExtension
  final ScreenshotOnFailure onFailure = new ScreenshotOnFailure(() -> page);

  static BrowserFixture f;
  static Browser page;
  static Http agentApi;
  static final AtomicInteger seq = new AtomicInteger();

  @BeforeAll
  static void start() {
    f = new BrowserFixture(new JsonObject());
    page = f.browser().login(f.account.adminEmail(), f.account.password());
    agentApi = f.http.as(f.http.login(f.agentEmail, f.agentPassword));
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

  @BeforeEach
  void freshPage() {
    page.open("/");
    page.waitUntil("the inbox", () -> page.visible("agent-name"));
    page.waitLive();
  }

  record Customer(String waId, String name) {
  }

  static Customer customer(String name) {
    int n = seq.incrementAndGet();
    return new Customer("1415666" + String.format("%04d", n), name + " " + n);
  }

  static String writes(Customer c, String text) {
    Webhooks.whatsappText(f.http, c.waId(), c.name(), text);
    return f.conversationOf(c.waId());
  }

  static String contactOf(String conv) {
    return f.api().get("/api/v1/conversations/" + conv).json().getJsonObject("contact").getString("id");
  }

  static String field(String contactId, String name) {
    return f.api().get("/api/v1/contacts/" + contactId).json().getJsonObject("fields").getString(name);
  }

  static int waSends() {
    return f.graph.calls("POST", "/" + Webhooks.WA_PHONE_NUMBER_ID + "/messages").size();
  }

  /** A browser of the given size, signed in. */
  static Browser sized(int width, int height, String email, String password) {
    Browser b = f.fresh();
    b.driver.manage().window().setSize(new Dimension(width, height));
    return b.login(email, password);
  }

  /** Whether the element is drawn and wholly inside the viewport (nothing to scroll to reach it). */
  static boolean inViewport(Browser b, String testId) {
    return Boolean.TRUE.equals(b.js("""
        const el = [...document.querySelectorAll(`[data-testid='${arguments[0]}']`)].find((e) => e.offsetParent !== null);
        if (!el) return false;
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth;""", testId));
  }

  /** Nothing on the page is wider than the window: no sideways scrolling. */
  /** The agent signed in at this size, live, on the All tab. */
  static Browser agentOnAll(int width, int height) {
    Browser b = sized(width, height, f.agentEmail, f.agentPassword);
    b.waitLive();
    b.click("tab-all");
    return b;
  }

  static void noSideways(Browser b, String where) {
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) b.js("return {sw: document.documentElement.scrollWidth, bw: document.body.scrollWidth, iw: window.innerWidth};");
    long iw = ((Number) m.get("iw")).longValue();
    assertThat(((Number) m.get("sw")).longValue()).as("document scrollWidth at " + where).isLessThanOrEqualTo(iw);
    assertThat(((Number) m.get("bw")).longValue()).as("body scrollWidth at " + where).isLessThanOrEqualTo(iw);
  }

  /** A screenshot of one part of the page (small enough for docs/img), next to the others in target/screenshots. */
  static void shot(Browser b, String selector, String name) {
    try {
      java.nio.file.Files.createDirectories(Browser.SCREENSHOTS);
      java.nio.file.Files.write(Browser.SCREENSHOTS.resolve(name + ".png"), b.css(selector).getScreenshotAs(org.openqa.selenium.OutputType.BYTES));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String rowText(Browser b, String name, String testId) {
    return b.waitFor(testId + " of " + name, () -> {
      List<WebElement> found = b.conversation(name).findElements(tid(testId));
      String text = found.isEmpty() ? "" : found.get(0).getText();
      // the badge's number, without the words said only to screen readers
      return "conv-unread".equals(testId) ? text.replaceAll("[^0-9+]", "") : text;
    });
  }

  // ---------- 1. field edits stay with their contact ----------

  @Test
  @DisplayName("a field edit left for the next contact is saved to its own contact, not carried over, and ✓ there saves nothing of it")
  void fieldEditStaysWithItsContact() {
    Customer omar = customer("Omar Fields");
    Customer dana = customer("Dana Fields");
    String omarConv = writes(omar, "Hi from Omar");
    String danaConv = writes(dana, "Hi from Dana");
    String omarId = contactOf(omarConv);
    String danaId = contactOf(danaConv);
    f.api().put("/api/v1/contacts/" + omarId + "/fields/membership", new JsonObject().put("value", "silver"));
    f.api().put("/api/v1/contacts/" + danaId + "/fields/membership", new JsonObject().put("value", "gold"));
    page.click("tab-all");
    page.openConversation(omar.name());
    page.waitUntil("Omar's field", () -> "silver".equals(page.css("[data-testid='field-value'][data-name='membership']").getAttribute("value")));
    page.typeCss("[data-testid='field-value'][data-name='membership']", "platinum");
    page.waitUntil("the edit typed", () -> "platinum".equals(page.css("[data-testid='field-value'][data-name='membership']").getAttribute("value")));
    page.screenshot("agent-01-field-typed");

    page.openConversation(dana.name());
    page.waitUntil("Dana's stored value", () -> "gold".equals(page.css("[data-testid='field-value'][data-name='membership']").getAttribute("value")));
    page.clickCss("[data-testid='field-save'][data-name='membership']");
    page.screenshot("agent-01-field-other-contact");
    assertThat(field(danaId, "membership")).isEqualTo("gold");

    page.openConversation(omar.name());
    page.waitUntil("Omar's value, saved as the field was left", () -> "platinum".equals(page.css("[data-testid='field-value'][data-name='membership']").getAttribute("value")));
    assertThat(field(omarId, "membership")).isEqualTo("platinum");
    assertThat(field(danaId, "membership")).isEqualTo("gold");
  }

  @Test
  @DisplayName("a field edit is saved when the agent clicks elsewhere; Escape cancels one; a refused one stays in the field with the reason shown")
  void fieldEditSavedOnLeavingIt() {
    Customer cus = customer("Tia Tier");
    String contact = contactOf(writes(cus, "Hi, about my tier"));
    f.api().put("/api/v1/contacts/" + contact + "/fields/tier", new JsonObject().put("value", "gold"));
    page.click("tab-all");
    page.openConversation(cus.name());
    String tier = "[data-testid='field-value'][data-name='tier']";
    String elsewhere = "[data-testid='field-row'][data-name='tier'] [data-testid='field-name']";
    page.waitUntil("the field", () -> "gold".equals(page.css(tier).getAttribute("value")));

    page.typeCss(tier, "platinum");
    page.clickCss(elsewhere);
    page.waitUntil("the value saved without ✓ or Enter", () -> "platinum".equals(field(contact, "tier")));
    page.waitUntil("the saved value shown", () -> "platinum".equals(page.css(tier).getAttribute("value")));

    page.typeCss(tier, "bronze");
    page.css(tier).sendKeys(org.openqa.selenium.Keys.ESCAPE);
    page.waitUntil("Escape puts the stored value back", () -> "platinum".equals(page.css(tier).getAttribute("value")));
    page.clickCss(elsewhere);
    assertThat(field(contact, "tier")).as("nothing saved after Escape").isEqualTo("platinum");

    // longer than the server keeps: refused, the reason shown, the typed value not lost
    String tooLong = "x".repeat(4097);
    page.js("const i = document.querySelector(arguments[0]); i.focus(); i.value = arguments[1];"
        + " i.dispatchEvent(new Event('input', { bubbles: true }));", tier, tooLong);
    page.clickCss(elsewhere);
    page.waitUntil("the refusal shown", () -> page.visible("toast") && page.text("toast").contains("4096"));
    assertThat(page.css(tier).getAttribute("value")).as("the refused value, still in the field").isEqualTo(tooLong);
    assertThat(field(contact, "tier")).isEqualTo("platinum");
    page.screenshot("agent-01-field-refused");
  }

  // ---------- 2. narrow screens ----------

  @Test
  @DisplayName("at 390×844 the list, the thread and the contact are stacked views with back buttons; composer and Send in view; nothing scrolls sideways")
  void phoneLayout() {
    stacked(390, 844, "phone");
  }

  @Test
  @DisplayName("at 768×1024 the same stacked views")
  void tabletLayout() {
    stacked(768, 1024, "tablet");
  }

  private void stacked(int width, int height, String label) {
    Customer c = customer("Narrow " + label);
    String conv = writes(c, "A long question that would need the thread to be wider than a phone to fit on a single line of text, surely?");
    f.api().put("/api/v1/contacts/" + contactOf(conv) + "/fields/order", new JsonObject().put("value", "#A-1042-ZX-99872-LONG-ORDER-REFERENCE"));
    Browser b = sized(width, height, f.agentEmail, f.agentPassword);
    b.waitLive();
    assertThat(((Number) b.js("return window.innerWidth")).intValue()).isLessThanOrEqualTo(width);
    b.click("tab-all");
    b.conversation(c.name());
    assertThat(b.visible("conversation-list")).isTrue();
    assertThat(b.visible("thread-empty")).as("the thread is a view of its own").isFalse();
    noSideways(b, label + " list");
    assertThat(inViewport(b, "logout")).as("Log out in view").isTrue();
    assertThat(inViewport(b, "new-contact-button")).as("Add new contact in view").isTrue();
    b.screenshot("agent-02-" + label + "-list");

    b.openConversation(c.name());
    b.waitUntil("the composer", () -> b.visible("composer-text"));
    assertThat(b.visible("conversation-list")).as("the list is hidden behind the thread").isFalse();
    assertThat(inViewport(b, "composer-text")).as("composer in view").isTrue();
    assertThat(inViewport(b, "send-button")).as("Send in view").isTrue();
    assertThat(inViewport(b, "back-to-list")).as("back button in view").isTrue();
    assertThat(inViewport(b, "status-button")).as("the status menu in view").isTrue();
    noSideways(b, label + " thread");
    b.screenshot("agent-02-" + label + "-thread");

    b.click("show-contact");
    b.waitUntil("the contact view", () -> b.visible("fields-section"));
    assertThat(b.visible("composer-text")).isFalse();
    assertThat(inViewport(b, "back-to-thread")).isTrue();
    noSideways(b, label + " contact");
    b.screenshot("agent-02-" + label + "-contact");

    b.click("back-to-thread");
    b.waitUntil("the thread again", () -> b.visible("composer-text"));
    b.click("back-to-list");
    b.waitUntil("the list again", () -> b.visible("conversation-list") && !b.visible("composer-text"));
    // the page is not stuck: its panes scroll, the body does not hide what is below
    noSideways(b, label + " back on the list");
  }

  // ---------- 3. template parameters ----------

  @Test
  @DisplayName("a template with a blank parameter is refused in the page, naming it, and nothing is sent; a brand-new contact is told why only templates go")
  void templateNeedsEveryParameter() {
    int before = waSends();
    page.click("new-contact-button");
    page.type("nc-phone", "+4915119" + String.format("%05d", seq.incrementAndGet()));
    page.type("nc-name", "Tina Template");
    page.click("nc-submit");
    page.waitUntil("the template picker", () -> page.visible("template-select"));
    List<WebElement> params = page.all("[data-testid='template-param']");
    assertThat(params).hasSize(2);
    params.get(0).sendKeys("Tina");
    params.get(1).sendKeys("   ");
    page.click("template-send");
    page.waitUntil("the refusal", () -> page.visible("template-error"));
    assertThat(page.text("template-error")).contains("{{2}}").doesNotContain("{{1}}");
    page.screenshot("agent-03-template-blank");
    assertThat(waSends()).isEqualTo(before);

    page.click("nc-skip");
    page.waitUntil("the new conversation", () -> page.visible("thread-title") && page.text("thread-title").equals("Tina Template"));
    page.waitUntil("the template-only composer", () -> page.visible("template-reason"));
    assertThat(page.text("template-reason")).contains("has not written yet").doesNotContain("closed");
  }

  // ---------- 4. read state ----------

  @Test
  @DisplayName("read state per agent: opening reads, a reload keeps it, a message into the open visible thread is read, another tab of the agent follows, the assignee's reading counts for everyone")
  void readStateAcrossAgents() {
    Customer c = customer("Rita Read");
    String conv = writes(c, "first question");
    Browser bea = agentOnAll(1440, 900);
    page.click("tab-all");
    page.waitUntil("the admin's unread badge", () -> rowText(page, c.name(), "conv-unread").equals("1"));
    bea.waitUntil("Bea's unread badge", () -> rowText(bea, c.name(), "conv-unread").equals("1"));
    page.waitUntil("the count in the title", () -> page.driver.getTitle().matches("\\(\\d+\\) Switchboard"));
    int listedUnread = page.all("[data-testid='conv-item'] [data-testid='conv-unread']").size();
    assertThat(page.driver.getTitle()).isEqualTo("(" + listedUnread + ") Switchboard");
    page.screenshot("agent-04-unread-row");

    bea.openConversation(c.name());
    bea.waitUntil("Bea's read mark", () -> agentApi.get("/api/v1/conversations/" + conv).json().getInteger("unreadCount") == 0);
    // the list alone (the address would reopen the conversation, which is read while on screen)
    bea.open("/#/all");
    bea.waitLive();
    bea.click("tab-all");
    bea.waitUntil("the row after a reload", () -> bea.conversation(c.name()) != null);
    assertThat(rowText(bea, c.name(), "conv-unread")).as("read stays read after a reload").isEmpty();
    // unassigned: the admin's own reading counts for the admin
    assertThat(rowText(page, c.name(), "conv-unread")).isEqualTo("1");

    // a second tab of Bea's, on the list; the first has the conversation open and visible
    Browser beaTab = agentOnAll(1440, 900);
    bea.openConversation(c.name());
    writes(c, "second question, while Bea is reading");
    bea.waitUntil("the message in Bea's thread", () -> bea.all("[data-testid='message-text']").stream().anyMatch(e -> e.getText().contains("second question")));
    bea.waitUntil("read by being on screen", () -> agentApi.get("/api/v1/conversations/" + conv).json().getInteger("unreadCount") == 0
        && agentApi.get("/api/v1/conversations/" + conv).json().getJsonObject("lastMessage").getString("text").contains("second question"));
    beaTab.waitUntil("the other tab in step", () -> rowText(beaTab, c.name(), "conv-unread").isEmpty()
        && rowText(beaTab, c.name(), "conv-preview").contains("second question"));
    page.waitUntil("the admin still has two unread", () -> rowText(page, c.name(), "conv-unread").equals("2"));

    // a tab in the background marks nothing read; coming back to it reads what arrived meanwhile
    bea.js("""
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
        document.dispatchEvent(new Event('visibilitychange'));""");
    writes(c, "third question, while Bea looks elsewhere");
    bea.waitUntil("the message in the hidden tab", () -> bea.all("[data-testid='message-text']").stream().anyMatch(e -> e.getText().contains("third question")));
    beaTab.waitUntil("unread for Bea while hidden", () -> rowText(beaTab, c.name(), "conv-unread").equals("1"));
    assertThat(agentApi.get("/api/v1/conversations/" + conv).json().getInteger("unreadCount")).isEqualTo(1);
    bea.js("""
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
        document.dispatchEvent(new Event('visibilitychange'));""");
    beaTab.waitUntil("read once Bea looks again", () -> rowText(beaTab, c.name(), "conv-unread").isEmpty());
    assertThat(agentApi.get("/api/v1/conversations/" + conv).json().getInteger("unreadCount")).isZero();

    // assigned to Bea: what Bea has read is what everyone sees
    f.api().patch("/api/v1/conversations/" + conv, new JsonObject().put("assignee", new JsonObject().put("type", "agent").put("id", String.valueOf(f.agentId))));
    page.waitUntil("the admin sees Bea's reading", () -> rowText(page, c.name(), "conv-unread").isEmpty());
    page.screenshot("agent-04-read-by-assignee");
  }

  // ---------- 5. times ----------

  @Test
  @DisplayName("a bubble shows when the customer sent the message, the receive time in its tooltip; the list says how long ago")
  void sendTimes() {
    Customer c = customer("Tom Times");
    Instant sent = Instant.now().minus(Duration.ofHours(3));
    Webhooks.post(f.http, "whatsapp", Webhooks.whatsappMessage("whatsapp_text.json", c.waId(), c.name(), Webhooks.wamid(), sent,
        m -> m.getJsonObject("text").put("body", "sent three hours ago")));
    String conv = f.conversationOf(c.waId());
    page.click("tab-all");
    // three hours old, the row sorts below the first page once the class has made 30 newer conversations
    page.type("search-input", "+" + c.waId());
    page.openConversation(c.name());
    WebElement time = page.css("[data-testid='message'] [data-testid='message-time']");
    String expected = (String) page.js("return new Date(arguments[0]).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });",
        sent.toString());
    assertThat(time.getText()).isEqualTo(expected);
    assertThat(time.getAttribute("title")).contains("Sent by the customer").contains("Received");
    assertThat(f.api().get("/api/v1/conversations/" + conv + "/messages").items().getJsonObject(0).getString("platformTimestamp")).isNotNull();
    String ago = rowText(page, c.name(), "conv-time");
    assertThat(ago).matches("now|\\d+ [mhd]");
    assertThat(page.conversation(c.name()).findElement(tid("conv-time")).getAttribute("title")).isNotBlank();
    page.screenshot("agent-05-times");
  }

  // ---------- 6. adding a contact ----------

  @Test
  @DisplayName("a number without country code is refused with a hint; a known number opens its conversation with its open window")
  void addContactChecksTheNumber() {
    page.click("new-contact-button");
    page.type("nc-phone", "4155550999");
    page.click("nc-submit");
    page.waitUntil("the hint", () -> page.visible("nc-error"));
    assertThat(page.text("nc-error")).contains("country code").contains("+");
    assertThat(page.visible("template-select")).isFalse();
    page.screenshot("agent-06-no-country-code");
    // a typed number is not thrown away by a stray Escape: the dialog asks first
    page.el("nc-phone").sendKeys(Keys.ESCAPE);
    page.waitUntil("the question", () -> page.visible("discard-confirm"));
    assertThat(page.el("nc-phone").getAttribute("value")).isEqualTo("4155550999");
    page.click("discard-yes");
    page.waitUntil("the dialog closed", () -> !page.visible("modal"));

    Customer c = customer("Known Kim");
    writes(c, "I am already here");
    page.click("new-contact-button");
    page.type("nc-phone", "+" + c.waId());
    page.click("nc-submit");
    page.waitUntil("the existing conversation", () -> page.visible("thread-title") && page.text("thread-title").equals(c.name()));
    assertThat(page.visible("modal")).isFalse();
    page.waitUntil("a free-form reply (the window is open)", () -> page.visible("composer-text"));
    assertThat(page.visible("composer-template-only")).isFalse();
  }

  // ---------- 7. list rows ----------

  @Test
  @DisplayName("a row previews the last message in one line (notes marked, photos named), with its unread count and assignee")
  void rowPreview() {
    Customer c = customer("Pia Preview");
    String conv = writes(c, "Where is my parcel?\nIt was due on Monday.");
    page.click("tab-all");
    page.waitUntil("the text preview", () -> rowText(page, c.name(), "conv-preview").equals("Where is my parcel? It was due on Monday."));
    f.api().post("/api/v1/conversations/" + conv + "/messages", new JsonObject().put("type", "note").put("text", "Checked with the courier"));
    page.waitUntil("the note preview", () -> rowText(page, c.name(), "conv-preview").equals("Note: Checked with the courier"));
    Webhooks.post(f.http, "whatsapp", Webhooks.whatsappMessage("whatsapp_image.json", c.waId(), c.name(), Webhooks.wamid(), Instant.now(), m -> {
    }));
    page.waitUntil("the photo preview", () -> rowText(page, c.name(), "conv-preview").startsWith("📷 Photo"));
    f.api().patch("/api/v1/conversations/" + conv, new JsonObject().put("assignee", new JsonObject().put("type", "agent").put("id", String.valueOf(f.agentId))));
    page.waitUntil("the assignee", () -> rowText(page, c.name(), "conv-assignee").equals("→ Bea Agent"));
    page.waitUntil("the unread count", () -> rowText(page, c.name(), "conv-unread").matches("[1-9]"));
    page.screenshot("agent-07-row-preview");
    shot(page, "#list-pane", "agent-07-list-pane");
  }

  // ---------- 8. the address bar ----------

  @Test
  @DisplayName("the tab, filter and open conversation live in the URL: reload and back/forward work; Mine is one click")
  void urlState() {
    Customer c = customer("Uma Url");
    String conv = writes(c, "remember me");
    page.click("tab-all");
    new org.openqa.selenium.support.ui.Select(page.el("platform-select")).selectByValue("whatsapp");
    page.openConversation(c.name());
    page.waitUntil("the address", () -> page.driver.getCurrentUrl().endsWith("#/all/" + conv + "?platform=whatsapp"));
    page.driver.navigate().refresh();
    page.waitUntil("the conversation after a reload", () -> page.visible("thread-title") && page.text("thread-title").equals(c.name()));
    assertThat(page.el("tab-all").getAttribute("class")).contains("active");
    page.driver.navigate().back();
    page.waitUntil("no conversation after Back", () -> page.visible("thread-empty"));
    assertThat(page.driver.getCurrentUrl()).endsWith("#/all?platform=whatsapp");
    page.driver.navigate().forward();
    page.waitUntil("the conversation after Forward", () -> page.visible("thread-title") && page.text("thread-title").equals(c.name()));

    // live counts update the quick views in place: a button re-created under the pointer would swallow a click
    page.js("document.querySelector(\"[data-testid='view-mine']\").dataset.kept = 'yes'");
    String mineBefore = page.text("count-mine");
    f.api().patch("/api/v1/conversations/" + conv, new JsonObject().put("assignee", new JsonObject().put("type", "agent").put("id", String.valueOf(f.account.adminId()))));
    page.waitUntil("Mine counts the assignment", () -> !page.text("count-mine").equals(mineBefore));
    assertThat(page.el("view-mine").getAttribute("data-kept")).as("the Mine button after the counts changed").isEqualTo("yes");
    String me = page.text("agent-name");
    page.click("view-mine");
    page.waitUntil("Mine in the address", () -> page.driver.getCurrentUrl().contains("#/mine"));
    page.waitUntil("only mine", () -> page.listed(c.name()) && page.all("[data-testid='conv-item']").stream()
        .allMatch(e -> !e.findElements(tid("conv-assignee")).isEmpty() && e.findElement(tid("conv-assignee")).getText().equals("→ " + me)));
    page.screenshot("agent-08-mine");
    page.click("view-unassigned");
    page.waitUntil("the Open tab", () -> page.el("tab-open").getAttribute("class").contains("active"));
  }

  // ---------- 9. keyboard ----------

  @Test
  @DisplayName("keyboard: / searches, j/k and arrows move along rows, Enter opens, Escape closes menus, r/n switch, Enter sends and Shift+Enter breaks the line")
  void keyboard() {
    Customer a = customer("Kay Keys");
    Customer b = customer("Kim Keys");
    writes(a, "first");
    writes(b, "second");
    page.click("tab-all");
    page.conversation(a.name());
    page.conversation(b.name());
    page.css("body").sendKeys("/");
    page.waitUntil("search focused", () -> "search-input".equals(page.js("return document.activeElement.dataset.testid")));
    page.el("search-input").sendKeys(Keys.TAB);

    page.css("body").sendKeys("j");
    page.waitUntil("a row focused", () -> "conv-item".equals(page.js("return document.activeElement.dataset.testid")));
    // the keyboard's place is drawn
    assertThat(page.js("return getComputedStyle(document.activeElement).outlineStyle")).isEqualTo("solid");
    String first = (String) page.js("return document.activeElement.dataset.id");
    page.driver.switchTo().activeElement().sendKeys(Keys.ARROW_DOWN);
    String second = (String) page.js("return document.activeElement.dataset.id");
    assertThat(second).isNotEqualTo(first);
    page.driver.switchTo().activeElement().sendKeys("k");
    assertThat(page.js("return document.activeElement.dataset.id")).isEqualTo(first);
    page.driver.switchTo().activeElement().sendKeys(Keys.ENTER);
    page.waitUntil("the focused row opened", () -> first.equals(page.js("return window.__switchboard.selectedId")) && page.visible("composer-text"));
    page.screenshot("agent-09-keyboard-focus");

    page.click("filter-button");
    page.waitUntil("the filter menu", () -> page.visible("filter-apply"));
    page.css("body").sendKeys(Keys.ESCAPE);
    page.waitUntil("the menu closed by Escape", () -> !page.visible("filter-apply"));

    page.js("document.activeElement.blur()");
    page.css("body").sendKeys("n");
    page.waitUntil("note mode", () -> page.el("composer").getAttribute("class").contains("note-mode"));
    page.js("document.activeElement.blur()");
    page.css("body").sendKeys("r");
    page.waitUntil("reply mode", () -> !page.el("composer").getAttribute("class").contains("note-mode"));

    WebElement text = page.el("composer-text");
    text.sendKeys("line one");
    text.sendKeys(Keys.chord(Keys.SHIFT, Keys.ENTER));
    text.sendKeys("line two");
    assertThat(page.el("composer-text").getAttribute("value")).isEqualTo("line one\nline two");
    int before = waSends();
    page.el("composer-text").sendKeys(Keys.ENTER);
    page.waitUntil("sent by Enter", () -> page.all("[data-testid='message-text']").stream().anyMatch(e -> e.getText().equals("line one\nline two")));
    BrowserFixture.eventually("the send", () -> waSends() > before ? true : null);

    // the other way round, by the agent's choice
    page.click("enter-sends");
    page.el("composer-text").sendKeys("a", Keys.ENTER, "b");
    assertThat(page.el("composer-text").getAttribute("value")).isEqualTo("a\nb");
    page.click("enter-sends");
  }

  // ---------- 10. drafts ----------

  @Test
  @DisplayName("a draft stays with its conversation across switches and a reload; when the window closes while typing it is kept and sent as a note")
  void drafts() {
    Customer a = customer("Dora Draft");
    Customer b = customer("Dirk Draft");
    String convA = writes(a, "hello");
    writes(b, "hello too");
    page.click("tab-all");
    page.openConversation(a.name());
    page.el("composer-text").sendKeys("half a reply for Dora");
    page.openConversation(b.name());
    assertThat(page.el("composer-text").getAttribute("value")).isEmpty();
    page.openConversation(a.name());
    page.waitUntil("Dora's draft back", () -> "half a reply for Dora".equals(page.el("composer-text").getAttribute("value")));
    page.driver.navigate().refresh();
    page.waitUntil("the draft after a reload", () -> page.visible("composer-text") && "half a reply for Dora".equals(page.el("composer-text").getAttribute("value")));

    // the customer's window ends a few seconds from now, while the agent is still typing
    Seed.insert(f.db, "UPDATE conversations SET last_inbound_at = now() - interval '24 hours' + interval '3 seconds' WHERE id = ? RETURNING id", Long.parseLong(convA));
    f.api().patch("/api/v1/conversations/" + convA, new JsonObject().put("status", "open"));
    page.el("composer-text").sendKeys(" and more");
    page.waitUntil("the window closed", () -> page.visible("composer-template-only"));
    page.waitUntil("the kept draft", () -> page.visible("kept-draft-text"));
    assertThat(page.text("kept-draft-text")).isEqualTo("half a reply for Dora and more");
    page.screenshot("agent-10-kept-draft");
    shot(page, "#composer", "agent-10-composer");
    page.waitUntil("the template's parameters", () -> page.visible("template-param"));
    page.click("draft-to-param");
    assertThat(page.all("[data-testid='template-param']").get(0).getAttribute("value")).isEqualTo("half a reply for Dora and more");
    page.click("draft-as-note");
    page.waitUntil("the note", () -> page.all("[data-testid='message'][data-type='note'] [data-testid='message-text']").stream()
        .anyMatch(e -> e.getText().equals("half a reply for Dora and more")));
    assertThat(page.visible("kept-draft")).isFalse();
  }

  /** Every sessionStorage entry of the page, key → value. */
  @SuppressWarnings("unchecked")
  static Map<String, String> sessionStorage(Browser b) {
    return (Map<String, String>) b.js("return Object.fromEntries(Object.keys(sessionStorage).map((k) => [k, sessionStorage.getItem(k)]));");
  }

  /** Signs in on the login form already shown, without loading the page again (the same tab, the same page). */
  static void signInHere(Browser b, String email, String password) {
    b.waitUntil("the login form", () -> b.visible("login-form"));
    b.type("login-email", email);
    b.type("login-password", password);
    b.click("login-submit");
    b.waitUntil("the inbox after login", () -> b.visible("agent-name") && !b.visible("login-form"));
    b.waitLive();
  }

  @Test
  @DisplayName("a draft leaves with its agent: after Bea signs out, the admin signing in in the same tab finds an empty composer and none of Bea's text in the tab's storage, even when a copy of it was left there")
  void draftsLeaveWithTheAgent() {
    Customer c = customer("Pia Private");
    writes(c, "my card was charged twice");
    String secret = "PRIVATE: card 4242 refund for " + c.name();
    Browser b = agentOnAll(1440, 900);
    b.openConversation(c.name());
    b.el("composer-text").sendKeys(secret);
    b.waitUntil("Bea's draft kept", () -> sessionStorage(b).values().stream().anyMatch(v -> v.contains("4242")));

    b.click("logout");
    b.waitUntil("the login form", () -> b.visible("login-form"));
    assertThat(sessionStorage(b).values()).as("nothing of Bea's draft after she signs out").noneMatch(v -> v.contains("4242"));
    assertThat((String) b.js("return document.body.innerHTML")).as("nor in the signed-out page").doesNotContain("4242");

    // the admin, in the same tab and page
    signInHere(b, f.account.adminEmail(), f.account.password());
    b.click("tab-all");
    b.openConversation(c.name());
    b.waitUntil("the admin's composer", () -> b.visible("composer-text"));
    assertThat(b.el("composer-text").getAttribute("value")).as("the admin's composer").isEmpty();
    assertThat(sessionStorage(b).values()).as("nothing of Bea's draft while the admin works").noneMatch(v -> v.contains("4242"));
    b.screenshot("agent-10-draft-not-carried-to-the-next-agent");
    b.click("logout");

    // a clear that never happened (Bea's tab was closed while she was signed in, and a duplicate
    // of it lives on): her draft is still in the tab's storage when the admin signs in
    signInHere(b, f.agentEmail, f.agentPassword);
    b.click("tab-all");
    b.openConversation(c.name());
    b.el("composer-text").sendKeys(secret);
    b.waitUntil("Bea's draft kept again", () -> sessionStorage(b).values().stream().anyMatch(v -> v.contains("4242")));
    Map<String, String> left = sessionStorage(b);
    b.click("logout");
    b.waitUntil("the login form", () -> b.visible("login-form"));
    b.js("for (const [k, v] of Object.entries(arguments[0])) sessionStorage.setItem(k, v);", left);
    b.open("/");
    signInHere(b, f.account.adminEmail(), f.account.password());
    b.click("tab-all");
    b.openConversation(c.name());
    b.waitUntil("the admin's composer", () -> b.visible("composer-text"));
    assertThat(b.el("composer-text").getAttribute("value")).as("the admin's composer, with Bea's draft left in the tab").isEmpty();
    assertThat(sessionStorage(b).values()).as("Bea's left-behind draft removed when the admin signs in").noneMatch(v -> v.contains("4242"));
    b.click("logout");
  }

  // ---------- 11. notifications ----------

  @Test
  @DisplayName("opt-in notifications for new customer messages in open unassigned conversations; quiet for the conversation on screen")
  void notifications() {
    Browser b = sized(1440, 900, f.agentEmail, f.agentPassword);
    b.waitLive();
    // the page's Notification is replaced by a recorder: headless Chromium shows no desktop
    b.js("""
        window.__notes = [];
        window.Notification = class { constructor(title, o) { window.__notes.push({ title, body: o.body }); } close() {} };
        window.Notification.permission = 'granted';
        window.Notification.requestPermission = () => Promise.resolve('granted');""");
    b.click("notify-settings");
    b.click("notify-desktop");
    b.waitUntil("switched on", () -> "on".equals(b.js("return localStorage.getItem('switchboard.notify.desktop')")));
    b.screenshot("agent-11-notify-settings");
    b.css("body").sendKeys(Keys.ESCAPE);

    Customer c = customer("Nora Notify");
    String conv = writes(c, "anyone there?");
    f.api().patch("/api/v1/conversations/" + conv, new JsonObject().put("status", "open"));
    Webhooks.whatsappText(f.http, c.waId(), c.name(), "hello? still waiting");
    b.waitUntil("a notification", () -> ((Number) b.js("return window.__notes.filter((n) => n.body.includes('still waiting')).length")).intValue() == 1);
    assertThat(b.js("return window.__notes.find((n) => n.body.includes('still waiting')).title")).isEqualTo(c.name());

    b.click("tab-open");
    b.openConversation(c.name());
    Webhooks.whatsappText(f.http, c.waId(), c.name(), "now you see me");
    b.waitUntil("the message on screen", () -> b.all("[data-testid='message-text']").stream().anyMatch(e -> e.getText().equals("now you see me")));
    // the notification handler has had the event; the open visible conversation stays quiet
    b.waitUntil("the row updated", () -> rowText(b, c.name(), "conv-preview").equals("now you see me"));
    assertThat(((Number) b.js("return window.__notes.filter((n) => n.body.includes('now you see me')).length")).intValue()).isZero();
  }

  // ---------- 12. accessibility ----------

  static String axeSource() {
    try (var in = AgentDayBrowserIT.class.getResourceAsStream("/axe/axe.min.js")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** axe-core's serious and critical violations on the page as it is now, as "rule: targets" lines. */
  @SuppressWarnings("unchecked")
  static List<String> axe(Browser b) {
    b.js(axeSource());
    Object result = b.driver.executeAsyncScript("""
        const done = arguments[arguments.length - 1];
        axe.run(document, { resultTypes: ['violations'] }).then((r) => done(r.violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', '))))
          .catch((e) => done(['axe failed: ' + e]));""");
    return (List<String>) result;
  }

  @Test
  @DisplayName("axe-core finds no serious or critical violation on the login, inbox, conversation and contact views")
  void accessibility() {
    Browser b = f.fresh();
    b.open("/");
    b.waitUntil("the login form", () -> b.visible("login-submit"));
    assertThat(axe(b)).as("login").isEmpty();
    b.screenshot("agent-12-axe-login");
    b.login(f.agentEmail, f.agentPassword);
    b.waitLive();
    Customer c = customer("Ava Axe");
    writes(c, "Is this accessible?");
    b.click("tab-all");
    b.conversation(c.name());
    assertThat(axe(b)).as("inbox").isEmpty();
    b.openConversation(c.name());
    b.waitUntil("the composer", () -> b.visible("composer-text"));
    assertThat(axe(b)).as("conversation and contact").isEmpty();
    b.screenshot("agent-12-axe-conversation");
    b.driver.manage().window().setSize(new Dimension(390, 844));
    b.waitUntil("the stacked thread", () -> b.visible("show-contact"));
    b.click("show-contact");
    b.waitUntil("the contact view", () -> b.visible("fields-section"));
    assertThat(axe(b)).as("contact view").isEmpty();
    b.screenshot("agent-12-axe-contact");
  }

  // ---------- 13. smaller items ----------

  @Test
  @DisplayName("avatars take letters only (\"Omar H. (refund)\" is OH); an empty display name says what shows instead; saved replies tell none from no match")
  void smallerItems() {
    Customer c = new Customer("1415667" + String.format("%04d", seq.incrementAndGet()), "Omar H. (refund)");
    writes(c, "refund please");
    page.click("tab-all");
    page.openConversation(c.name());
    page.waitUntil("the avatar", () -> page.css(".contact-head .avatar").getText().equals("OH"));

    page.click("contact-edit");
    // the pane may be redrawn by a late event of this conversation while the field is found: find it again
    dev.switchboard.support.Await.passes(java.time.Duration.ofSeconds(5), () -> {
      try {
        page.el("contact-name-input").clear();
        page.el("contact-name-input").sendKeys("x", Keys.BACK_SPACE);
      } catch (org.openqa.selenium.StaleElementReferenceException e) {
        throw new AssertionError("the name field was redrawn", e);
      }
    });
    page.waitUntil("the fallback said", () -> page.visible("contact-name-note"));
    assertThat(page.text("contact-name-note")).contains(c.name()).contains("WhatsApp");
    page.click("contact-cancel");

    page.click("saved-replies-button");
    page.type("saved-reply-filter", "zzz-no-such-reply");
    page.waitUntil("the empty filter", () -> page.visible("saved-reply-empty"));
    boolean any = !f.api().get("/api/v1/saved-replies").items().isEmpty();
    assertThat(page.text("saved-reply-empty")).isEqualTo(any ? "No saved reply matches “zzz-no-such-reply”." : "No saved replies yet.");
    page.css("body").sendKeys(Keys.ESCAPE);

    page.type("search-input", "4155550999");
    page.waitUntil("the search hint", () -> page.visible("list-empty") && page.text("list-empty").contains("country code"));
  }

  // ---------- 14. live redraws ----------

  /** A customer writes into a conversation set Open (the header then offers Snooze); returns {conversation, contact}. */
  static String[] openConversationOf(Customer c) {
    String conv = writes(c, "hello from " + c.name());
    assertThat(f.api().patch("/api/v1/conversations/" + conv, new JsonObject().put("status", "open")).status()).isEqualTo(200);
    return new String[] {conv, contactOf(conv)};
  }

  /** A colleague renames the contact: its contact.updated event redraws the header and the contact pane. */
  static void renamedByColleague(String contactId, String name) {
    assertThat(agentApi.patch("/api/v1/contacts/" + contactId, new JsonObject().put("displayName", name)).status()).isEqualTo(200);
  }

  /** Opens the conversation and waits for its read mark, whose events are the first redraws. */
  static void openSettled(String convId) {
    page.click("tab-all");
    page.waitUntil("the row", () -> page.all("[data-testid='conv-item'][data-id='" + convId + "']").size() == 1);
    page.clickCss("[data-testid='conv-item'][data-id='" + convId + "']");
    page.waitUntil("the composer", () -> page.visible("composer-text"));
    page.waitUntil("the read mark", () -> page.js("return window.__switchboard.current && window.__switchboard.current.lastReadMessageId") != null);
  }

  /** Types as an agent does, into whatever has the focus once the name field has it. */
  static void typeIntoFocusedName(String text) {
    page.waitUntil("the name field focused", () -> "contact-name-input".equals(page.js("return document.activeElement.dataset.testid")));
    page.js("document.activeElement.select()");
    page.driver.switchTo().activeElement().sendKeys(text);
    page.waitUntil("the name typed", () -> text.equals(page.js("return document.activeElement.value")));
  }

  @Test
  @DisplayName("an open snooze or status menu stays open, focused, through live redraws of the header, which still show the change")
  void headerMenusSurviveRedraws() {
    Customer mona = customer("Mona Menu");
    String[] c = openConversationOf(mona);
    openSettled(c[0]);

    page.el("snooze-button").sendKeys(Keys.ENTER);
    page.waitUntil("the snooze menu", () -> page.visible("snooze-1h"));
    page.waitUntil("the first preset focused", () -> "snooze-1h".equals(page.js("return document.activeElement.dataset.testid")));
    renamedByColleague(c[1], "Mona Renamed");
    page.waitUntil("the header redrawn with the new name", () -> page.text("thread-title").equals("Mona Renamed"));
    writes(mona, "a second message redraws the header again");
    page.waitUntil("the message shown", () -> page.text("messages").contains("a second message"));
    assertThat(page.visible("snooze-1h")).as("the snooze menu is still open").isTrue();
    assertThat(page.js("return document.activeElement.dataset.testid")).as("the focus stays in the menu").isEqualTo("snooze-1h");
    assertThat(page.js("return document.querySelector('[data-testid=snooze-button]').getAttribute('aria-expanded')")).isEqualTo("true");
    page.screenshot("agent-14-snooze-menu-kept");
    page.el("snooze-1h").sendKeys(Keys.ESCAPE);
    page.waitUntil("the snooze menu closed", () -> !page.visible("snooze-1h"));

    page.click("status-button");
    page.waitUntil("the status menu", () -> page.visible("status-closed"));
    renamedByColleague(c[1], "Mona Again");
    page.waitUntil("the header redrawn again", () -> page.text("thread-title").equals("Mona Again"));
    assertThat(page.visible("status-closed")).as("the status menu is still open").isTrue();
    page.click("status-closed");
    page.waitUntil("Closed in the header", () -> page.text("thread-status").equals("Closed"));
    assertThat(f.api().get("/api/v1/conversations/" + c[0]).json().getString("status")).isEqualTo("closed");
  }

  @Test
  @DisplayName("a display name being typed survives live redraws of the contact pane with its focus and caret, and is not carried to another contact")
  void typedNameSurvivesRedraws() {
    Customer ana = customer("Ana Edit");
    Customer ben = customer("Ben Other");
    String[] a = openConversationOf(ana);
    String[] b = openConversationOf(ben);
    openSettled(a[0]);

    page.click("contact-edit");
    typeIntoFocusedName("Ana Typed");
    // the agent goes back to the start of the name to add a title: the caret is there when the events arrive
    page.driver.switchTo().activeElement().sendKeys(Keys.HOME);
    // a colleague's change to the same contact, a customer message, a colleague's rename: each redraws the pane
    assertThat(agentApi.put("/api/v1/contacts/" + a[1] + "/fields/tier", new JsonObject().put("value", "gold")).status()).isEqualTo(200);
    page.waitUntil("the colleague's field shown live", () -> page.all("[data-testid='field-value'][data-name='tier']").size() == 1);
    writes(ana, "are you there?");
    page.waitUntil("the message shown", () -> page.text("messages").contains("are you there?"));
    renamedByColleague(a[1], "Ana From Colleague");
    page.waitUntil("the header follows the colleague", () -> page.text("thread-title").equals("Ana From Colleague"));
    assertThat(page.el("contact-name-input").getAttribute("value")).as("the typed name").isEqualTo("Ana Typed");
    assertThat(page.js("return document.activeElement.dataset.testid")).as("the focus stays in the name").isEqualTo("contact-name-input");
    // what the agent types next lands where their caret was, not at the end of a redrawn field
    page.driver.switchTo().activeElement().sendKeys("Dr ");
    assertThat(page.el("contact-name-input").getAttribute("value")).isEqualTo("Dr Ana Typed");
    page.screenshot("agent-14-typed-name-kept");
    page.click("contact-save");
    page.waitUntil("saved", () -> page.visible("contact-display-name") && page.text("contact-display-name").equals("Dr Ana Typed"));
    assertThat(f.api().get("/api/v1/contacts/" + a[1]).json().getString("displayName")).isEqualTo("Dr Ana Typed");

    // a name typed and left unsaved stays with its contact: Ben's pane starts from Ben's stored name
    page.click("contact-edit");
    typeIntoFocusedName("Not For Ben");
    page.clickCss("[data-testid='conv-item'][data-id='" + b[0] + "']");
    page.waitUntil("Ben's pane", () -> page.visible("contact-display-name") && page.text("contact-display-name").equals(ben.name()));
    assertThat(page.all("[data-testid='contact-name-input']")).isEmpty();
    page.click("contact-edit");
    String bensStored = f.api().get("/api/v1/contacts/" + b[1]).json().getString("displayName");
    assertThat(page.el("contact-name-input").getAttribute("value")).isEqualTo(bensStored == null ? "" : bensStored);
    page.click("contact-cancel");
    page.clickCss("[data-testid='conv-item'][data-id='" + a[0] + "']");
    page.waitUntil("Ana's pane, as stored", () -> page.visible("contact-display-name") && page.text("contact-display-name").equals("Dr Ana Typed"));
    assertThat(f.api().get("/api/v1/contacts/" + b[1]).json().getString("displayName")).isNotEqualTo("Not For Ben");
  }

  @Test
  @DisplayName("a display name pasted past its 200 characters: 200 kept and the contact pane says how many were not, beside the field; a label typed to its 64 says it is full; axe with the notes shown")
  void limitsSaidInTheContactPane() {
    Customer lena = customer("Lena Limit");
    String[] c = openConversationOf(lena);
    openSettled(c[0]);

    page.click("contact-edit");
    page.waitUntil("the name field focused", () -> "contact-name-input".equals(page.js("return document.activeElement.dataset.testid")));
    page.js("document.activeElement.select()");
    page.paste("contact-name-input", "Lena ".repeat(50));
    page.waitLimitNote("contact-name-input", "200 of 200 characters: the last 50 pasted characters were not kept.");
    assertThat(page.el("contact-name-input").getAttribute("value")).hasSize(200);

    page.js("arguments[0].value = 'v'.repeat(63)", page.el("label-input"));
    page.el("label-input").sendKeys("ip");
    page.waitLimitNote("label-input", "64 of 64 characters: the field is full.");
    assertThat(page.el("label-input").getAttribute("value")).hasSize(64);
    assertThat(page.js("const p = document.getElementById('contact-pane'); return p.scrollWidth - p.clientWidth;"))
        .as("the name's editor and its note fit the pane: nothing to scroll sideways to read them").isEqualTo(0L);
    shot(page, "#contact-pane", "agent-15-limit-notes");
    assertThat(axe(page)).as("the contact pane with both notes").isEmpty();
    page.click("contact-cancel");
  }

  @Test
  @DisplayName("a live update redraws only its own row, in place: every row stays the same element, the focused one keeps the focus")
  void listRowsAreKeptByConversation() {
    Customer xena = customer("Xena Kept");
    Customer yuri = customer("Yuri Moved");
    String x = writes(xena, "first from Xena");
    String y = writes(yuri, "first from Yuri");
    page.click("tab-all");
    String row = "[data-testid='conv-item'][data-id='%s']";
    page.waitUntil("both rows", () -> page.all(row.formatted(x)).size() == 1 && page.all(row.formatted(y)).size() == 1);
    page.js("const r = document.querySelector(arguments[0]); r.__kept = true; r.focus();", row.formatted(x));
    page.js("document.querySelector(arguments[0]).__kept = true;", row.formatted(y));
    writes(yuri, "Yuri again, newest now");
    page.waitUntil("Yuri's row updated live", () -> page.css(row.formatted(y) + " [data-testid='conv-preview']").getText().contains("Yuri again"));
    assertThat(page.js("return document.querySelector(arguments[0]).__kept === true", row.formatted(x))).as("Xena's row is the same element").isEqualTo(true);
    assertThat(page.js("return document.activeElement.dataset.id")).as("the focus stays on Xena's row").isEqualTo(x);
    // a row whose conversation changed gets its new content in place: a click that began on it
    // before the update still ends on it
    assertThat(page.js("return document.querySelector(arguments[0]).__kept === true", row.formatted(y))).as("Yuri's row is the same element").isEqualTo(true);
    page.waitUntil("the newest first", () -> y.equals(page.js("return document.querySelector(\"[data-testid='conv-item']\").dataset.id")));
    // the focused row itself changes: it keeps the focus, and still opens its own conversation
    writes(xena, "Xena again, the row in focus");
    page.waitUntil("Xena's row updated live", () -> page.css(row.formatted(x) + " [data-testid='conv-preview']").getText().contains("Xena again"));
    assertThat(page.js("return document.activeElement.__kept === true && document.activeElement.dataset.id")).as("the focus stays on Xena's row").isEqualTo(x);
    page.driver.switchTo().activeElement().sendKeys(Keys.ENTER);
    page.waitUntil("Xena's conversation open", () -> page.visible("thread-title") && page.text("thread-title").equals(xena.name()));
  }
  @Test
  @DisplayName("on a phone, text put into the composer without typing (a saved reply, a field) is kept when Back closes the conversation; inline styles apply under the page's CSP")
  void insertedTextKeptOnBack() {
    Customer c = customer("Omar Back");
    writes(c, "Do you have it in blue?");
    Browser b = agentOnAll(360, 740);
    b.openConversation(c.name());
    b.waitUntil("the composer", () -> b.visible("composer-text"));
    // what insertAtCursor does: the value set, no input event
    b.js("document.querySelector(\"[data-testid='composer-text']\").value = 'Yes, blue is in stock: {{order}}';");
    b.click("back-to-list");
    b.waitUntil("the list", () -> b.visible("conversation-list") && !b.visible("composer-text"));
    b.openConversation(c.name());
    b.waitUntil("the composer again", () -> b.visible("composer-text"));
    assertThat(b.el("composer-text").getAttribute("value")).as("the composer after Back and back").isEqualTo("Yes, blue is in stock: {{order}}");
    // h()'s style attributes are applied (set as style attributes, the CSP refused every one)
    assertThat(b.js("return getComputedStyle(document.querySelector('#contact-pane .name-slot')).display")).isEqualTo("contents");
  }

  @Test
  @DisplayName("a phone with its keyboard up (360 x 420) still shows the customer's last message above the composer")
  void keyboardUpLeavesRoomForMessages() {
    Customer c = customer("Kira Keyboard");
    writes(c, "Is the order on its way?");
    writes(c, "It was due yesterday and I have heard nothing since the confirmation email");
    Browser b = sized(360, 420, f.agentEmail, f.agentPassword);
    // the page's own height, 420 px, whatever the window's frame takes
    long frame = 420 - ((Number) b.js("return window.innerHeight")).longValue();
    b.driver.manage().window().setSize(new Dimension(360, (int) (420 + frame)));
    b.waitUntil("a 420 px page", () -> ((Number) b.js("return window.innerHeight")).longValue() == 420);
    b.waitLive();
    b.click("tab-all");
    b.openConversation(c.name());
    b.waitUntil("the composer", () -> b.visible("composer-text"));
    b.el("composer-text").click();
    @SuppressWarnings("unchecked")
    Map<String, Object> room = (Map<String, Object>) b.js("""
        const pane = document.getElementById('messages'); const p = pane.getBoundingClientRect();
        const all = pane.querySelectorAll("[data-testid='message']"); const last = all[all.length - 1].getBoundingClientRect();
        const send = document.querySelector("[data-testid='send-button']").getBoundingClientRect();
        return { pane: Math.round(pane.clientHeight), lastShown: last.top >= p.top - 1 && last.bottom <= p.bottom + 1,
                 sendShown: send.bottom <= window.innerHeight + 1, height: window.innerHeight };""");
    b.screenshot("agent-17-keyboard-up");
    assertThat(((Number) room.get("pane")).longValue()).as("the messages' room at " + room.get("height") + " px").isGreaterThanOrEqualTo(110);
    assertThat(room.get("lastShown")).as("the last message in view").isEqualTo(true);
    assertThat(room.get("sendShown")).as("Send in view").isEqualTo(true);
    assertThat(b.visible("enter-sends")).as("Enter sends, still switchable").isTrue();
    noSideways(b, "360 x 420");
    assertThat(axe(b)).as("conversation at 360 x 420").isEmpty();
  }

  @Test
  @DisplayName("on a phone the template-only composer with a kept draft wraps its buttons: at 360×740 and 360×420 nothing scrolls sideways, every button on screen, the messages keep 110 px")
  void keptDraftFitsAPhone() {
    Customer c = customer("Pablo Phone Draft");
    String conv = writes(c, "Can you tell me when the parcel leaves the warehouse?");
    Browser b = sized(360, 740, f.agentEmail, f.agentPassword);
    b.waitLive();
    b.click("tab-all");
    b.openConversation(c.name());
    b.waitUntil("the composer", () -> b.visible("composer-text"));
    b.el("composer-text").sendKeys("It leaves tomorrow morning, I will send you the tracking number");
    // the window closes while the agent types: the draft is kept beside the template picker
    Seed.insert(f.db, "UPDATE conversations SET last_inbound_at = now() - interval '24 hours' + interval '2 seconds' WHERE id = ? RETURNING id", Long.parseLong(conv));
    f.api().patch("/api/v1/conversations/" + conv, new JsonObject().put("status", "open"));
    b.waitUntil("the kept draft", () -> b.visible("kept-draft-text"));
    b.waitUntil("the template picker", () -> b.visible("template-param"));
    composerButtonsOnScreen(b, "360 x 740");
    assertThat(((Number) b.js("return document.getElementById('messages').clientHeight")).longValue()).as("the messages' room").isGreaterThanOrEqualTo(110);
    b.screenshot("agent-17-kept-draft-phone");

    // the page's own height, 420 px (a phone with its keyboard up), whatever the window's frame takes
    long frame = b.driver.manage().window().getSize().getHeight() - ((Number) b.js("return window.innerHeight")).longValue();
    b.driver.manage().window().setSize(new Dimension(360, (int) (420 + frame)));
    b.waitUntil("a 420 px page", () -> ((Number) b.js("return window.innerHeight")).longValue() == 420);
    composerButtonsOnScreen(b, "360 x 420");
    assertThat(((Number) b.js("return document.getElementById('messages').clientHeight")).longValue())
        .as("the messages' room with the keyboard up").isGreaterThanOrEqualTo(110);
    b.screenshot("agent-17-kept-draft-keyboard-up");
  }

  /** No sideways scrolling, and every button of the thread wholly on screen and uncovered once scrolled to within its own pane (the composer scrolls when taller than the room). */
  static void composerButtonsOnScreen(Browser b, String where) {
    noSideways(b, where);
    @SuppressWarnings("unchecked")
    List<String> off = (List<String>) b.js("""
        const off = [];
        for (const el of document.querySelectorAll('.pane-thread button')) {
          if (el.offsetParent === null) continue;
          el.scrollIntoView({ block: 'nearest', inline: 'nearest' });
          const r = el.getBoundingClientRect();
          const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
          if (r.left < 0 || r.top < 0 || r.right > window.innerWidth || r.bottom > window.innerHeight || !(top && el.contains(top)))
            off.push((el.dataset.testid || el.textContent.trim()) + ' ' + JSON.stringify([r.left, r.top, r.right, r.bottom]) + ' under ' + (top ? top.outerHTML.slice(0, 80) : 'nothing'));
        }
        return off;""");
    assertThat(off).as("buttons off screen or covered at " + where).isEmpty();
  }

  @Test
  @DisplayName("a 64-character label and a file with a 200-character name keep to their panes: no sideways scrolling, × on screen and clickable")
  void longChipsKeepToTheirPanes() {
    Customer c = customer("Lou Long Chips");
    String conv = writes(c, "Here is the file");
    String prefix = "long-" + seq.incrementAndGet() + "-";
    String label = prefix + "x".repeat(64 - prefix.length());
    assertThat(f.api().post("/api/v1/contacts/" + contactOf(conv) + "/labels", new JsonObject().put("name", label)).status()).isLessThan(300);
    page.click("tab-all");
    page.openConversation(c.name());
    String chip = "[data-testid='label-chip'][data-name='" + label + "']";
    page.waitUntil("the label's chip", () -> !page.all(chip).isEmpty());
    String file = "a".repeat(196) + ".pdf";
    page.js("const dt = new DataTransfer(); dt.items.add(new File(['%PDF-1.4\\n%%EOF\\n'], arguments[0], {type: 'application/pdf'}));"
        + "document.querySelector('#composer').dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));", file);
    page.waitUntil("the file's chip", () -> !page.all("#composer .chip").isEmpty());
    page.screenshot("agent-21-long-chips");
    noSideways(page, "1440 x 900");
    assertThat(page.js("const p = document.getElementById('contact-pane'); return p.scrollWidth <= p.clientWidth;"))
        .as("the contact pane without sideways scrolling").isEqualTo(true);
    assertThat(page.css(chip + " .chip-text").getAttribute("title")).as("the whole label in the tooltip").isEqualTo(label);
    assertThat(page.css("#composer .chip").getAttribute("title")).as("the whole file name in the tooltip").startsWith(file);
    for (String remove : List.of(chip + " [data-testid='label-remove']", "#composer .chip button")) {
      assertThat(page.js("""
          const b = document.querySelector(arguments[0]); const r = b.getBoundingClientRect();
          const pane = b.closest('.pane').getBoundingClientRect();
          const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
          return r.width > 0 && r.left >= pane.left && r.right <= pane.right && r.right <= window.innerWidth && b.contains(top);""", remove))
          .as(remove + " on screen, uncovered").isEqualTo(true);
    }
    page.clickCss(chip + " [data-testid='label-remove']");
    page.waitUntil("the label removed", () -> page.all(chip).isEmpty());
    page.clickCss("#composer .chip button");
    page.waitUntil("the file's chip removed", () -> page.all("#composer .chip").isEmpty());
  }

  @Test
  @DisplayName("at 360 px the bulk Actions menu with a long team name (one 34-character word) opens inside the screen, its items clickable")
  void actionsMenuStaysOnScreen() {
    String team = "ReturnsAndExchangesNorthernRegion" + seq.incrementAndGet() + " team";
    assertThat(f.api().post("/api/v1/teams", new JsonObject().put("name", team)).status()).isLessThan(300);
    Customer c = customer("Mona Menu");
    writes(c, "Where is my refund?");
    Browser b = agentOnAll(360, 740);
    b.waitUntil("the row", () -> b.listed(c.name()));
    b.click("select-toggle");
    b.conversation(c.name()).findElement(tid("conv-check")).click();
    b.click("actions-button");
    b.waitUntil("the menu", () -> !b.all(".popover").isEmpty());
    b.screenshot("agent-22-actions-menu-phone");
    @SuppressWarnings("unchecked")
    Map<String, Object> r = (Map<String, Object>) b.js("const r = document.querySelector('.popover').getBoundingClientRect();"
        + " return { left: r.left, right: r.right, width: window.innerWidth };");
    assertThat(((Number) r.get("left")).doubleValue()).as("the menu's left edge " + r).isGreaterThanOrEqualTo(0);
    assertThat(((Number) r.get("right")).doubleValue()).as("the menu's right edge " + r).isLessThanOrEqualTo(((Number) r.get("width")).doubleValue());
    assertThat(b.js("""
        return [...document.querySelectorAll('.popover .menu-item')].every((e) => {
          e.scrollIntoView({ block: 'nearest' }); const r = e.getBoundingClientRect(); const top = document.elementFromPoint(r.left + 4, r.top + r.height / 2);
          return r.left >= 0 && e.contains(top); });""")).as("every item's start on screen and uncovered").isEqualTo(true);
    noSideways(b, "360 x 740 with the menu open");
  }

  @Test
  @DisplayName("a list filtered by a label follows an admin's rename of it (rows, summary, address); a deleted label no longer filters")
  void labelFilterFollowsARename() {
    String label = "vip-" + seq.incrementAndGet();
    String renamed = "VIP Gold ⭐ " + seq.get();
    Customer vip = customer("Vera Vip");
    Customer plain = customer("Paul Plain");
    String vipConv = writes(vip, "I am a regular");
    writes(plain, "first time here");
    assertThat(f.api().post("/api/v1/contacts/" + contactOf(vipConv) + "/labels", new JsonObject().put("name", label)).status()).isLessThan(300);
    Browser b = agentOnAll(1280, 860);
    b.waitUntil("both rows", () -> b.listed(vip.name()) && b.listed(plain.name()));
    b.click("filter-button");
    new org.openqa.selenium.support.ui.Select(b.el("filter-label")).selectByValue(label);
    b.click("filter-apply");
    b.waitUntil("only the labelled row", () -> b.listed(vip.name()) && !b.listed(plain.name()));

    assertThat(f.api().patch("/api/v1/labels/" + label, new JsonObject().put("name", renamed)).status()).isEqualTo(200);
    b.waitUntil("the filter under its new name", () -> b.text("filter-summary").contains("Label: " + renamed));
    b.waitUntil("the labelled row still listed", () -> b.listed(vip.name()) && !b.listed(plain.name()));
    assertThat(java.net.URLDecoder.decode((String) b.js("return location.hash"), StandardCharsets.UTF_8).replace('+', ' '))
        .as("the address").contains("label=" + renamed);
    b.screenshot("agent-23-label-filter-renamed");
    b.driver.navigate().refresh();
    b.waitUntil("the renamed filter after a reload", () -> b.visible("filter-summary") && b.text("filter-summary").contains("Label: " + renamed)
        && b.listed(vip.name()) && !b.listed(plain.name()));

    assertThat(f.api().delete("/api/v1/labels/" + java.net.URLEncoder.encode(renamed, StandardCharsets.UTF_8).replace("+", "%20")).status()).isLessThan(300);
    b.waitUntil("no label filter, both rows", () -> (!b.visible("filter-summary") || !b.text("filter-summary").contains("Label"))
        && b.listed(vip.name()) && b.listed(plain.name()));
    assertThat((String) b.js("return location.hash")).doesNotContain("label=");
  }

  @Test
  @DisplayName("the list filters by a contact's label: only labelled conversations, kept in the address through a reload, live when a label is added, cleared by Clear")
  void filterByLabel() {
    String label = "gold-" + seq.incrementAndGet();
    Customer gold = customer("Goldie Label");
    Customer plain = customer("Plain Label");
    String goldConv = writes(gold, "I have a question");
    writes(plain, "me too");
    assertThat(f.api().post("/api/v1/contacts/" + contactOf(goldConv) + "/labels", new JsonObject().put("name", label)).status()).isLessThan(300);
    Browser b = agentOnAll(1280, 860);
    b.waitUntil("both rows", () -> b.listed(gold.name()) && b.listed(plain.name()));
    b.click("filter-button");
    new org.openqa.selenium.support.ui.Select(b.el("filter-label")).selectByValue(label);
    b.click("filter-apply");
    b.waitUntil("only the labelled row", () -> b.listed(gold.name()) && !b.listed(plain.name()));
    assertThat(b.text("filter-summary")).contains("Label: " + label);
    assertThat((String) b.js("return location.hash")).contains("label=" + label);
    b.screenshot("agent-19-label-filter");

    b.driver.navigate().refresh();
    b.waitUntil("the filter after a reload", () -> b.visible("filter-summary") && b.text("filter-summary").contains("Label: " + label)
        && b.listed(gold.name()) && !b.listed(plain.name()));
    // a label added meanwhile brings its conversation in, live
    String plainConv = f.conversationOf(plain.waId());
    assertThat(f.api().post("/api/v1/contacts/" + contactOf(plainConv) + "/labels", new JsonObject().put("name", label)).status()).isLessThan(300);
    writes(plain, "still waiting");
    b.waitUntil("the newly labelled row", () -> b.listed(plain.name()));

    b.click("filter-button");
    b.click("filter-clear");
    b.waitUntil("no label filter", () -> !b.visible("filter-summary") || !b.text("filter-summary").contains("Label"));
    assertThat((String) b.js("return location.hash")).doesNotContain("label=");
  }

  @Test
  @DisplayName("on a phone showing the contact pane, opening the same conversation (its notification clicked) shows its thread")
  void notificationFromTheContactPane() {
    Customer c = customer("Noa Notified");
    String conv = writes(c, "are you there?");
    Browser b = agentOnAll(360, 740);
    b.openConversation(c.name());
    b.waitUntil("the stacked thread", () -> b.visible("show-contact"));
    b.click("show-contact");
    b.waitUntil("the contact pane", () -> !b.visible("composer-text"));
    // what a notification's click runs (notify.js): openConversation with the conversation's id
    ((org.openqa.selenium.JavascriptExecutor) b.driver).executeAsyncScript("""
        const done = arguments[arguments.length - 1];
        import(new URL('js/conversation.js', document.baseURI).href).then((m) => m.openConversation(arguments[0])).then(() => done(true));""",
        conv);
    b.waitUntil("the thread", () -> b.visible("composer-text"));
  }

  @Test
  @DisplayName("a contact name with a long unbroken word never pushes the contact pane off a 1280 px screen")
  void longNameKeepsThePanes() {
    Customer c = customer("Omar عمر <script>alert(1)</script>" + "W".repeat(90));
    writes(c, "hello");
    Browser b = agentOnAll(1280, 860);
    b.clickCss("[data-testid='conv-item'][data-id='" + f.conversationOf(c.waId()) + "']");
    b.waitUntil("the contact pane", () -> b.visible("composer-text") && b.all("#contact-pane").size() == 1);
    noSideways(b, "1280 px, long name");
    Object right = b.js("return Math.round(document.getElementById('contact-pane').getBoundingClientRect().right) <= window.innerWidth");
    assertThat(right).as("the contact pane on screen").isEqualTo(true);
    assertThat(b.text("thread-title")).startsWith("Omar عمر <script>");
    b.screenshot("agent-18-long-name");
  }

  @Test
  @DisplayName("a customer writing while the agent reads further up leaves the thread where it is; at its end the thread follows")
  void threadKeepsTheReadingPlace() {
    Customer zoe = customer("Zoe Scroll");
    for (int i = 0; i < 30; i++) {
      writes(zoe, "earlier message " + i + " with enough words to take a line or two in the thread");
    }
    page.click("tab-all");
    page.waitUntil("Zoe's row", () -> page.listed(zoe.name()));
    page.openConversation(zoe.name());
    page.waitUntil("all thirty", () -> page.all("[data-testid='message']").size() == 30);
    page.waitUntil("a thread long enough to scroll", () -> Boolean.TRUE.equals(page.js(
        "const m = document.getElementById('messages'); return m.scrollHeight > m.clientHeight + 400;")));
    page.js("document.getElementById('messages').scrollTop = 200;");
    writes(zoe, "a new one while the agent reads above");
    page.waitUntil("the new message in the thread", () -> page.text("messages").contains("a new one while the agent reads above"));
    assertThat(((Number) page.js("return document.getElementById('messages').scrollTop")).longValue())
        .as("the reading place").isBetween(199L, 201L);
    // at the very top too: a message added at the end moves nothing
    page.js("document.getElementById('messages').scrollTop = 0;");
    writes(zoe, "one more while the agent reads the first");
    page.waitUntil("that message in the thread", () -> page.text("messages").contains("one more while the agent reads the first"));
    assertThat(((Number) page.js("return document.getElementById('messages').scrollTop")).longValue())
        .as("the top, still").isZero();
    page.js("const m = document.getElementById('messages'); m.scrollTop = m.scrollHeight;");
    writes(zoe, "another one at the end");
    page.waitUntil("the thread follows to the newest", () -> page.text("messages").contains("another one at the end") && Boolean.TRUE.equals(page.js(
        "const m = document.getElementById('messages'); return m.scrollTop + m.clientHeight >= m.scrollHeight - 2;")));
  }

  @Test
  @DisplayName("a resync (an admin renames a label), or the open conversation's row clicked again, refreshes the open thread in place: the earlier messages loaded stay, the message in view stays there, the draft stays, and what changed meanwhile shows")
  void resyncKeepsTheThread() {
    Customer rhea = customer("Rhea Resync");
    String conv = writes(rhea, "the newest question");
    String label = "trial-" + seq.incrementAndGet();
    assertThat(f.api().post("/api/v1/contacts/" + contactOf(conv) + "/labels", new JsonObject().put("name", label)).status()).isLessThan(300);
    // more than the first page (100): the agent loads the earlier ones
    f.earlierMessages(conv, 130, "earlier message");
    long replyId = Seed.scalar(f.db, "SELECT id FROM messages WHERE conversation_id = ? AND text = 'earlier message 60'", Long.parseLong(conv));
    Seed.exec(f.db, "UPDATE messages SET direction = 'out', type = 'reply', sender_type = 'agent', sender_id = ?, status = 'sent' WHERE id = ?",
        f.account.adminId(), replyId);
    page.click("tab-all");
    page.openConversation(rhea.name());
    page.waitUntil("the newest page", () -> page.all("[data-testid='message']").size() == 100);
    page.clickCss("[data-testid='messages'] > button");
    page.waitUntil("every message", () -> page.all("[data-testid='message']").size() == 131);

    // the agent reads the reply in the middle and starts an answer
    String reading = "[data-testid='message'][data-id='" + replyId + "']";
    page.js("""
        const m = document.getElementById('messages'); const r = document.querySelector(arguments[0]);
        r.scrollIntoView({ block: 'start' }); m.scrollTop -= 40; r.__kept = true;""", reading);
    String offset = "return Math.round(document.querySelector(arguments[0]).getBoundingClientRect().top - document.getElementById('messages').getBoundingClientRect().top)";
    long before = ((Number) page.js(offset, reading)).longValue();
    page.el("composer-text").sendKeys("an answer in progress");

    // meanwhile, with no event about them: a new message, and the reply delivered
    Seed.exec(f.db, """
        INSERT INTO messages (account_id, conversation_id, channel_id, direction, type, content_type, text, sender_type, status)
        SELECT account_id, id, channel_id, 'in', 'incoming', 'text', 'written while nobody said so', 'contact', 'received' FROM conversations WHERE id = ?""",
        Long.parseLong(conv));
    Seed.exec(f.db, "UPDATE messages SET status = 'delivered', updated_at = now() WHERE id = ?", replyId);
    // the rename's names.changed makes every open page reload its lists and open conversation
    assertThat(f.api().patch("/api/v1/labels/" + label, new JsonObject().put("name", label + "-renamed")).status()).isEqualTo(200);

    page.waitUntil("the renamed label", () -> !page.all("[data-testid='label-chip'][data-name='" + label + "-renamed']").isEmpty());
    page.waitUntil("the new message", () -> page.text("messages").contains("written while nobody said so"));
    page.waitUntil("the reply delivered", () -> "delivered".equals(page.js("return document.querySelector(arguments[0])?.dataset.status", reading)));
    page.screenshot("agent-15-resync-in-place");
    assertThat(page.all("[data-testid='message']")).as("the earlier messages loaded, and the new one").hasSize(132);
    assertThat(page.text("messages")).contains("earlier message 1\n");
    assertThat(page.js("return document.querySelector(arguments[0]).__kept === true", reading)).as("the reply is the same element").isEqualTo(true);
    assertThat(((Number) page.js(offset, reading)).longValue()).as("the reply where the agent reads it").isBetween(before - 2, before + 2);
    assertThat(page.el("composer-text").getAttribute("value")).isEqualTo("an answer in progress");

    // its row clicked again: read again in the same way, not opened anew at its newest page
    Seed.exec(f.db, """
        INSERT INTO messages (account_id, conversation_id, channel_id, direction, type, content_type, text, sender_type, status)
        SELECT account_id, id, channel_id, 'in', 'incoming', 'text', 'seen on the row clicked again', 'contact', 'received' FROM conversations WHERE id = ?""",
        Long.parseLong(conv));
    page.clickCss("[data-testid='conv-item'][data-id='" + conv + "']");
    page.waitUntil("the message read again", () -> page.text("messages").contains("seen on the row clicked again"));
    assertThat(page.all("[data-testid='message']")).as("the earlier messages stay").hasSize(133);
    assertThat(page.js("return document.querySelector(arguments[0]).__kept === true", reading)).as("the reply is the same element").isEqualTo(true);
    assertThat(((Number) page.js(offset, reading)).longValue()).as("the reply where the agent reads it").isBetween(before - 2, before + 2);
    assertThat(page.el("composer-text").getAttribute("value")).isEqualTo("an answer in progress");
    page.el("composer-text").clear();
  }

  @Test
  @DisplayName("a message that arrives while a refresh reads stays, even when it sorts among the messages read (messages commit out of their creation order)")
  void refreshKeepsALiveArrival() {
    Customer una = customer("Una Underway");
    writes(una, "first of three");
    writes(una, "second of three");
    writes(una, "third of three");
    page.click("tab-all");
    page.openConversation(una.name());
    page.waitUntil("three messages", () -> page.all("[data-testid='message']").size() == 3);
    // the page's own store, in the order a refresh meets it: the read answers what was committed,
    // a message created before the newest one read commits later and arrives live, then the answer lands
    @SuppressWarnings("unchecked")
    List<String> ids = (List<String>) ((org.openqa.selenium.JavascriptExecutor) page.driver).executeAsyncScript("""
        const done = arguments[arguments.length - 1];
        import(new URL('js/store.js', document.baseURI).href).then(({ state, dispatch }) => {
          const shownAtStart = new Set(state.messages.map((m) => m.id));
          const read = state.messages.map((m) => ({ ...m }));
          const newest = read[read.length - 1];
          const late = { ...newest, id: '987654321', text: 'committed late',
            createdAt: new Date(Date.parse(newest.createdAt) - 1).toISOString() };
          dispatch({ type: 'message/upsert', message: late, keepScroll: true });
          dispatch({ type: 'open/refreshed', id: state.selectedId, conv: state.current, messages: read, more: false,
            shownAtStart, keepScroll: true });
          done(state.messages.map((m) => m.id));
        });""");
    assertThat(ids).as("the late message stays, in its place").hasSize(4).contains("987654321");
    assertThat(ids.get(2)).isEqualTo("987654321");
    page.waitUntil("shown", () -> page.text("messages").contains("committed late"));
  }

  @Test
  @DisplayName("at 360 px an assigned conversation's header keeps the contact's name readable: the actions wrap below it; a very long name ends in an ellipsis")
  void narrowHeaderKeepsTheName() {
    Customer c = customer("Harriet Headerton");
    String[] conv = openConversationOf(c);
    f.api().patch("/api/v1/conversations/" + conv[0], new JsonObject().put("assignee", new JsonObject().put("type", "agent").put("id", String.valueOf(f.agentId))));
    Browser b = agentOnAll(360, 740);
    // the row, not the title's text: a title squeezed to nothing has no text to wait for
    b.clickCss("[data-testid='conv-item'][data-id='" + conv[0] + "']");
    b.waitUntil("assigned in the header", () -> b.visible("composer-text") && b.text("thread-status").startsWith("Assigned"));
    String title = """
        const t = document.querySelector("[data-testid='thread-title']"); const r = t.getBoundingClientRect();
        return { width: Math.round(Math.min(r.right, window.innerWidth) - Math.max(r.left, 0)), clipped: t.scrollWidth > t.clientWidth + 1 };""";
    @SuppressWarnings("unchecked")
    Map<String, Object> shown = (Map<String, Object>) b.js(title);
    assertThat(((Number) shown.get("width")).longValue()).as("the name's width").isGreaterThanOrEqualTo(120);
    assertThat(shown.get("clipped")).as("the whole name shows").isEqualTo(false);
    assertThat(b.text("thread-title")).isEqualTo(c.name());
    for (String action : List.of("back-to-list", "show-contact", "snooze-button", "status-button")) {
      assertThat(inViewport(b, action)).as(action + " in view").isTrue();
    }
    noSideways(b, "360 px header");
    assertThat(axe(b)).as("conversation at 360 px").isEmpty();
    b.screenshot("agent-16-narrow-header");
    shot(b, "#thread-head", "agent-16-narrow-header-only");

    renamedByColleague(conv[1], "Harriet Alexandra Montgomery-Headerton of the Very Long Names");
    b.waitUntil("the long name", () -> b.text("thread-title").startsWith("Harriet Alexandra"));
    @SuppressWarnings("unchecked")
    Map<String, Object> longName = (Map<String, Object>) b.js(title);
    assertThat(((Number) longName.get("width")).longValue()).as("the long name's width").isGreaterThanOrEqualTo(120);
    assertThat(longName.get("clipped")).as("a name longer than the screen ends in an ellipsis").isEqualTo(true);
    assertThat(b.js("return getComputedStyle(document.querySelector(\"[data-testid='thread-title']\")).textOverflow")).isEqualTo("ellipsis");
    assertThat(inViewport(b, "status-button")).as("the status menu in view").isTrue();
    noSideways(b, "360 px header, long name");
    b.screenshot("agent-16-narrow-header-long-name");

    b.driver.manage().window().setSize(new Dimension(1440, 900));
    b.waitUntil("the wide layout", () -> b.visible("conversation-list") && b.visible("thread-title"));
    assertThat(axe(b)).as("conversation at 1440 px").isEmpty();
  }

  @Test
  @DisplayName("a colleague's settings change redraws the platform menu only: a search being typed keeps its text and focus, the list stays")
  void listHeadSurvivesSettingsChanges() {
    for (int i = 0; i < 12; i++) {
      writes(customer("Scroll Filler " + i), "filler " + i);
    }
    page.click("tab-all");
    page.waitUntil("a list long enough to scroll", () -> page.all("[data-testid='conv-item']").size() >= 12);
    page.js("document.getElementById('conv-list').__kept = true; document.querySelector('[data-testid=search-input]').__kept = true;");
    page.el("search-input").click();
    page.driver.switchTo().activeElement().sendKeys("Scroll Fil");
    page.waitUntil("typed", () -> "Scroll Fil".equals(page.js("return document.activeElement.value")));
    // an admin adds a saved reply: settings.changed, and every page reads the account's names again
    String title = "Reply " + System.nanoTime();
    assertThat(f.api().post("/api/v1/saved-replies", new JsonObject().put("title", title).put("content", "hi")).status()).isEqualTo(201);
    page.waitUntil("the names read again", () -> Boolean.TRUE.equals(
        page.js("return window.__switchboard.savedReplies.some(r => r.title === arguments[0])", title)));
    assertThat(page.js("return document.activeElement.dataset.testid")).as("the focus stays in the search").isEqualTo("search-input");
    assertThat(page.js("return document.activeElement.value")).as("what was typed").isEqualTo("Scroll Fil");
    assertThat(page.js("return document.activeElement.__kept === true")).as("the search is the same element").isEqualTo(true);
    assertThat(page.js("return document.getElementById('conv-list').__kept === true")).as("the list is the same element").isEqualTo(true);
    // the agent goes on typing where they were
    page.driver.switchTo().activeElement().sendKeys("ler 3");
    page.waitUntil("the search answers", () -> page.all("[data-testid='conv-item']").size() == 1
        && page.text("conversation-list").contains("Scroll Filler 3"));
    page.screenshot("agent-14-search-kept");
    page.el("search-input").clear();
    page.js("const i = document.querySelector('[data-testid=search-input]'); i.dispatchEvent(new Event('input'));");
  }
}
