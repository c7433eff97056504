package dev.switchboard.web;

import dev.switchboard.support.Requires;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.stream.Stream;

/**
 * One headless Debian Chromium (installed by {@code .ci/browser}) driven through the system
 * chromedriver: both paths are given explicitly, so Selenium Manager never tries to download a
 * browser or a driver (there is no network for that here, nor in CI).
 */
public final class Browser implements AutoCloseable {

  static final String CHROMIUM = System.getenv().getOrDefault("CHROMIUM_BIN", "/usr/bin/chromium");
  static final String CHROMEDRIVER = System.getenv().getOrDefault("CHROMEDRIVER_BIN", "/usr/bin/chromedriver");
  static final Path SCREENSHOTS = Path.of("target", "screenshots");
  static final Duration WAIT = Duration.ofSeconds(15);

  /** Every browser test class registers this: without Chromium and its driver it is skipped, or failed under CI. */
  public static final Requires REQUIRED = Requires.tool(Files.isExecutable(Path.of(CHROMIUM)) && Files.isExecutable(Path.of(CHROMEDRIVER)),
      "Chromium and chromedriver are not installed (" + CHROMIUM + ", " + CHROMEDRIVER + "): run .ci/browser (apt-get install chromium chromium-driver)");

  public final ChromeDriver driver;
  public final Path downloads;
  private final Path profile;
  private final String base;

  public Browser(String baseUrl) {
    this.base = baseUrl;
    try {
      profile = Files.createTempDirectory("sb-chromium-profile");
      downloads = Files.createTempDirectory("sb-chromium-downloads");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1440,900", "--user-data-dir=" + profile);
    options.setExperimentalOption("prefs", Map.of(
        "download.default_directory", downloads.toString(),
        "download.prompt_for_download", false,
        "safebrowsing.enabled", false));
    // the console, as an agent's developer tools show it: errors there hide the ones that matter
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER))
        .usingAnyFreePort()
        .build();
    driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
  }

  /**
   * As a new browser would be for the next test, without starting Chromium again: signed out
   * (every cookie cleared, the refresh cookie's path included, and both storages cleared on a
   * page of the node that runs no script, so nothing writes them back on the way out),
   * 1440×900, on a blank page.
   */
  public Browser reset() {
    driver.get(base + "/health");
    js("localStorage.clear(); sessionStorage.clear();");
    driver.executeCdpCommand("Network.clearBrowserCookies", Map.of());
    driver.manage().window().setSize(new org.openqa.selenium.Dimension(1440, 900));
    driver.get("about:blank");
    return this;
  }

  public Browser open(String path) {
    driver.get(base + path);
    return this;
  }

  /** Opens the page and signs in; waits for the inbox to show the agent's name. */
  public Browser login(String email, String password) {
    open("/");
    type("login-email", email);
    type("login-password", password);
    click("login-submit");
    waitUntil("the inbox after login", () -> visible("agent-name") && !text("agent-name").isBlank());
    return this;
  }

  /** Waits until the page says it is connected for live updates. */
  public void waitLive() {
    waitUntil("the live connection", () -> !visible("offline-indicator"));
  }

  /**
   * What the page logged at SEVERE (console errors, requests answered with an error) since the
   * last call: each entry is read once, so a test calls this before the steps it checks.
   */
  public List<String> consoleErrors() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).map(LogEntry::getMessage).toList();
  }

  public static By tid(String testId) {
    return By.cssSelector("[data-testid='" + testId + "']");
  }

  public WebElement el(String testId) {
    return waitFor("element " + testId, () -> {
      List<WebElement> found = driver.findElements(tid(testId));
      return found.stream().filter(WebElement::isDisplayed).findFirst().orElse(null);
    });
  }

  public WebElement css(String selector) {
    return waitFor("element " + selector, () -> {
      List<WebElement> found = driver.findElements(By.cssSelector(selector));
      return found.stream().filter(WebElement::isDisplayed).findFirst().orElse(null);
    });
  }

  public List<WebElement> all(String selector) {
    return driver.findElements(By.cssSelector(selector));
  }

  public boolean visible(String testId) {
    try {
      return driver.findElements(tid(testId)).stream().anyMatch(WebElement::isDisplayed);
    } catch (StaleElementReferenceException e) {
      return false;
    }
  }

  /** The element's text, read again if a live update re-rendered it between finding and reading. */
  public String text(String testId) {
    return waitFor("text of " + testId, () -> el(testId).getText());
  }

  public void click(String testId) {
    retry(() -> el(testId).click());
  }

  public void clickCss(String selector) {
    retry(() -> css(selector).click());
  }

  public void type(String testId, String text) {
    retry(() -> {
      WebElement e = el(testId);
      e.clear();
      e.sendKeys(text);
    });
  }

  public void typeCss(String selector, String text) {
    retry(() -> {
      WebElement e = css(selector);
      e.clear();
      e.sendKeys(text);
    });
  }

  /**
   * Pastes {@code text} into the field as an agent does, from the clipboard with Ctrl+V: the
   * browser applies the field's maxlength and the page sees a real paste (a synthetic one inserts
   * nothing).
   */
  public void paste(String testId, String text) {
    driver.executeCdpCommand("Browser.grantPermissions", Map.of("permissions", List.of("clipboardReadWrite", "clipboardSanitizedWrite")));
    Object failed = ((JavascriptExecutor) driver).executeAsyncScript(
        "const done = arguments[arguments.length - 1]; navigator.clipboard.writeText(arguments[0]).then(() => done(null), (e) => done(String(e)));", text);
    if (failed != null) {
      throw new IllegalStateException("the clipboard refused the text: " + failed);
    }
    retry(() -> el(testId).sendKeys(Keys.chord(Keys.CONTROL, "v")));
  }

  /**
   * What the field's limit note says: the polite live region its aria-describedby names, drawn;
   * null while it names none.
   */
  public String limitNote(String testId) {
    return (String) js("""
        const field = [...document.querySelectorAll(`[data-testid='${arguments[0]}']`)].find((e) => e.offsetParent !== null);
        const note = field && (field.getAttribute('aria-describedby') || '').split(/\\s+/).map((id) => document.getElementById(id))
          .find((n) => n && n.classList.contains('limit-note'));
        return note && note.getAttribute('aria-live') === 'polite' && note.getClientRects().length ? note.textContent : null;""", testId);
  }

  /** Waits for the field's limit note to say {@code expected}; fails with what it says instead. */
  public void waitLimitNote(String testId, String expected) {
    try {
      waitUntil("the limit note of " + testId, () -> Objects.equals(expected, limitNote(testId)));
    } catch (TimeoutException e) {
      throw new AssertionError("the limit note of " + testId + " says " + limitNote(testId) + ", not " + expected, e);
    }
  }

  /** The conversation row of a contact name in the list, once it is there. */
  public WebElement conversation(String name) {
    return waitFor("conversation " + name + " in the list", () -> all("[data-testid='conv-item']").stream()
        .filter(e -> e.findElement(tid("conv-name")).getText().equals(name)).findFirst().orElse(null));
  }

  public boolean listed(String name) {
    try {
      return all("[data-testid='conv-item'] [data-testid='conv-name']").stream().anyMatch(e -> e.getText().equals(name));
    } catch (StaleElementReferenceException e) {
      return false;
    }
  }

  public void openConversation(String name) {
    retry(() -> conversation(name).click());
    waitUntil("thread of " + name, () -> visible("thread-title") && text("thread-title").equals(name));
  }

  public int count(String status) {
    String t = text("count-" + status);
    return t.matches("\\d+") ? Integer.parseInt(t) : -1;
  }

  public Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  public void waitUntil(String what, Supplier<Boolean> condition) {
    waitFor(what, () -> Boolean.TRUE.equals(condition.get()) ? Boolean.TRUE : null);
  }

  public <T> T waitFor(String what, Supplier<T> value) {
    return waitFor(what, WAIT, value);
  }

  public <T> T waitFor(String what, Duration timeout, Supplier<T> value) {
    ExpectedCondition<T> c = d -> {
      try {
        return value.get();
      } catch (StaleElementReferenceException | NoSuchElementException e) {
        return null;
      }
    };
    return new WebDriverWait(driver, timeout, Duration.ofMillis(100)).withMessage("waiting for " + what).until(c);
  }

  private void retry(Runnable action) {
    waitUntil("an element to act on", () -> {
      try {
        action.run();
        return true;
      } catch (StaleElementReferenceException | org.openqa.selenium.ElementNotInteractableException e) {
        return false;
      }
    });
  }

  public Path screenshot(String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      Path target = SCREENSHOTS.resolve(name + ".png");
      Files.write(target, driver.getScreenshotAs(OutputType.BYTES));
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      delete(profile);
      delete(downloads);
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp dir left behind is harmless
    }
  }
}
