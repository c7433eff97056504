package dev.switchboard.web;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

import java.util.function.Supplier;

/** Saves what the browser showed when a scenario failed, next to the scenarios' screenshots. */
final class ScreenshotOnFailure implements TestWatcher {

  private final Supplier<Browser> browser;

  ScreenshotOnFailure(Supplier<Browser> browser) {
    this.browser = browser;
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    Browser b = browser.get();
    if (b != null) {
      try {
        b.screenshot("FAILED-" + context.getRequiredTestClass().getSimpleName() + "-" + context.getRequiredTestMethod().getName());
      } catch (RuntimeException ignored) {
        // the browser may be gone; the test's own failure is what matters
      }
    }
  }
}
