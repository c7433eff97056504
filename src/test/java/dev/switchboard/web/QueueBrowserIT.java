package dev.switchboard.web;

import dev.switchboard.support.Requires;
import dev.switchboard.support.Webhooks;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The work queue in the inbox: Expiring soon with live countdowns and the warning, Snoozed, snooze and unsnooze")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QueueBrowserIT {

  @RegisterExtension
  static final Requires CHROMIUM = Browser.REQUIRED;

  @RegisterExtension
  final ScreenshotOnFailure onFailure = new ScreenshotOnFailure(() -> page);

  static BrowserFixture f;
  static Browser page;

  @BeforeAll
  static void start() {
    // WhatsApp replies close an hour after the customer writes, Messenger's three hours; the warning
    // comes 20 seconds after the customer wrote (WINDOW_WARN_BEFORE just under the hour)
    f = new BrowserFixture(new JsonObject().put("WINDOW_STANDARD", "PT1H").put("WINDOW_HUMAN_AGENT", "PT3H")
        .put("WINDOW_WARN_BEFORE", "PT59M40S").put("WINDOW_TIMER_POLL_MS", 100));
    page = f.browser().login(f.account.adminEmail(), f.account.password());
    page.waitLive();
  }

  @AfterAll
  static void stop() {
    if (f != null) {
      f.close();
    }
  }

  static String open(String conversationId) {
    assertThat(f.api().patch("/api/v1/conversations/" + conversationId, new JsonObject().put("status", "open")).status()).isEqualTo(200);
    return conversationId;
  }

  static List<String> rowNames() {
    return page.all("[data-testid='conv-item'] [data-testid='conv-name']").stream().map(WebElement::getText).toList();
  }

  @Test
  @Order(1)
  @DisplayName("Expiring soon: needs-reply conversations, soonest deadline first, each row counting down; the warning reaches the agent; axe clean at desktop and 360 px")
  void expiringSoon() {
    Webhooks.socialText(f.http, "messenger", "7423918830177001", "are you open on sunday?");
    String fb = open(f.conversationOf("7423918830177001"));
    Webhooks.whatsappText(f.http, "14155557001", "Eli Expiring", "my order is late");
    String wa = open(f.conversationOf("14155557001"));
    Webhooks.whatsappText(f.http, "14155557002", "Ann Answered", "thanks!");
    String answered = f.conversationOf("14155557002");
    assertThat(f.api().post("/api/v1/conversations/" + answered + "/messages", new JsonObject().put("type", "reply").put("text", "you're welcome"))
        .status()).isIn(200, 201, 202);

    page.click("view-expiring");
    // rows arrive live and settle into deadline order once both carry their deadline
    page.waitUntil("both waiting conversations, soonest deadline first",
        () -> rowNames().size() == 2 && "Eli Expiring".equals(rowNames().get(0)));
    assertThat(rowNames().get(0)).as("WhatsApp's window closes first").isEqualTo("Eli Expiring");
    assertThat(rowNames()).doesNotContain("Ann Answered");
    assertThat(page.all("[data-testid='conv-item'] [data-testid='conv-countdown']")).hasSize(2);
    String before = page.all("[data-testid='conv-countdown']").get(0).getText();
    page.waitUntil("the countdown to tick", () -> !page.all("[data-testid='conv-countdown']").get(0).getText().equals(before));
    assertThat(page.all("[data-testid='conv-countdown']").get(0).getText()).matches("\\d+m \\d\\ds left");
    assertThat(page.text("count-expiring")).isEqualTo("2");
    page.screenshot("queue-01-expiring-soon");
    assertThat(AgentDayBrowserIT.axe(page)).as("Expiring soon").isEmpty();

    // the window_expiring event: the list's agent is told (unassigned, Open: everyone who can take it)
    page.waitFor("the warning", Duration.ofSeconds(40), () -> ((Number) page.js("return window.__switchboard.expiringNotified || 0")).intValue() >= 1
        ? true : null);
    page.screenshot("queue-02-expiring-warning");

    page.driver.manage().window().setSize(new Dimension(360, 740));
    page.waitUntil("the narrow list", () -> page.visible("view-expiring"));
    AgentDayBrowserIT.noSideways(page, "360 px, Expiring soon");
    page.screenshot("queue-03-expiring-soon-360");
    assertThat(AgentDayBrowserIT.axe(page)).as("Expiring soon at 360 px").isEmpty();
    page.driver.manage().window().setSize(new Dimension(1440, 900));
    assertThat(wa).isNotEqualTo(fb);
  }

  @Test
  @Order(2)
  @DisplayName("Snooze from the header by keyboard warns past the window, moves the conversation to Snoozed; Unsnooze brings it back")
  void snoozeAndUnsnooze() {
    // Messenger: a human may answer for three hours here, and no warning event redraws the header meanwhile
    Webhooks.socialText(f.http, "messenger", "7423918830177003", "call me later");
    String id = open(f.conversationOf("7423918830177003"));
    page.open("/");
    page.click("tab-open");
    page.waitUntil("the conversation", () -> page.all("[data-testid='conv-item'][data-id='" + id + "']").size() == 1);
    page.clickCss("[data-testid='conv-item'][data-id='" + id + "']");
    page.waitUntil("the snooze button", () -> page.visible("snooze-button"));
    // opening it marks it read; that and the events that follow it redraw the header, which keeps its buttons and an open menu
    page.waitUntil("the read mark", () -> page.js("return window.__switchboard.current && window.__switchboard.current.lastReadMessageId") != null);
    page.el("snooze-button").sendKeys(Keys.ENTER);
    page.waitUntil("the snooze menu", () -> page.visible("snooze-1h"));
    // tomorrow morning is past the three-hour window: the menu says so before anything is sent
    assertThat(page.el("snooze-tomorrow").getText()).contains("⚠");
    page.js("arguments[0].focus()", page.el("snooze-tomorrow"));
    page.waitUntil("the warning", () -> page.visible("snooze-warning"));
    assertThat(page.text("snooze-warning")).contains("no reply can be sent");
    page.screenshot("queue-04-snooze-menu");
    assertThat(AgentDayBrowserIT.axe(page)).as("snooze menu").isEmpty();
    assertThat(page.el("snooze-1h").getText()).doesNotContain("⚠");
    page.el("snooze-1h").sendKeys(Keys.ENTER);
    page.waitUntil("the unsnooze button", () -> page.visible("unsnooze-button"));
    page.waitUntil("the conversation to leave Open", () -> page.all("[data-testid='conv-item'][data-id='" + id + "']").isEmpty());

    page.click("view-snoozed");
    page.waitUntil("the Snoozed view", () -> page.all("[data-testid='conv-item'][data-id='" + id + "']").size() == 1);
    assertThat(page.css("[data-testid='conv-item'][data-id='" + id + "'] [data-testid='conv-snoozed']").getText()).startsWith("Snoozed until");
    assertThat(page.text("count-snoozed")).isEqualTo("1");
    page.screenshot("queue-05-snoozed");
    assertThat(AgentDayBrowserIT.axe(page)).as("Snoozed").isEmpty();

    page.el("unsnooze-button").sendKeys(Keys.ENTER);
    page.waitUntil("the conversation to leave Snoozed", () -> page.all("[data-testid='conv-item'][data-id='" + id + "']").isEmpty());
    page.click("tab-open");
    page.waitUntil("back in Open", () -> page.all("[data-testid='conv-item'][data-id='" + id + "']").size() == 1);
    page.waitUntil("the snooze button again", () -> page.visible("snooze-button"));
  }
}
