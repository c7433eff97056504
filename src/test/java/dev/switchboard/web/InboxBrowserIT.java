package dev.switchboard.web;

import dev.switchboard.support.FakeGraph;
import dev.switchboard.support.Requires;
import dev.switchboard.support.Webhooks;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static dev.switchboard.web.Browser.tid;
import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The web inbox, driven in headless Chromium against a real node")
class InboxBrowserIT {

  @RegisterExtension
  static final Requires CHROMIUM = Browser.REQUIRED;

  @RegisterExtension
  final ScreenshotOnFailure onFailure = new ScreenshotOnFailure(() -> page);

  static BrowserFixture f;
  static Browser page;
  static final AtomicInteger seq = new AtomicInteger();

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

  @BeforeEach
  void freshPage() {
    page.open("/");
    page.waitUntil("the inbox", () -> page.visible("agent-name"));
    page.waitLive();
  }

  /** A fresh WhatsApp customer: a unique number and name. */
  record Customer(String waId, String name) {
  }

  static Customer customer(String name) {
    int n = seq.incrementAndGet();
    return new Customer("1415555" + String.format("%04d", n), name + " " + n);
  }

  /** A customer writes on WhatsApp; returns the conversation id once stored. */
  static String writes(Customer c, String text) {
    Webhooks.whatsappText(f.http, c.waId(), c.name(), text);
    return f.conversationOf(c.waId());
  }

  static List<FakeGraph.Call> waSends() {
    return f.graph.calls("POST", "/" + Webhooks.WA_PHONE_NUMBER_ID + "/messages");
  }

  /** The name the list shows for the account's conversation with the newest activity. */
  static String newestName() {
    try (var c = f.db.connect(); var ps = c.prepareStatement("""
        SELECT coalesce(nullif(ct.display_name, ''), nullif(ct.platform_name, ''), nullif(ct.phone, ''), ct.platform_user_id)
          FROM conversations cv JOIN contacts ct ON ct.id = cv.contact_id
         WHERE cv.account_id = ? ORDER BY cv.last_message_at DESC, cv.id DESC LIMIT 1""")) {
      ps.setLong(1, f.account.accountId());
      try (var rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static String messageTexts() {
    return String.join("\n", page.all("[data-testid='message-text']").stream().map(WebElement::getText).toList());
  }

  @Test
  @DisplayName("an agent signs in, sees their name, and logs out; a wrong password is refused")
  void login() {
    Browser b = f.fresh();
    b.open("/");
    b.type("login-email", f.agentEmail);
    b.type("login-password", "wrong");
    b.click("login-submit");
    b.waitUntil("the error", () -> b.visible("login-error"));
    assertThat(b.text("login-error")).contains("Wrong email or password");
    b.type("login-password", f.agentPassword);
    b.click("login-submit");
    b.waitUntil("the agent's name", () -> b.visible("agent-name"));
    assertThat(b.text("agent-name")).isEqualTo("Bea Agent");
    b.screenshot("01-login");
    b.waitLive();
    b.click("logout");
    b.waitUntil("the login form", () -> b.visible("login-submit"));
  }

  /** Signs in on the form already shown, and waits for the inbox live. */
  static void signIn(Browser b, String email, String password) {
    b.type("login-email", email);
    b.type("login-password", password);
    b.click("login-submit");
    b.waitUntil("the inbox", () -> b.visible("agent-name"));
    b.waitLive();
  }

  /** Reloads the page and waits for what boot() shows: the inbox or the sign-in form. */
  static void reload(Browser b, String until) {
    b.driver.navigate().refresh();
    b.waitUntil(until, () -> b.visible(until));
  }

  @Test
  @DisplayName("a fresh visit asks for no refresh and logs no error; a reload keeps the session; after logout, or after an admin ends the session, a reload shows the sign-in")
  void sessionAcrossReloads() {
    long rey = dev.switchboard.support.Seed.user(f.db, f.account.accountId(), "Rey Reload", "rey@acme.test", "rey-password", "agent");
    Browser b = f.fresh();
    b.consoleErrors();
    b.open("/");
    b.waitUntil("the sign-in form", () -> b.visible("login-submit"));
    assertThat(b.consoleErrors()).as("a fresh visit, no session").isEmpty();

    signIn(b, "rey@acme.test", "rey-password");
    reload(b, "agent-name");
    assertThat(b.visible("login-submit")).as("the session survives a reload").isFalse();
    b.waitLive();
    b.click("logout");
    b.waitUntil("the sign-in form", () -> b.visible("login-submit"));
    reload(b, "login-submit");
    assertThat(b.visible("agent-name")).isFalse();
    assertThat(b.consoleErrors()).as("sign-in, reload, logout, reload").isEmpty();
    b.screenshot("01b-reload-after-logout");

    // an admin gives Rey a new password: every session of Rey's ends, this page's too
    signIn(b, "rey@acme.test", "rey-password");
    assertThat(f.api().patch("/api/v1/agents/" + rey, new JsonObject().put("password", "rey-new-password")).status()).isEqualTo(200);
    b.waitUntil("the page signed out", () -> b.visible("login-submit"));
    reload(b, "login-submit");
    assertThat(b.visible("agent-name")).as("an ended session does not come back on a reload").isFalse();
    b.consoleErrors();
    reload(b, "login-submit");
    assertThat(b.consoleErrors()).as("the next visit asks nothing again").isEmpty();
  }

  @Test
  @DisplayName("a signed webhook makes a conversation appear live in the Closed tab, and its count goes up")
  void webhookAppearsLive() {
    page.click("tab-closed");
    page.waitUntil("counts", () -> page.count("closed") >= 0);
    int before = page.count("closed");
    Customer c = customer("Dana Live");
    writes(c, "Hi, is my order #1042 shipped yet?");
    page.conversation(c.name());
    page.waitUntil("the Closed count to go up", () -> page.count("closed") == before + 1);
    // reads retry while a live update re-renders the list (a stale element is not a failure)
    assertThat(page.waitFor("the status", () -> page.conversation(c.name()).getAttribute("data-status"))).isEqualTo("closed");
    // newest activity first: the page's first row is the server's newest conversation (other
    // tests' customers may still be writing, so that need not be Dana)
    page.waitUntil("the list in the server's order", () ->
        page.all("[data-testid='conv-item'] [data-testid='conv-name']").get(0).getText().equals(newestName()));
    page.screenshot("02-webhook-live");
  }

  @Test
  @DisplayName("a reply goes to WhatsApp with its ticks; a private note stays inside and looks different")
  void replyAndNote() {
    Customer c = customer("Rory Reply");
    writes(c, "Can you help me?");
    page.click("tab-all");
    page.openConversation(c.name());
    int sendsBefore = f.graph.calls("POST", "/" + Webhooks.WA_PHONE_NUMBER_ID + "/messages").size();

    page.click("mode-note");
    page.type("composer-text", "Customer is a VIP, be nice");
    page.click("send-button");
    page.waitUntil("the note", () -> !page.all("[data-testid='message'][data-type='note']").isEmpty());
    page.click("mode-reply");
    page.type("composer-text", "Of course! What do you need?");
    page.click("attach-button");
    page.type("attach-url", "https://files.example.test/price-list.pdf");
    page.click("attach-add");
    page.waitUntil("the attachment chip", () -> page.visible("attachment-chip"));
    page.click("send-button");
    page.waitUntil("the reply", () -> !page.all("[data-testid='message'][data-type='reply']").isEmpty());

    BrowserFixture.eventually("the send", () -> waSends().size() > sendsBefore);
    List<FakeGraph.Call> all = waSends();
    List<FakeGraph.Call> sends = all.subList(sendsBefore, all.size());
    assertThat(sends).hasSize(1);
    assertThat(sends.get(0).body()).contains("price-list.pdf").doesNotContain("VIP");
    page.waitUntil("the attachment in the thread", () -> page.all("[data-testid='message-attachment'] a").stream()
        .anyMatch(a -> a.getText().equals("price-list.pdf")));

    String noteLook = page.waitFor("the note's colour", () -> page.css("[data-testid='message'][data-type='note']").getCssValue("background-color"));
    String replyLook = page.waitFor("the reply's colour", () -> page.css("[data-testid='message'][data-type='reply']").getCssValue("background-color"));
    assertThat(noteLook).isNotEqualTo(replyLook);
    assertThat(page.waitFor("the note's text", () -> page.css("[data-testid='message'][data-type='note']").getText())).containsIgnoringCase("Private note");
    // the send answered: a tick shows; a delivery status from WhatsApp turns it into read (blue)
    page.waitUntil("a sent tick", () -> {
      String s = page.css("[data-testid='message'][data-type='reply']").getAttribute("data-status");
      return "sent".equals(s) || "delivered".equals(s) || "read".equals(s);
    });
    assertThat(dev.switchboard.support.Seed.scalar(f.db, "SELECT count(*) FROM messages WHERE conversation_id = ? AND type = 'note'",
        Long.parseLong(f.conversationOf(c.waId())))).isEqualTo(1);
    page.screenshot("03-reply-and-note");
  }

  @Test
  @DisplayName("read receipts from WhatsApp turn the ticks blue live; a failed send shows its reason")
  void ticks() {
    Customer c = customer("Tia Ticks");
    String conv = writes(c, "ticks please");
    page.click("tab-all");
    page.openConversation(c.name());
    page.type("composer-text", "Here you go");
    page.click("send-button");
    String wamid = BrowserFixture.eventually("the platform id of the reply", () -> externalIdOfReply(conv));
    Webhooks.whatsappStatus(f.http, wamid, c.waId(), "read");
    page.waitUntil("the read ticks", () -> page.all("[data-testid='message-ticks'].read").size() == 1);
    // the read colour (--read), dark enough on the reply bubble for WCAG AA contrast
    assertThat(page.css("[data-testid='message-ticks'].read").getCssValue("color")).isEqualTo("rgba(24, 100, 171, 1)");
    page.screenshot("04-ticks-read");

    // a later send that WhatsApp reports as failed shows the reason
    page.type("composer-text", "One more thing");
    page.click("send-button");
    String second = BrowserFixture.eventually("the second reply's platform id", () -> {
      String id = externalIdOfReply(conv);
      return id != null && !id.equals(wamid) ? id : null;
    });
    Webhooks.whatsappFailed(f.http, second, c.waId());
    page.waitUntil("the failure", () -> page.visible("message-error"));
    assertThat(page.text("message-error")).contains("Re-engagement message").contains("131047").contains("24-hour window");
    assertThat(page.waitFor("the failed ticks", () -> page.css("[data-testid='message'][data-status='failed'] [data-testid='message-ticks']").getText())).contains("Failed");
    page.screenshot("04-ticks-failed-with-reason");
  }

  static String externalIdOfReply(String conv) {
    try (var c = f.db.connect(); var ps = c.prepareStatement("SELECT external_id FROM messages WHERE conversation_id = ? AND type = 'reply' ORDER BY id DESC LIMIT 1")) {
      ps.setLong(1, Long.parseLong(conv));
      try (var rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  @DisplayName("a saved reply created with a custom field is filled with the contact's value when sent")
  void savedReplyWithField() {
    Customer c = customer("Sam Saved");
    String conv = writes(c, "What is my membership?");
    String contactId = f.api().get("/api/v1/conversations/" + conv).json().getJsonObject("contact").getString("id");
    assertThat(f.api().put("/api/v1/contacts/" + contactId + "/fields/membership", new JsonObject().put("value", "diamond")).status()).isEqualTo(200);
    page.open("/");
    page.click("tab-all");
    page.openConversation(c.name());

    page.click("saved-replies-button");
    page.click("saved-reply-new");
    page.type("sr-title", "Membership");
    page.type("sr-content", "Your membership is ");
    new Select(page.el("sr-field-select")).selectByValue("membership");
    page.screenshot("05-saved-reply-new");
    page.click("sr-save");
    page.waitUntil("the content in the composer", () -> page.el("composer-text").getAttribute("value").contains("{{membership}}"));
    page.el("composer-text").clear();
    page.click("saved-replies-button");
    page.clickCss("[data-testid='saved-reply-item']");
    assertThat(page.waitFor("the composer's text", () -> page.el("composer-text").getAttribute("value"))).isEqualTo("Your membership is {{membership}}");
    int before = f.graph.calls("POST", "/" + Webhooks.WA_PHONE_NUMBER_ID + "/messages").size();
    page.click("send-button");
    page.waitUntil("the sent reply", () -> messageTexts().contains("Your membership is diamond"));
    BrowserFixture.eventually("the send", () -> f.graph.calls("POST", "/" + Webhooks.WA_PHONE_NUMBER_ID + "/messages").size() > before);
    assertThat(f.graph.calls("POST", "/" + Webhooks.WA_PHONE_NUMBER_ID + "/messages").get(before).body()).contains("Your membership is diamond");
    page.screenshot("05-saved-reply-sent");
  }

  @Test
  @DisplayName("a status change and an assignment made by one agent appear live in another agent's browser")
  void statusAndAssignmentLive() {
    Customer c = customer("Ola Status");
    writes(c, "I need a human");
    Browser bea = f.fresh().login(f.agentEmail, f.agentPassword);
    bea.waitLive();
    bea.click("tab-all");
    bea.openConversation(c.name());
    bea.click("tab-assigned");
    bea.waitUntil("counts", () -> bea.count("assigned") >= 0);
    int assignedBefore = bea.count("assigned");

    page.click("tab-all");
    page.openConversation(c.name());
    // Bea's viewing and read events redraw the header now: the menu stays open through them
    page.click("status-button");
    page.waitUntil("the status menu open", () -> page.visible("status-open"));
    page.click("status-open");
    bea.waitUntil("Open in Bea's thread", () -> bea.text("thread-status").equals("Open"));

    page.click("status-button");
    page.screenshot("06-status-menu");
    page.click("status-assign-agent-" + f.agentId);
    bea.waitUntil("the assignment in Bea's thread", () -> bea.text("thread-status").equals("Assigned · Bea Agent"));
    bea.waitUntil("Bea's Assigned count", () -> bea.count("assigned") == assignedBefore + 1);
    bea.conversation(c.name());
    bea.screenshot("06-assigned-live-second-browser");

    page.click("status-button");
    page.click("status-assign-team-" + f.teamId);
    bea.waitUntil("the team assignment", () -> bea.text("thread-status").equals("Assigned · Support"));
    page.click("status-button");
    page.click("status-cancel");
    assertThat(page.text("thread-status")).isEqualTo("Assigned · Support");
  }

  @Test
  @DisplayName("the display name is edited and saved; a Messenger contact's platform name is refreshed")
  void contactEdits() {
    String psid = "74239188301" + String.format("%05d", seq.incrementAndGet());
    f.graph.respond("GET", "/" + psid, FakeGraph.Answer.ok("profile_response_messenger.json"));
    Webhooks.socialText(f.http, "messenger", psid, "Hello! Do you deliver on Sundays?");
    f.conversationOf(psid);
    page.click("tab-all");
    page.waitUntil("the Messenger conversation", () -> page.all("[data-testid='conv-item']").stream()
        .anyMatch(e -> e.findElements(By.cssSelector(".plat-messenger")).size() == 1));
    page.clickCss("[data-testid='conv-item'] .plat-messenger");
    page.waitUntil("the Messenger contact's refresh button", () -> page.visible("contact-refresh"));
    // the customer renamed themselves on Facebook since
    f.graph.respond("GET", "/" + psid, FakeGraph.Answer.json(200, new JsonObject()
        .put("first_name", "Petra").put("last_name", "Chang").put("id", psid)));
    page.click("contact-refresh");
    page.waitUntil("the platform name", () -> page.text("contact-platform-name").equals("Petra Chang"));

    page.click("contact-edit");
    page.type("contact-name-input", "Peter (VIP)");
    page.click("contact-save");
    page.waitUntil("the new name", () -> page.visible("contact-display-name") && page.text("contact-display-name").equals("Peter (VIP)"));
    page.conversation("Peter (VIP)");
    page.waitUntil("the thread title", () -> page.text("thread-title").equals("Peter (VIP)"));
    assertThat(page.text("thread-title")).isEqualTo("Peter (VIP)");
    page.screenshot("07-contact-edits");
  }

  @Test
  @DisplayName("custom fields are added, edited and removed, labels added and removed; names are offered to other contacts")
  void labelsAndFields() {
    Customer c = customer("Fay Fields");
    writes(c, "fields");
    Customer other = customer("Oli Other");
    writes(other, "other");
    page.click("tab-all");
    page.openConversation(c.name());
    page.type("field-name-input", "order num");
    page.type("field-value-input", "23425124");
    page.click("field-add");
    page.waitUntil("the field", () -> page.all("[data-testid='field-row'][data-name='order num']").size() == 1);
    page.typeCss("[data-testid='field-value'][data-name='order num']", "99999");
    page.clickCss("[data-testid='field-save'][data-name='order num']");
    BrowserFixture.eventually("the stored value", () -> dev.switchboard.support.Seed.scalar(f.db,
        "SELECT count(*) FROM contact_fields WHERE name = 'order num' AND value = '99999'") == 1);

    page.type("label-input", "vip");
    page.click("label-add");
    page.waitUntil("the vip label", () -> page.all("[data-testid='label-chip'][data-name='vip']").size() == 1);
    page.type("label-input", "priority");
    page.click("label-add");
    page.waitUntil("the priority label", () -> page.all("[data-testid='label-chip'][data-name='priority']").size() == 1);
    page.screenshot("08-labels-and-fields");
    page.clickCss("[data-testid='label-remove'][data-name='vip']");
    page.waitUntil("vip removed", () -> page.all("[data-testid='label-chip'][data-name='vip']").isEmpty());
    assertThat(page.waitFor("the label names", () -> page.all("[data-testid='label-chip']").stream().map(e -> e.getAttribute("data-name")).toList()))
        .containsExactly("priority");

    // the other contact is offered the names already used
    page.openConversation(other.name());
    page.waitUntil("field names offered", () -> page.all("#field-names option").stream().anyMatch(o -> "order num".equals(o.getAttribute("value"))));
    page.waitUntil("label names offered", () -> page.all("#label-names option").stream().anyMatch(o -> "priority".equals(o.getAttribute("value"))));

    page.openConversation(c.name());
    page.clickCss("[data-testid='field-remove'][data-name='order num']");
    page.waitUntil("the field removed", () -> page.all("[data-testid='field-row'][data-name='order num']").isEmpty());
  }

  @Test
  @DisplayName("select mode changes the status of several conversations in one go")
  void bulkStatus() {
    Customer a = customer("Bulk A");
    Customer b = customer("Bulk B");
    writes(a, "a");
    writes(b, "b");
    page.open("/");
    page.click("tab-closed");
    page.conversation(a.name());
    page.conversation(b.name());
    page.waitUntil("counts", () -> page.count("open") >= 0);
    int openBefore = page.count("open");
    page.click("select-toggle");
    page.conversation(a.name()).findElement(tid("conv-check")).click();
    page.conversation(b.name()).findElement(tid("conv-check")).click();
    page.waitUntil("2 selected", () -> page.text("selected-count").equals("2 selected"));
    page.click("actions-button");
    page.screenshot("09-bulk-actions");
    page.click("bulk-open");
    page.waitUntil("both leave Closed", () -> !page.listed(a.name()) && !page.listed(b.name()));
    page.waitUntil("the Open count", () -> page.count("open") == openBefore + 2);
    page.click("tab-open");
    page.conversation(a.name());
    page.conversation(b.name());
    page.screenshot("09-bulk-done");
  }

  @Test
  @DisplayName("selected conversations export as a downloaded CSV with one row per message")
  void export() throws IOException {
    Customer c = customer("Eve Export");
    writes(c, "export me please");
    page.click("tab-all");
    page.click("select-toggle");
    page.conversation(c.name()).findElement(tid("conv-check")).click();
    page.click("actions-button");
    page.click("bulk-export");
    Path csv = BrowserFixture.eventually("the downloaded CSV", () -> {
      try (Stream<Path> files = Files.list(page.downloads)) {
        return files.filter(p -> p.toString().endsWith(".csv")).findFirst().orElse(null);
      } catch (IOException e) {
        return null;
      }
    });
    String text = Files.readString(csv);
    assertThat(text.lines().findFirst().orElse("").toLowerCase().replace(" ", "")).contains("conversationid");
    assertThat(text).contains("export me please");
    page.screenshot("10-export");
    page.click("select-cancel");
  }

  @Test
  @DisplayName("searching by phone number with the country code finds the conversation")
  void searchByPhone() {
    Customer c = customer("Pia Phone");
    writes(c, "find me");
    page.type("search-input", "+" + c.waId());
    page.waitUntil("only the match", () -> page.listed(c.name()) && page.all("[data-testid='conv-item']").size() == 1);
    page.screenshot("11-search-phone");
    page.type("search-input", "+" + c.waId().substring(0, 4) + " " + c.waId().substring(4));
    page.waitUntil("the match with a space", () -> page.listed(c.name()));
  }

  @Test
  @DisplayName("customer text that looks like HTML shows literally and runs nothing")
  void xss() {
    Customer c = customer("Xavier Script");
    String evil = "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script><b>bold</b>";
    writes(c, evil);
    page.click("tab-all");
    page.openConversation(c.name());
    page.waitUntil("the text", () -> messageTexts().contains(evil));
    assertThat(page.all("#messages img")).isEmpty();
    assertThat(page.all("#messages b")).isEmpty();
    assertThat(page.js("return window.__pwned === undefined")).isEqualTo(true);
    page.screenshot("12-xss-literal");
  }

  @Test
  @DisplayName("Add new contact on WhatsApp: phone and name, then a template starts the conversation")
  void addNewContact() {
    int before = f.graph.calls("POST", "/" + Webhooks.WA_PHONE_NUMBER_ID + "/messages").size();
    page.click("new-contact-button");
    page.type("nc-phone", "+4915112345678");
    page.type("nc-name", "Nina New");
    page.click("nc-submit");
    page.waitUntil("the template picker", () -> page.visible("template-select"));
    List<WebElement> params = page.all("[data-testid='template-param']");
    assertThat(params).hasSize(2);
    params.get(0).sendKeys("Nina");
    params.get(1).sendKeys("#77");
    page.screenshot("13-new-contact-template");
    page.click("template-send");
    page.waitUntil("the thread", () -> page.visible("thread-title") && page.text("thread-title").equals("Nina New"));
    BrowserFixture.eventually("the template send", () -> f.graph.calls("POST", "/" + Webhooks.WA_PHONE_NUMBER_ID + "/messages").size() > before);
    assertThat(f.graph.calls("POST", "/" + Webhooks.WA_PHONE_NUMBER_ID + "/messages").get(before).body()).contains("order_update");
    page.waitUntil("the template message", () -> !page.all("[data-testid='message'][data-type='template']").isEmpty());
    // the agent who started it has it: the customer's answer lands in their Mine, not in Closed
    page.waitUntil("assigned to the agent", () -> page.text("thread-status").startsWith("Assigned"));
    JsonObject conv = f.api().get("/api/v1/conversations/" + page.js("return location.hash.match(/\\/(\\d+)/)[1]")).json();
    assertThat(conv.getString("status")).isEqualTo("assigned");
    assertThat(conv.getJsonObject("assignee").getString("id")).isEqualTo(String.valueOf(f.account.adminId()));
  }

  @Test
  @DisplayName("an Instagram contact says that email and phone cannot be collected there")
  void instagramNote() {
    String igsid = "12544777777" + String.format("%05d", seq.incrementAndGet());
    Webhooks.socialText(f.http, "instagram", igsid, "Is this jacket still available in M?");
    f.conversationOf(igsid);
    page.click("tab-all");
    page.waitUntil("the Instagram conversation", () -> page.all("[data-testid='conv-item'] .plat-instagram").size() >= 1);
    page.clickCss("[data-testid='conv-item'] .plat-instagram");
    page.waitUntil("the note", () -> page.visible("instagram-note"));
    assertThat(page.text("instagram-note")).contains("email").contains("phone");
    page.screenshot("14-instagram-contact");
  }

  @Test
  @DisplayName("the platform dropdown and the Filter narrow the list; scrolling down loads the next page")
  void filtersAndScroll() {
    Customer last = null;
    for (int i = 0; i < 32; i++) {
      last = customer("Scroll");
      Webhooks.whatsappText(f.http, last.waId(), last.name(), "page filler");
    }
    f.conversationOf(last.waId());
    page.open("/");
    page.click("tab-all");
    page.conversation(last.name());
    int firstPage = page.all("[data-testid='conv-item']").size();
    assertThat(firstPage).isEqualTo(30);
    page.js("const l = document.getElementById('conv-list'); l.scrollTop = l.scrollHeight; l.dispatchEvent(new Event('scroll'));");
    page.waitUntil("the next page", () -> page.all("[data-testid='conv-item']").size() > firstPage);

    new Select(page.el("platform-select")).selectByValue("instagram");
    page.waitUntil("only Instagram", () -> page.all("[data-testid='conv-item'] .plat-whatsapp").isEmpty());
    new Select(page.el("platform-select")).selectByValue("");
    page.waitUntil("WhatsApp again", () -> !page.all("[data-testid='conv-item'] .plat-whatsapp").isEmpty());

    page.click("filter-button");
    new Select(page.el("filter-assignee")).selectByValue("team:" + f.teamId);
    page.screenshot("15-filter");
    page.click("filter-apply");
    page.waitUntil("the filter summary", () -> page.visible("filter-summary") && page.text("filter-summary").contains("Support"));
    page.waitUntil("only the team's conversations", () -> page.all("[data-testid='conv-item']").stream()
        .allMatch(e -> e.findElements(tid("conv-assignee")).stream().anyMatch(a -> a.getText().equals("→ Support"))));
    page.click("filter-button");
    page.click("filter-clear");
    page.waitUntil("the whole list", () -> page.all("[data-testid='conv-item']").size() >= 30);
  }
}
