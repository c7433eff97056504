package dev.switchboard.web;

import dev.switchboard.support.Requires;
import dev.switchboard.support.Webhooks;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The reply-window countdown and the composer switching at expiry (windows shrunk to seconds)")
class WindowExpiryBrowserIT {

  @RegisterExtension
  static final Requires CHROMIUM = Browser.REQUIRED;

  @RegisterExtension
  final ScreenshotOnFailure onFailure = new ScreenshotOnFailure(() -> page);

  static BrowserFixture f;
  static Browser page;

  @BeforeAll
  static void start() {
    f = new BrowserFixture(new JsonObject().put("WINDOW_STANDARD", "PT8S").put("WINDOW_HUMAN_AGENT", "PT16S"));
    page = f.browser().login(f.account.adminEmail(), f.account.password());
    page.waitLive();
  }

  @AfterAll
  static void stop() {
    if (f != null) {
      f.close();
    }
  }

  @Test
  @DisplayName("WhatsApp: the countdown runs live and at zero the composer offers templates only")
  void whatsappSwitchesToTemplateOnly() {
    Webhooks.whatsappText(f.http, "14155559001", "Wendy Window", "quick question");
    f.conversationOf("14155559001");
    page.click("tab-all");
    page.openConversation("Wendy Window");
    page.waitUntil("the reply composer", () -> page.visible("composer-text"));
    String first = page.text("window-human");
    page.waitUntil("the clock to move", () -> !page.text("window-human").equals(first) && !page.text("window-human").contains("expired"));
    assertThat(page.waitFor("the window state", () -> page.el("window-human").getAttribute("data-state"))).isIn("soon", "ok");
    page.screenshot("16-countdown-whatsapp");
    page.waitFor("the template-only composer", Duration.ofSeconds(20), () -> page.visible("composer-template-only") ? true : null);
    assertThat(page.visible("composer-text")).isFalse();
    assertThat(page.text("window-human")).contains("expired");
    page.waitUntil("the template list", () -> page.visible("template-select"));
    page.screenshot("16-template-only-whatsapp");
    // a private note is still possible
    page.click("mode-note");
    page.waitUntil("the note composer", () -> page.visible("composer-text"));
  }

  @Test
  @DisplayName("Messenger: automation closes first, the human window later; then the composer says why it cannot send")
  void messengerExplainsWhenClosed() {
    Webhooks.socialText(f.http, "messenger", "7423918830199001", "hello there");
    f.conversationOf("7423918830199001");
    page.open("/");
    page.click("tab-all");
    page.waitUntil("the Messenger conversation", () -> !page.all("[data-testid='conv-item'] .plat-messenger").isEmpty());
    page.clickCss("[data-testid='conv-item'] .plat-messenger");
    page.waitUntil("the reply composer", () -> page.visible("composer-text"));
    page.waitFor("automation to expire", Duration.ofSeconds(20), () -> page.text("window-automation").contains("expired") ? true : null);
    assertThat(page.visible("composer-text")).as("a human may still answer (HUMAN_AGENT tag)").isTrue();
    assertThat(page.text("window-human")).doesNotContain("expired");
    page.screenshot("17-messenger-automation-expired");
    page.waitFor("the blocked composer", Duration.ofSeconds(20), () -> page.visible("composer-blocked") ? true : null);
    assertThat(page.text("composer-blocked")).contains("7 days");
    page.screenshot("17-messenger-window-closed");
  }
}
