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
import org.openqa.selenium.interactions.Actions;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Where the keyboard's focus goes: modal dialogs keep it, ask before losing typed text, and a phone's panes hand it on")
class FocusBrowserIT {

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

  @AfterEach
  void giveBackBrowsers() {
    f.endTest();
  }

  /** The testid of the focused element, or its tag when it has none. */
  static String focused(Browser b) {
    return (String) b.js("const a = document.activeElement; return a ? (a.dataset.testid || a.tagName) : 'none';");
  }

  static boolean focusInDialog(Browser b) {
    return Boolean.TRUE.equals(b.js("const m = document.querySelector(\"[data-testid='modal']\"); return !!m && m.contains(document.activeElement);"));
  }

  static void pressOnFocused(Browser b, CharSequence... keys) {
    b.driver.switchTo().activeElement().sendKeys(keys);
  }

  /** The admin's page drawn anew, so a dialog a failed test left open does not cover the next one. */
  static void reload() {
    page.open("/");
    page.waitUntil("the inbox", () -> page.visible("agent-name"));
  }

  @Test
  @DisplayName("Add agent: Tab and Shift+Tab cycle inside the dialog, the page behind is inert, Escape gives the focus back to Add agent")
  void addAgentKeepsTheFocus() {
    reload();
    SettingsBrowserIT.section(page, "agents");
    page.el("agent-new").sendKeys(Keys.ENTER);
    page.waitUntil("the Add agent dialog", () -> page.visible("na-name"));
    for (int i = 1; i <= 15; i++) {
      pressOnFocused(page, Keys.TAB);
      assertThat(focusInDialog(page)).as("after Tab #%d the focus (%s) is inside the dialog", i, focused(page)).isTrue();
    }
    for (int i = 1; i <= 8; i++) {
      pressOnFocused(page, Keys.chord(Keys.SHIFT, Keys.TAB));
      assertThat(focusInDialog(page)).as("after Shift+Tab #%d the focus (%s) is inside the dialog", i, focused(page)).isTrue();
    }
    assertThat(page.js("return document.getElementById('app').inert")).as("the page behind the dialog is inert").isEqualTo(true);
    assertThat(AgentDayBrowserIT.axe(page)).as("axe with the Add agent dialog open").isEmpty();
    page.screenshot("focus-01-add-agent-trapped");
    pressOnFocused(page, Keys.ESCAPE);
    page.waitUntil("the dialog closed", () -> !page.visible("modal"));
    assertThat(focused(page)).as("the focus after Escape").isEqualTo("agent-new");
    assertThat(page.js("return document.getElementById('app').inert")).as("the page is live again").isEqualTo(false);
  }

  @Test
  @DisplayName("New saved reply and New flow: Escape or the backdrop on a changed dialog asks before discarding; an unchanged one closes at once")
  void changedDialogAsksBeforeDiscarding() {
    reload();
    SettingsBrowserIT.section(page, "saved-replies");
    page.click("sr-new");
    page.waitUntil("the editor", () -> page.visible("sre-title"));
    page.el("sre-title").sendKeys("Opening hours");
    page.el("sre-content").sendKeys("We open at nine.");
    pressOnFocused(page, Keys.ESCAPE);
    page.waitUntil("the question", () -> page.visible("discard-confirm"));
    assertThat(page.text("discard-confirm")).contains("Discard your changes?");
    assertThat(page.visible("sre-title")).as("the editor stays open").isTrue();
    assertThat(page.el("sre-content").getAttribute("value")).as("what was typed").isEqualTo("We open at nine.");
    assertThat(focused(page)).as("the focus on the safe answer").isEqualTo("discard-keep");
    assertThat(AgentDayBrowserIT.axe(page)).as("axe with the question shown").isEmpty();
    page.screenshot("focus-02-discard-question");
    // Escape again is "keep editing"
    pressOnFocused(page, Keys.ESCAPE);
    page.waitUntil("the question gone", () -> !page.visible("discard-confirm"));
    assertThat(page.visible("sre-save")).as("the dialog's buttons are back").isTrue();
    assertThat(page.el("sre-title").getAttribute("value")).isEqualTo("Opening hours");
    // a press on the backdrop asks too
    new Actions(page.driver).moveToLocation(3, 3).click().perform();
    page.waitUntil("the question after the backdrop", () -> page.visible("discard-confirm"));
    assertThat(page.visible("sre-title")).as("the editor stays open").isTrue();
    page.click("discard-yes");
    page.waitUntil("the editor closed", () -> !page.visible("modal"));
    assertThat(focused(page)).as("the focus back on the opener").isEqualTo("sr-new");
    // unchanged: Escape closes at once
    page.click("sr-new");
    page.waitUntil("the editor again", () -> page.visible("sre-title"));
    assertThat(page.el("sre-title").getAttribute("value")).as("a discarded draft is gone").isEmpty();
    pressOnFocused(page, Keys.ESCAPE);
    page.waitUntil("the unchanged editor closed", () -> !page.visible("modal"));
    // typed and typed away again is unchanged too
    page.click("sr-new");
    page.waitUntil("the editor once more", () -> page.visible("sre-title"));
    page.el("sre-title").sendKeys("x", Keys.BACK_SPACE);
    pressOnFocused(page, Keys.ESCAPE);
    page.waitUntil("the editor closed without asking", () -> !page.visible("modal"));

    // the flow editor asks too
    SettingsBrowserIT.section(page, "flows");
    page.click("flow-new");
    page.waitUntil("the flow editor", () -> page.visible("ff-name"));
    page.el("ff-name").sendKeys("Opening hours bot");
    pressOnFocused(page, Keys.ESCAPE);
    page.waitUntil("the question in the flow editor", () -> page.visible("discard-confirm"));
    assertThat(page.el("ff-name").getAttribute("value")).isEqualTo("Opening hours bot");
    page.click("discard-yes");
    page.waitUntil("the flow editor closed", () -> !page.visible("modal"));
  }

  @Test
  @DisplayName("at 360 px with the keyboard only: Enter on a row moves the focus to the conversation's name, ← Back returns it to the row")
  void phoneKeyboardFocus() {
    Webhooks.whatsappText(f.http, "14156670001", "Pia Phone", "Can I pay by card?");
    String conv = f.conversationOf("14156670001");
    Browser b = f.fresh();
    b.driver.manage().window().setSize(new Dimension(360, 740));
    b.login(f.agentEmail, f.agentPassword);
    b.waitLive();
    b.el("tab-all").sendKeys(Keys.ENTER);
    b.waitUntil("Pia's row", () -> b.listed("Pia Phone"));
    // j focuses the first row (the only one under Show All)
    pressOnFocused(b, "j");
    b.waitUntil("the focus on Pia's row", () -> conv.equals(b.js("return document.activeElement.dataset.id || null")));
    pressOnFocused(b, Keys.ENTER);
    b.waitUntil("the conversation", () -> b.visible("thread-title") && b.text("thread-title").equals("Pia Phone"));
    b.waitUntil("the focus in the thread", () -> "thread-title".equals(focused(b)));
    assertThat(AgentDayBrowserIT.axe(b)).as("axe at 360 px with the focused name").isEmpty();
    b.screenshot("focus-03-phone-thread");
    // the name is not in the Tab order; Shift+Tab from it reaches ← Back
    pressOnFocused(b, Keys.chord(Keys.SHIFT, Keys.TAB));
    assertThat(focused(b)).isEqualTo("back-to-list");
    pressOnFocused(b, Keys.ENTER);
    b.waitUntil("the list", () -> b.visible("conversation-list") && !b.visible("thread-title"));
    b.waitUntil("the focus back on Pia's row after Back", () -> conv.equals(b.js("return document.activeElement.dataset.id || null")));
    assertThat(focused(b)).isEqualTo("conv-item");
  }
}
