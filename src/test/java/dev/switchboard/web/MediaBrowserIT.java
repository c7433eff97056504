package dev.switchboard.web;

import dev.switchboard.support.Requires;
import dev.switchboard.support.Seed;
import dev.switchboard.support.Webhooks;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Customers' media in the inbox, in headless Chromium")
class MediaBrowserIT {

  @RegisterExtension
  static final Requires CHROMIUM = Browser.REQUIRED;

  @RegisterExtension
  final ScreenshotOnFailure onFailure = new ScreenshotOnFailure(() -> page);

  static final String TOKEN = "token-" + Webhooks.WA_PHONE_NUMBER_ID;
  static BrowserFixture f;
  static Browser page;

  @BeforeAll
  static void start() {
    // signed links of 10 s (the least allowed): a test can see a kept element outlive its link
    f = new BrowserFixture(new JsonObject().put("MEDIA_FETCH_POLL_MS", 50).put("MEDIA_FETCH_MAX_ATTEMPTS", 1).put("MEDIA_URL_SECONDS", 10));
    page = f.browser().login(f.account.adminEmail(), f.account.password());
  }

  @AfterAll
  static void stop() {
    if (f != null) {
      f.close();
    }
  }

  /** A real PNG (a product photo stand-in), so the browser decodes it. */
  static byte[] png(int w, int hgt) {
    BufferedImage img = new BufferedImage(w, hgt, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(new Color(0xE8, 0xED, 0xFF));
    g.fillRect(0, 0, w, hgt);
    g.setColor(new Color(0x3B, 0x5B, 0xDB));
    g.fillRect(w / 6, hgt / 4, w * 2 / 3, hgt / 2);
    g.setColor(Color.RED);
    g.drawLine(w / 6, hgt / 4, w * 5 / 6, hgt * 3 / 4);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static void whatsappMedia(String from, String name, String type, String mediaId, String mime, String filename) {
    JsonObject body = Webhooks.whatsappMessage("whatsapp_image.json", from, name, Webhooks.wamid(), Instant.now(), m -> {
      JsonObject media = m.remove("image") instanceof JsonObject o ? o : new JsonObject();
      media.put("id", mediaId).put("mime_type", mime);
      if (!"image".equals(type)) {
        media.remove("caption");
      }
      if (filename != null) {
        media.put("filename", filename);
      }
      if ("audio".equals(type)) {
        media.put("voice", true);
      }
      m.put("type", type).put(type, media);
    });
    Webhooks.post(f.http, "whatsapp", body);
  }

  @Test
  @DisplayName("a customer's photo shows Loading…, then the thumbnail live, opening large; a voice note gets a player, a PDF a card, an expired one a clear failure")
  void inboundMedia() {
    page.open("/");
    page.waitUntil("the inbox", () -> page.visible("agent-name"));
    page.waitLive();
    byte[] photo = png(640, 400);
    f.graph.media(TOKEN, "7000000000001", photo, "image/png").slow("7000000000001", 2_500);
    whatsappMedia("14155557001", "Mara Photo", "image", "7000000000001", "image/png", null);
    page.click("tab-all");
    page.waitUntil("the customer in the list", () -> page.listed("Mara Photo"));
    page.openConversation("Mara Photo");
    page.waitUntil("Loading… while the download runs", () -> page.visible("media-loading"));
    assertThat(page.text("media-loading")).startsWith("Loading");
    page.screenshot("media-01-loading");

    // ready arrives as message.updated: the thumbnail appears without a reload, decoded by the browser
    page.waitUntil("the decoded thumbnail", () -> Boolean.TRUE.equals(page.js(
        "const i = document.querySelector(\"[data-testid='media-image']\"); return !!i && i.complete && i.naturalWidth === 640;")));
    assertThat(page.visible("media-loading")).isFalse();
    page.js("document.querySelector(\"[data-testid='media-image']\").__kept = true;");
    String src = page.el("media-image").getAttribute("src");
    assertThat(src).contains("/media/").contains("&s=");
    page.screenshot("media-02-photo");
    page.click("media-image");
    page.waitUntil("the lightbox", () -> page.visible("lightbox"));
    assertThat(page.js("return document.querySelector(\"[data-testid='lightbox'] img\").naturalWidth")).isEqualTo(640L);
    page.screenshot("media-03-lightbox");
    page.js("document.querySelector(\"[data-testid='lightbox']\").close()");
    page.waitUntil("the lightbox closed", () -> !page.visible("lightbox"));

    f.graph.media(TOKEN, "7000000000002", new byte[] {'O', 'g', 'g', 'S', 0, 2, 0, 0}, "audio/ogg");
    whatsappMedia("14155557001", "Mara Photo", "audio", "7000000000002", "audio/ogg; codecs=opus", null);
    page.waitUntil("the voice note's player", () -> page.visible("media-audio")
        && String.valueOf(page.el("media-audio").getAttribute("src")).contains("/media/"));

    byte[] pdf = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    f.graph.media(TOKEN, "7000000000003", pdf, "application/pdf");
    whatsappMedia("14155557001", "Mara Photo", "document", "7000000000003", "application/pdf", "invoice-1042.pdf");
    page.waitUntil("the document card", () -> page.visible("media-download")
        && String.valueOf(page.el("media-download").getAttribute("href")).contains("/media/"));
    assertThat(page.text("media-name")).isEqualTo("invoice-1042.pdf");
    assertThat(page.text("media-size")).isEqualTo(pdf.length + " B");

    f.graph.media(TOKEN, "7000000000004", photo, "image/png").expire("7000000000004");
    whatsappMedia("14155557001", "Mara Photo", "image", "7000000000004", "image/png", null);
    page.waitUntil("the failed photo", () -> page.visible("media-failed"));
    assertThat(page.text("media-failed")).contains("expired at Meta");
    // three messages later the photo is the element first shown: not loaded again, nothing flickers
    assertThat(page.js("return document.querySelector(\"[data-testid='media-image']\").__kept === true")).as("the photo's element").isEqualTo(true);
    page.screenshot("media-04-thread");
  }

  @Test
  @DisplayName("a failed download reads as what it means for the agent (Meta unreachable, an HTTP error, too large); the server's detail only in the tooltip")
  void failedDownloadsReadPlainly() {
    page.open("/");
    page.waitUntil("the inbox", () -> page.visible("agent-name"));
    page.waitLive();
    // a CDN host that does not resolve, one that answers 500, and a file announced larger than kept
    f.graph.respond("GET", "/7000000000091", dev.switchboard.support.FakeGraph.Answer.json(200, new JsonObject()
        .put("messaging_product", "whatsapp").put("url", "http://example.invalid/whatsapp_business/attachments/?mid=7000000000091")
        .put("mime_type", "image/png").put("id", "7000000000091")));
    f.graph.respond("GET", "/7000000000092", dev.switchboard.support.FakeGraph.Answer.json(200, new JsonObject()
        .put("messaging_product", "whatsapp").put("url", f.graph.url() + "/broken-cdn/7000000000092")
        .put("mime_type", "audio/ogg").put("id", "7000000000092")));
    f.graph.respond("GET", "/broken-cdn/", dev.switchboard.support.FakeGraph.Answer.json(500, new JsonObject().put("error", "boom")));
    byte[] photo = png(64, 64);
    f.graph.media("7000000000093", new dev.switchboard.support.FakeGraph.Media(TOKEN, photo, "image/png",
        dev.switchboard.support.FakeGraph.sha256Hex(photo), 50L * 1024 * 1024 * 1024));
    whatsappMedia("14155557091", "Nico Fails", "image", "7000000000091", "image/png", null);
    whatsappMedia("14155557091", "Nico Fails", "audio", "7000000000092", "audio/ogg; codecs=opus", null);
    whatsappMedia("14155557091", "Nico Fails", "image", "7000000000093", "image/png", null);
    page.click("tab-all");
    page.waitUntil("the customer in the list", () -> page.listed("Nico Fails"));
    page.openConversation("Nico Fails");
    page.waitUntil("three failures", () -> page.all("[data-testid='media-failed']").size() == 3);

    java.util.List<org.openqa.selenium.WebElement> failed = page.all("[data-testid='media-failed']");
    assertThat(failed.stream().map(org.openqa.selenium.WebElement::getText).toList()).containsExactlyInAnyOrder(
        "⚠ Photo not available: couldn't download from Meta — it will not be retried",
        "⚠ Audio not available: couldn't download from Meta — it will not be retried",
        "⚠ Photo not available: too large to download");
    assertThat(failed.stream().map(e -> e.getAttribute("title")).toList()).as("the server's reasons, as stored, in the tooltips")
        .anyMatch(t -> t.startsWith("download failed: "))
        .contains("download answered HTTP 500")
        .anyMatch(t -> t.startsWith("too large (over "));
    assertThat(f.api().get("/api/v1/conversations/" + f.conversationOf("14155557091") + "/messages?limit=50").items().encode())
        .as("the stored reason is the server's, unchanged").contains("download answered HTTP 500");
    page.screenshot("media-05-failures");
  }

  /** The last second of the signed link an element's attribute holds (its {@code e}), or 0. */
  static long linkEnd(String selector, String attribute) {
    Object e = page.js("const el = document.querySelector(arguments[0]); const v = el && el.getAttribute(arguments[1]);"
        + " return v ? Number(new URL(v, location.href).searchParams.get('e')) : 0;", selector, attribute);
    return ((Number) e).longValue();
  }

  @Test
  @DisplayName("media kept on screen past its signed link's life: the large view, the download and the player each take a fresh link")
  void keptMediaRenewsItsLinks() {
    page.open("/");
    page.waitUntil("the inbox", () -> page.visible("agent-name"));
    page.waitLive();
    f.graph.media(TOKEN, "7000000000041", png(320, 200), "image/png");
    whatsappMedia("14155557041", "Lena Later", "image", "7000000000041", "image/png", null);
    byte[] pdf = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    f.graph.media(TOKEN, "7000000000042", pdf, "application/pdf");
    whatsappMedia("14155557041", "Lena Later", "document", "7000000000042", "application/pdf", "receipt.pdf");
    f.graph.media(TOKEN, "7000000000043", wav(5), "audio/wav");
    whatsappMedia("14155557041", "Lena Later", "audio", "7000000000043", "audio/wav", null);
    page.click("tab-all");
    page.waitUntil("the customer in the list", () -> page.listed("Lena Later"));
    page.openConversation("Lena Later");
    String img = "[data-testid='media-image']";
    String doc = "[data-testid='media-download']";
    String audio = "[data-testid='media-audio']";
    page.waitUntil("the photo, the document and the player drawn with links", () -> linkEnd(img, "src") > 0
        && linkEnd(doc, "href") > 0 && linkEnd(audio, "src") > 0);
    page.js("document.querySelector(arguments[0]).__kept = true;", img);
    long drawnUntil = Math.max(linkEnd(img, "src"), Math.max(linkEnd(doc, "href"), linkEnd(audio, "src")));
    // the agent reads on; the links the elements were drawn with run out
    page.waitFor("the links drawn have expired", Duration.ofSeconds(30),
        () -> System.currentTimeMillis() / 1000 > drawnUntil + 1 ? true : null);
    assertThat(page.js("return document.querySelector(arguments[0]).__kept === true", img)).as("the photo's element, kept").isEqualTo(true);

    page.clickCss(img);
    page.waitUntil("the lightbox with the photo", () -> page.visible("lightbox") && Boolean.TRUE.equals(page.js(
        "const i = document.querySelector(\"[data-testid='lightbox'] img\"); return i.complete && i.naturalWidth === 320;")));
    assertThat(linkEnd("[data-testid='lightbox'] img", "src")).as("the large view's link ends after now")
        .isGreaterThan(System.currentTimeMillis() / 1000);
    page.js("document.querySelector(\"[data-testid='lightbox']\").close()");
    page.waitUntil("the lightbox closed", () -> !page.visible("lightbox"));

    // the download: the click takes a fresh link first (the download itself goes to the browser's folder)
    page.js("document.querySelector(arguments[0]).click();", doc);
    page.waitUntil("the download link renewed", () -> linkEnd(doc, "href") > System.currentTimeMillis() / 1000);

    page.js("const a = document.querySelector(arguments[0]); a.muted = true; a.play().catch(() => {});", audio);
    page.waitUntil("the voice note playing", () -> Boolean.TRUE.equals(page.js(
        "const a = document.querySelector(arguments[0]); return !a.paused && a.currentTime > 0.2;", audio)));
    page.js("document.querySelector(arguments[0]).pause();", audio);
  }

  @Test
  @DisplayName("at the end of a thread, a photo that loads after its message is drawn keeps the end in view, and the next message is followed")
  void photosKeepTheEndInView() {
    page.open("/");
    page.waitUntil("the inbox", () -> page.visible("agent-name"));
    page.waitLive();
    for (int i = 0; i < 15; i++) {
      Webhooks.whatsappText(f.http, "14155557051", "Pia Pinned", "a line of text before the photos, number " + i);
    }
    openAtItsEnd("Pia Pinned", 15);
    // a tall photo: its thumbnail grows the message once the browser has it
    f.graph.media(TOKEN, "7000000000051", png(400, 900), "image/png");
    whatsappMedia("14155557051", "Pia Pinned", "image", "7000000000051", "image/png", null);
    page.waitUntil("the photo decoded, the end in view", () -> Boolean.TRUE.equals(page.js(
        "const i = document.querySelector(\"[data-testid='media-image']\"); return !!i && i.complete && i.naturalWidth === 400;"))
        && Boolean.TRUE.equals(page.js(AT_END)));
    Webhooks.whatsappText(f.http, "14155557051", "Pia Pinned", "and a line after the photo");
    page.waitUntil("the line after the photo, in view at the end", () -> page.text("messages").contains("and a line after the photo")
        && Boolean.TRUE.equals(page.js(AT_END)));
  }

  @Test
  @DisplayName("a conversation whose last messages are photos opens at its last message: photos arriving late, or together just after the thread is drawn")
  void photosAtTheEndShowTheLastMessageOnOpening() {
    for (int i = 0; i < 15; i++) {
      Webhooks.whatsappText(f.http, "14155557052", "Sol Slow", "a line of text before the photos, number " + i);
    }
    for (int i = 1; i <= 3; i++) {
      f.graph.media(TOKEN, "700000000006" + i, png(400, 300 + 100 * i), "image/png");
      whatsappMedia("14155557052", "Sol Slow", "image", "700000000006" + i, "image/png", null);
    }
    String conversation = f.conversationOf("14155557052");
    page.waitFor("the three photos kept", () -> f.api().get("/api/v1/conversations/" + conversation + "/messages?limit=50")
        .items().encode().split("\"status\":\"ready\"", -1).length == 4 ? true : null);
    page.open("/");
    page.waitUntil("the inbox", () -> page.visible("agent-name"));
    page.waitLive();
    // first every request answers late: the photos arrive one by one after the thread is drawn
    page.driver.executeCdpCommand("Network.enable", java.util.Map.of());
    page.driver.executeCdpCommand("Network.emulateNetworkConditions", java.util.Map.of("offline", false, "latency", 400,
        "downloadThroughput", -1, "uploadThroughput", -1));
    try {
      page.click("tab-all");
      page.waitUntil("the customer in the list", () -> page.listed("Sol Slow"));
      page.openConversation("Sol Slow");
      lastMessageInViewWithThePhotos();
    } finally {
      page.driver.executeCdpCommand("Network.emulateNetworkConditions", java.util.Map.of("offline", false, "latency", 0,
          "downloadThroughput", -1, "uploadThroughput", -1));
    }
    // then, opened again after a reload, the three arrive one right after another (from the browser's
    // cache, each as the one before has loaded): the next grows the thread before the scroll the
    // previous one's load made is reported
    page.open("/");
    page.waitUntil("the inbox", () -> page.visible("agent-name"));
    page.waitLive();
    page.js("const src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, 'src'); const held = [];"
        + " Object.defineProperty(HTMLImageElement.prototype, 'src', { configurable: true, get() { return src.get.call(this); },"
        + " set(v) { if (this.dataset.testid !== 'media-image' || held.length >= 3) { src.set.call(this, v); return; }"
        + " held.push([this, v]); if (held.length === 3) Promise.all(held.map(([, u]) => fetch(u).then((r) => r.blob())))"
        + ".then(() => held.forEach(([i, u], n) => { if (n + 1 < held.length) i.addEventListener('load', () => src.set.call(...held[n + 1]), { once: true });"
        + " if (n === 0) src.set.call(i, u); })); } });");
    page.click("tab-all");
    page.waitUntil("the customer in the list", () -> page.listed("Sol Slow"));
    page.openConversation("Sol Slow");
    lastMessageInViewWithThePhotos();
    page.screenshot("media-10-photos-at-the-end");
  }

  /** Waits for the thread's three photos decoded and its last message wholly in view at the end. */
  static void lastMessageInViewWithThePhotos() {
    page.waitUntil("the three photos decoded", () -> Boolean.TRUE.equals(page.js(
        "const i = [...document.querySelectorAll(\"[data-testid='media-image']\")];"
        + " return i.length === 3 && i.every((p) => p.complete && p.naturalWidth === 400);")));
    page.waitUntil("the last message in view at the end", () -> Boolean.TRUE.equals(page.js(AT_END)) && Boolean.TRUE.equals(page.js(
        "const m = document.getElementById('messages').getBoundingClientRect();"
        + " const l = [...document.querySelectorAll(\"[data-testid='message']\")].pop().getBoundingClientRect();"
        + " return l.top >= m.top - 1 && l.bottom <= m.bottom + 1;")));
  }

  /** Whether the thread scrolls and shows its end. */
  static final String AT_END = "const m = document.getElementById('messages');"
      + " return m.scrollHeight > m.clientHeight && m.scrollTop + m.clientHeight >= m.scrollHeight - 2;";

  /** Opens a customer's conversation from the list and waits for all its {@code messages} and its end in view. */
  static void openAtItsEnd(String name, int messages) {
    page.click("tab-all");
    page.waitUntil("the customer in the list", () -> page.listed(name));
    page.openConversation(name);
    page.waitUntil("the whole thread", () -> page.all("[data-testid='message']").size() == messages);
    page.waitUntil("the end of the thread in view", () -> Boolean.TRUE.equals(page.js(AT_END)));
  }

  /** A real WAV (a 440 Hz tone of {@code seconds}), so the browser plays it. */
  static byte[] wav(int seconds) {
    int rate = 8_000;
    int samples = rate * seconds;
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(44 + samples * 2).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.put("RIFF".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(36 + samples * 2)
        .put("WAVEfmt ".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(16).putShort((short) 1).putShort((short) 1)
        .putInt(rate).putInt(rate * 2).putShort((short) 2).putShort((short) 16)
        .put("data".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(samples * 2);
    for (int i = 0; i < samples; i++) {
      b.putShort((short) (Math.sin(2 * Math.PI * 440 * i / rate) * 8_000));
    }
    return b.array();
  }

  @Test
  @DisplayName("a voice note being played plays on while the customer writes: the player is the same element, not paused, its time going on")
  void voiceNotePlaysOn() {
    page.open("/");
    page.waitUntil("the inbox", () -> page.visible("agent-name"));
    page.waitLive();
    f.graph.media(TOKEN, "7000000000031", wav(30), "audio/wav");
    whatsappMedia("14155557031", "Vera Voice", "audio", "7000000000031", "audio/wav", null);
    page.click("tab-all");
    page.waitUntil("the customer in the list", () -> page.listed("Vera Voice"));
    page.openConversation("Vera Voice");
    page.waitUntil("the voice note's player", () -> page.visible("media-audio")
        && String.valueOf(page.el("media-audio").getAttribute("src")).contains("/media/"));
    String player = "[data-testid='media-audio']";
    page.js("const a = document.querySelector(arguments[0]); a.__kept = true; a.muted = true; a.play();", player);
    page.waitUntil("playing", () -> Boolean.TRUE.equals(page.js(
        "const a = document.querySelector(arguments[0]); return !a.paused && a.currentTime > 0.2;", player)));
    double before = ((Number) page.js("return document.querySelector(arguments[0]).currentTime", player)).doubleValue();

    Webhooks.whatsappText(f.http, "14155557031", "Vera Voice", "did you hear it?");
    Webhooks.whatsappText(f.http, "14155557031", "Vera Voice", "it is about my order");
    page.waitUntil("both messages in the thread", () -> page.all("[data-testid='message-text']").stream()
        .filter(e -> e.getText().equals("it is about my order") || e.getText().equals("did you hear it?")).count() == 2);
    assertThat(page.js("return document.querySelector(arguments[0]).__kept === true", player)).as("the player's element").isEqualTo(true);
    page.waitUntil("still playing, further on", () -> Boolean.TRUE.equals(page.js(
        "const a = document.querySelector(arguments[0]); return !a.paused && a.currentTime > arguments[1] + 0.2;", player, before)));
    page.screenshot("media-08-voice-playing");
    page.js("document.querySelector(arguments[0]).pause();", player);
  }

  @Test
  @DisplayName("a PDF dropped on the composer uploads and is sent to WhatsApp by id; an SVG from the file picker is refused on its own chip")
  void sendFiles() throws IOException {
    f.graph.respond("POST", "/" + Webhooks.WA_PHONE_NUMBER_ID + "/media",
        dev.switchboard.support.FakeGraph.Answer.ok("upload_response_whatsapp_media.json"));
    page.open("/");
    page.waitUntil("the inbox", () -> page.visible("agent-name"));
    page.waitLive();
    Webhooks.whatsappText(f.http, "14155557002", "Noor Files", "Can you send the invoice?");
    page.click("tab-all");
    page.waitUntil("the customer in the list", () -> page.listed("Noor Files"));
    page.openConversation("Noor Files");
    page.waitUntil("the composer", () -> page.visible("file-button"));

    page.js("const dt = new DataTransfer();"
        + "dt.items.add(new File(['%PDF-1.4\\n1 0 obj <<>> endobj\\n%%EOF\\n'], 'invoice-1042.pdf', {type: 'application/pdf'}));"
        + "document.querySelector('#composer').dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));");
    page.waitUntil("the uploaded file's chip", () -> page.all("[data-testid='attachment-chip']").stream()
        .anyMatch(e -> e.getText().startsWith("invoice-1042.pdf") && !e.getText().contains("uploading")));

    java.nio.file.Path svg = java.nio.file.Files.createTempFile("logo", ".svg");
    java.nio.file.Files.writeString(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>");
    page.driver.findElement(Browser.tid("file-input")).sendKeys(svg.toString());
    page.waitUntil("the refused file's chip", () -> page.visible("attachment-error"));
    assertThat(page.text("attachment-error")).contains("does not take image/svg+xml");
    page.screenshot("media-05-composer");

    page.type("composer-text", "Here it is");
    page.click("send-button");
    var sends = page.waitFor("the document at the Graph API", () -> {
      var c = f.graph.calls("POST", "/" + Webhooks.WA_PHONE_NUMBER_ID + "/messages").stream()
          .filter(x -> x.body().contains("\"document\"")).toList();
      return c.isEmpty() ? null : c;
    });
    JsonObject doc = sends.get(0).json().getJsonObject("document");
    assertThat(doc.getString("id")).isEqualTo("1402938475610293");
    assertThat(doc.getString("filename")).isEqualTo("invoice-1042.pdf");
    assertThat(f.graph.calls("POST", "/" + Webhooks.WA_PHONE_NUMBER_ID + "/media")).anyMatch(c -> c.body().contains("%PDF-1.4"));
    page.waitUntil("the sent document in the thread", () -> page.all("[data-testid='media-name']").stream()
        .anyMatch(e -> e.getText().equals("invoice-1042.pdf")));
    java.nio.file.Files.deleteIfExists(svg);

    // WhatsApp says delivered: the message's ticks change in place, its document card never leaves
    // the page (a video there would leave fullscreen, a selection in it would be lost)
    String wamid = page.waitFor("the sent document's wamid", () -> Seed.strings(f.db, "SELECT external_id FROM messages WHERE direction = 'out'"
        + " AND attachments::text LIKE '%invoice-1042.pdf%' AND external_id IS NOT NULL ORDER BY id DESC LIMIT 1").stream().findFirst().orElse(null));
    String sent = "[data-testid='message'][data-direction='out']:has([data-testid='message-media'])";
    page.waitUntil("the sent message shown as sent", () -> "sent".equals(page.js("return document.querySelector(arguments[0])?.dataset.status", sent)));
    page.js("const msg = document.querySelector(arguments[0]); const card = msg.querySelector(\"[data-testid='message-media']\");"
        + " card.__kept = true; window.__cardRemoved = false;"
        + " new MutationObserver((rs) => { if (rs.some((r) => [...r.removedNodes].includes(card))) window.__cardRemoved = true; })"
        + ".observe(msg, { childList: true });", sent);
    Webhooks.whatsappStatus(f.http, wamid, "14155557002", "delivered");
    page.waitUntil("the ticks at delivered", () -> "delivered".equals(page.js("return document.querySelector(arguments[0])?.dataset.status", sent)));
    assertThat(page.js("return window.__cardRemoved")).as("the document card taken out of the message").isEqualTo(false);
    assertThat(page.js("return document.querySelector(arguments[0]).querySelector(\"[data-testid='message-media']\").__kept === true", sent))
        .as("the document card's element").isEqualTo(true);
  }

  @Test
  @DisplayName("a file's chip growing the composer keeps a thread at its end at its end, and its removal too; a thread read further up stays where it is")
  void fileChipKeepsTheThreadsEnd() {
    page.open("/");
    page.waitUntil("the inbox", () -> page.visible("agent-name"));
    page.waitLive();
    Webhooks.whatsappText(f.http, "14155557004", "Ella End", "the last message, which must stay in view");
    f.earlierMessages(f.conversationOf("14155557004"), 40, "a message further up");
    openAtItsEnd("Ella End", 41);
    String composerHeight = "return document.getElementById('composer').getBoundingClientRect().height";
    double before = ((Number) page.js(composerHeight)).doubleValue();

    String png = java.util.Base64.getEncoder().encodeToString(png(320, 200));
    String drop = "const bytes = Uint8Array.from(atob('" + png + "'), (c) => c.charCodeAt(0));"
        + "const dt = new DataTransfer(); dt.items.add(new File([bytes], 'shelf.png', {type: 'image/png'}));"
        + "document.querySelector('#composer').dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));";
    page.js(drop);
    page.waitUntil("the chip's preview", () -> Boolean.TRUE.equals(page.js(
        "const i = document.querySelector(\"[data-testid='attachment-preview']\"); return !!i && i.complete && i.naturalWidth === 320;")));
    assertThat(((Number) page.js(composerHeight)).doubleValue()).as("the composer grown by the chip").isGreaterThan(before + 20);
    page.waitUntil("the thread still at its end", () -> Boolean.TRUE.equals(page.js(AT_END)));
    page.screenshot("media-09-chip-thread-end");

    page.click("attachment-remove");
    page.waitUntil("no chip left", () -> page.all("[data-testid='attachment-chip']").isEmpty());
    page.waitUntil("at its end with the composer shrunk", () -> Boolean.TRUE.equals(page.js(AT_END)));

    // further up, the message at the top of the pane stays there while the composer grows
    page.js("document.getElementById('messages').scrollTop = 300;");
    page.js(drop);
    page.waitUntil("the chip again", () -> !page.all("[data-testid='attachment-preview']").isEmpty());
    assertThat(((Number) page.js("return document.getElementById('messages').scrollTop")).longValue()).as("the reading place").isBetween(299L, 301L);
    page.click("attachment-remove");
  }

  @Test
  @DisplayName("a pasted image previews on its chip, × removes it, pasted again it is sent; a sticker shows small, a location with a map link, shared contacts as cards")
  void pasteAndSmallerKinds() {
    f.graph.respond("POST", "/" + Webhooks.WA_PHONE_NUMBER_ID + "/media",
        dev.switchboard.support.FakeGraph.Answer.ok("upload_response_whatsapp_media.json"));
    page.open("/");
    page.waitUntil("the inbox", () -> page.visible("agent-name"));
    page.waitLive();
    Webhooks.whatsappText(f.http, "14155557003", "Lin Paste", "Here is where I am");
    page.click("tab-all");
    page.waitUntil("the customer in the list", () -> page.listed("Lin Paste"));
    page.openConversation("Lin Paste");
    page.waitUntil("the composer", () -> page.visible("composer-text"));

    String png = java.util.Base64.getEncoder().encodeToString(png(640, 400));
    String paste = "const bytes = Uint8Array.from(atob('" + png + "'), (c) => c.charCodeAt(0));"
        + "const dt = new DataTransfer(); dt.items.add(new File([bytes], 'image.png', {type: 'image/png'}));"
        + "document.querySelector(\"[data-testid='composer-text']\").dispatchEvent("
        + "new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}));";
    page.js(paste);
    page.waitUntil("the decoded preview on an uploaded chip", () -> Boolean.TRUE.equals(page.js(
        "const i = document.querySelector(\"[data-testid='attachment-preview']\");"
            + "return !!i && i.complete && i.naturalWidth === 640 && !i.parentElement.textContent.includes('uploading');")));
    assertThat(page.text("attachment-chip")).startsWith("pasted-").contains(".png");
    page.screenshot("media-06-paste-preview");
    page.click("attachment-remove");
    page.waitUntil("no chip left", () -> page.all("[data-testid='attachment-chip']").isEmpty());
    assertThat(page.js("return document.querySelector(\"[data-testid='composer-text']\").value")).isEqualTo("");

    page.js(paste);
    page.waitUntil("the uploaded chip", () -> page.all("[data-testid='attachment-chip']").stream()
        .anyMatch(e -> e.getText().startsWith("pasted-") && !e.getText().contains("uploading")));
    page.click("send-button");
    var sends = page.waitFor("the image at the Graph API", () -> {
      var c = f.graph.calls("POST", "/" + Webhooks.WA_PHONE_NUMBER_ID + "/messages").stream()
          .filter(x -> x.body().contains("\"image\"") && x.body().contains("1402938475610293")).toList();
      return c.isEmpty() ? null : c;
    });
    assertThat(sends).hasSize(1);
    assertThat(page.all("[data-testid='attachment-chip']")).isEmpty();

    f.graph.media(TOKEN, "7000000000009", png(512, 512), "image/png");
    whatsappMedia("14155557003", "Lin Paste", "sticker", "7000000000009", "image/png", null);
    JsonObject location = Webhooks.whatsappMessage("whatsapp_image.json", "14155557003", "Lin Paste", Webhooks.wamid(), Instant.now(),
        m -> m.put("type", "location").put("location", new JsonObject().put("latitude", 52.520008).put("longitude", 13.404954)
            .put("name", "Pickup point").put("address", "Alexanderplatz 1, Berlin")));
    location.getJsonArray("entry").getJsonObject(0).getJsonArray("changes").getJsonObject(0).getJsonObject("value")
        .getJsonArray("messages").getJsonObject(0).remove("image");
    Webhooks.post(f.http, "whatsapp", location);
    JsonObject contacts = Webhooks.whatsappMessage("whatsapp_image.json", "14155557003", "Lin Paste", Webhooks.wamid(), Instant.now(),
        m -> m.put("type", "contacts").put("contacts", new io.vertx.core.json.JsonArray().add(new JsonObject()
            .put("name", new JsonObject().put("formatted_name", "Sam Courier").put("first_name", "Sam"))
            .put("phones", new io.vertx.core.json.JsonArray().add(new JsonObject().put("phone", "+49 30 1234567").put("type", "WORK")))
            .put("emails", new io.vertx.core.json.JsonArray().add(new JsonObject().put("email", "sam@example.com"))))));
    contacts.getJsonArray("entry").getJsonObject(0).getJsonArray("changes").getJsonObject(0).getJsonObject("value")
        .getJsonArray("messages").getJsonObject(0).remove("image");
    Webhooks.post(f.http, "whatsapp", contacts);

    page.waitUntil("the map link", () -> page.visible("location-link"));
    assertThat(page.el("location-link").getAttribute("href"))
        .isEqualTo("https://www.openstreetmap.org/?mlat=52.520008&mlon=13.404954#map=16/52.520008/13.404954");
    assertThat(page.text("message-location")).contains("Pickup point").contains("Alexanderplatz 1, Berlin");
    page.waitUntil("the contact card", () -> page.visible("contact-card"));
    assertThat(page.text("contact-card")).contains("Sam Courier").contains("+49 30 1234567").contains("sam@example.com");
    page.waitUntil("the sticker, decoded", () -> Boolean.TRUE.equals(page.js(
        "const i = document.querySelector(\"img.sticker\"); return !!i && i.complete && i.naturalWidth === 512;")));
    assertThat((Long) page.js("return Math.round(document.querySelector('img.sticker').getBoundingClientRect().width)"))
        .isLessThanOrEqualTo(128L);
    page.screenshot("media-07-sticker-location-contacts");
    assertThat(AgentDayBrowserIT.axe(page)).as("conversation with media").isEmpty();
  }
}
