package dev.switchboard.web;

import dev.switchboard.store.EventLog;
import dev.switchboard.support.Http;
import dev.switchboard.support.Requires;
import dev.switchboard.support.TestNode;
import dev.switchboard.support.Webhooks;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.WebElement;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("A dropped live connection reconnects by itself and replays what it missed")
class ReconnectBrowserIT {

  @RegisterExtension
  static final Requires CHROMIUM = Browser.REQUIRED;

  @RegisterExtension
  final ScreenshotOnFailure onFailure = new ScreenshotOnFailure(() -> page);

  static BrowserFixture f;
  static Browser page;
  static TestNode other;

  @BeforeAll
  static void start() {
    f = new BrowserFixture(new JsonObject());
    // a second node on the same database and Redis log: it keeps taking webhooks while the first is down
    other = TestNode.start(f.db, f.redisPrefix, f.overrides);
    page = f.browser().login(f.account.adminEmail(), f.account.password());
    page.waitLive();
  }

  @AfterAll
  static void stop() {
    if (other != null) {
      other.close();
    }
    if (f != null) {
      f.close();
    }
  }

  @Test
  @DisplayName("the server drops the socket: the page says offline, reconnects, and shows every message and conversation it missed")
  void reconnectsAndReplays() {
    int before = countAll(); // the other test's conversations, when it ran first
    openWithACursor("14155558001", "Rita Reconnect", "first message", "second message");

    // the server side goes away: every socket of the node is dropped
    int port = dropTheNode();
    page.screenshot("18-offline");

    try (Http viaOther = new Http(f.vertx, other.baseUrl())) {
      Webhooks.whatsappText(viaOther, "14155558001", "Rita Reconnect", "missed while offline");
      Webhooks.whatsappText(viaOther, "14155558002", "Max Missed", "I wrote while you were away");
      f.conversationOf("14155558002");
    }

    bringTheNodeBack(port);
    page.waitUntil("the missed message", () -> texts().contains("missed while offline"));
    assertThat(page.waitFor("the thread", () -> texts()).split("\n")).containsSubsequence("first message", "second message", "missed while offline");
    page.conversation("Max Missed");
    page.waitUntil("the count", () -> page.count("all") == before + 2);
    page.screenshot("18-reconnected-nothing-missed");

    // and it stays live after the reconnect
    Webhooks.whatsappText(f.http, "14155558001", "Rita Reconnect", "after the reconnect");
    page.waitUntil("live again", () -> texts().contains("after the reconnect"));

    // every request of the live connection names the account: a
    // balancer routes /eventbus by it (deploy/nginx/nginx.conf)
    @SuppressWarnings("unchecked")
    List<String> bridge = (List<String>) page.js(
        "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/eventbus/'))");
    assertThat(bridge).as("the bridge's requests").isNotEmpty()
        .allMatch(u -> u.contains("account=" + f.account.accountId()));
  }

  @Test
  @DisplayName("offline longer than the log keeps: /events answers 410, the page reloads its lists and thread and shows what it missed")
  void reloadsWhenTheLogNoLongerHoldsItsCursor() {
    int before = countAll(); // the other test's conversations, when it ran first
    openWithACursor("14155558101", "Gina Gone", "before the gap", "seen live");

    int port = dropTheNode();
    try (Http viaOther = new Http(f.vertx, other.baseUrl())) {
      Webhooks.whatsappText(viaOther, "14155558101", "Gina Gone", "sent during the gap");
      Webhooks.whatsappText(viaOther, "14155558102", "Hugo Hidden", "a new customer during the gap");
      f.conversationOf("14155558102");
    }
    // the retention passes while the page is away: the account's log keeps nothing from before
    EventLog log = other.node.services().events();
    other.node.services().redis().api().xtrim(List.of(log.accountKey(f.account.accountId()), "MAXLEN", "0")).await();
    String cursorOfThePage = "1-0";
    try (Http viaOther = new Http(f.vertx, other.baseUrl())) {
      assertThat(viaOther.as(f.adminToken).get("/api/v1/events?after=" + cursorOfThePage).status())
          .as("the log answers gone for a cursor from before the gap").isEqualTo(410);
    }

    bringTheNodeBack(port);
    // nothing of the gap can be replayed (the log is empty) and nothing of it is pushed after the
    // reconnect, so only the reload the 410 triggers can show these
    page.waitUntil("the open thread reloaded", () -> texts().contains("sent during the gap"));
    assertThat(texts().split("\n")).containsSubsequence("before the gap", "seen live", "sent during the gap");
    page.conversation("Hugo Hidden");
    page.waitUntil("the counts reloaded", () -> page.count("all") == before + 2);
    page.screenshot("19-reloaded-after-410");

    // the fresh lists come with a fresh cursor: live again
    Webhooks.whatsappText(f.http, "14155558102", "Hugo Hidden", "live after the reload");
    page.openConversation("Hugo Hidden");
    page.waitUntil("live again", () -> texts().contains("live after the reload"));
  }

  /** A conversation open in the page, with one message seen live: the page has a cursor to replay from. */
  static void openWithACursor(String phone, String name, String first, String live) {
    Webhooks.whatsappText(f.http, phone, name, first);
    f.conversationOf(phone);
    page.click("tab-all");
    page.openConversation(name);
    page.waitUntil("the first message", () -> texts().contains(first));
    Webhooks.whatsappText(f.http, phone, name, live);
    page.waitUntil("a message seen live", () -> texts().contains(live));
  }

  /** Stops the page's node (every socket dropped) and waits for the page to say it is offline; answers its port. */
  static int dropTheNode() {
    int port = f.node.port();
    f.node.close();
    f.node = null;
    page.waitFor("the offline indicator", Duration.ofSeconds(20), () -> page.visible("offline-indicator") ? true : null);
    return port;
  }

  /** Starts a node on the same port and waits for the page to reconnect by itself. */
  static void bringTheNodeBack(int port) {
    f.node = TestNode.start(f.db, f.redisPrefix, f.overrides.copy().put("HTTP_PORT", port));
    page.waitFor("the reconnect", Duration.ofSeconds(30), () -> page.visible("offline-indicator") ? null : true);
  }

  static int countAll() {
    return page.waitFor("the Show All count", () -> page.count("all") >= 0 ? page.count("all") : null);
  }

  static String texts() {
    return String.join("\n", page.all("[data-testid='message-text']").stream().map(WebElement::getText).toList());
  }
}
