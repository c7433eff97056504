package dev.switchboard.media;

import dev.switchboard.conversation.MediaMarks;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The pure rules of media: what is fetched, what bytes are, what may be sent and shown inline. */
@DisplayName("Media rules: which attachments are fetched, types from bytes, platform limits, inline types")
class MediaRulesTest {

  static byte[] b(int... v) {
    byte[] out = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (byte) v[i];
    }
    return out;
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  @Test
  @DisplayName("a customer's WhatsApp media and Messenger files are marked pending, WhatsApp's id kept as metaMediaId; echoes, locations and URL-less ones are not")
  void marks() {
    JsonArray wa = MediaMarks.pending("whatsapp", false, new JsonArray()
        .add(new JsonObject().put("type", "image").put("mediaId", "123").put("mimeType", "image/jpeg"))
        .add(new JsonObject().put("type", "location").put("latitude", 1))
        .add(new JsonObject().put("type", "document")));
    assertThat(wa.getJsonObject(0).getString("status")).isEqualTo("pending");
    assertThat(wa.getJsonObject(0).getString("metaMediaId")).isEqualTo("123");
    assertThat(wa.getJsonObject(0).containsKey("mediaId")).isFalse();
    assertThat(wa.getJsonObject(1).containsKey("status")).isFalse();
    assertThat(wa.getJsonObject(2).containsKey("status")).as("no media id, nothing to fetch").isFalse();
    assertThat(MediaMarks.hasPending(wa)).isTrue();

    JsonArray fb = MediaMarks.pending("messenger", false, new JsonArray()
        .add(new JsonObject().put("type", "file").put("url", "https://cdn.fbsbx.com/a.pdf"))
        .add(new JsonObject().put("type", "fallback").put("url", "https://example.com"))
        .add(new JsonObject().put("type", "image").put("url", "javascript:alert(1)")));
    assertThat(fb.getJsonObject(0).getString("status")).isEqualTo("pending");
    assertThat(fb.getJsonObject(1).containsKey("status")).isFalse();
    assertThat(fb.getJsonObject(2).containsKey("status")).isFalse();

    JsonArray echo = MediaMarks.pending("whatsapp", true, new JsonArray().add(new JsonObject().put("type", "image").put("mediaId", "1")));
    assertThat(MediaMarks.hasPending(echo)).isFalse();
  }

  @Test
  @DisplayName("types come from the first bytes: images, audio, video, PDF, ZIP, text, and markup as markup")
  void sniff() {
    assertThat(MediaTypes.sniff(b(0xFF, 0xD8, 0xFF, 0xE0))).isEqualTo("image/jpeg");
    assertThat(MediaTypes.sniff(b(0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0))).isEqualTo("image/png");
    assertThat(MediaTypes.sniff(ascii("GIF89a...."))).isEqualTo("image/gif");
    assertThat(MediaTypes.sniff(ascii("RIFF\0\0\0\0WEBPVP8 "))).isEqualTo("image/webp");
    assertThat(MediaTypes.sniff(ascii("%PDF-1.7\n"))).isEqualTo("application/pdf");
    assertThat(MediaTypes.sniff(ascii("OggS\0\2"))).isEqualTo("audio/ogg");
    assertThat(MediaTypes.sniff(ascii("ID3\4\0"))).isEqualTo("audio/mpeg");
    assertThat(MediaTypes.sniff(ascii("#!AMR\n"))).isEqualTo("audio/amr");
    assertThat(MediaTypes.sniff(ascii("\0\0\0\u0018ftypisom\0\0"))).isEqualTo("video/mp4");
    assertThat(MediaTypes.sniff(ascii("\0\0\0\u0018ftyp3gp4\0\0"))).isEqualTo("video/3gpp");
    assertThat(MediaTypes.sniff(ascii("\0\0\0\u0018ftypM4A \0\0"))).isEqualTo("audio/mp4");
    assertThat(MediaTypes.sniff(ascii("PK\3\4\24\0"))).isEqualTo("application/zip");
    assertThat(MediaTypes.sniff("Order 1042: two boxes, one damaged.\n".getBytes(StandardCharsets.UTF_8))).isEqualTo("text/plain");
    assertThat(MediaTypes.sniff("  <!DOCTYPE html><html>".getBytes(StandardCharsets.UTF_8))).isEqualTo("text/html");
    assertThat(MediaTypes.sniff("<?xml version=\"1.0\"?><svg xmlns=\"x\"/>".getBytes(StandardCharsets.UTF_8))).isEqualTo("image/svg+xml");
    assertThat(MediaTypes.sniff("<svg/>".getBytes(StandardCharsets.UTF_8))).isEqualTo("image/svg+xml");
    assertThat(MediaTypes.sniff(b(0, 1, 2, 3, 0xFE))).isEqualTo(MediaTypes.OCTET);
    assertThat(MediaTypes.sniff(new byte[0])).isEqualTo(MediaTypes.OCTET);
  }

  @Test
  @DisplayName("only common image, audio and video types are inline; SVG, HTML, PDF and malformed types are not")
  void inline() {
    assertThat(MediaTypes.inline("image/jpeg")).isTrue();
    assertThat(MediaTypes.inline("audio/ogg; codecs=opus")).isTrue();
    assertThat(MediaTypes.inline("video/mp4")).isTrue();
    assertThat(MediaTypes.inline("image/svg+xml")).isFalse();
    assertThat(MediaTypes.inline("text/html")).isFalse();
    assertThat(MediaTypes.inline("application/pdf")).isFalse();
    assertThat(MediaTypes.clean("IMAGE/JPEG; charset=x")).isEqualTo("image/jpeg");
    assertThat(MediaTypes.clean("image/jpeg\r\nX-Evil: 1")).isEqualTo(MediaTypes.OCTET);
    assertThat(MediaTypes.clean(null)).isEqualTo(MediaTypes.OCTET);
  }

  @Test
  @DisplayName("platform limits at their edges, capped by MEDIA_MAX_BYTES, naming the limit")
  void limits() {
    assertThat(MediaLimits.check("whatsapp", "image/jpeg", 5_000_000, Long.MAX_VALUE)).isNull();
    MediaException over = MediaLimits.check("whatsapp", "image/jpeg", 5_000_001, Long.MAX_VALUE);
    assertThat(over.code()).isEqualTo("media_too_large");
    assertThat(over.getMessage()).contains("WhatsApp").contains("5 MB");
    assertThat(MediaLimits.check("whatsapp", "image/webp", 500_001, Long.MAX_VALUE).getMessage()).contains("500 KB");
    assertThat(MediaLimits.check("whatsapp", "video/mp4", 16_000_000, Long.MAX_VALUE)).isNull();
    assertThat(MediaLimits.check("whatsapp", "application/pdf", 100_000_001, Long.MAX_VALUE).code()).isEqualTo("media_too_large");
    assertThat(MediaLimits.check("whatsapp", "application/pdf", 2_000_000, 1_000_000).code()).as("MEDIA_MAX_BYTES caps").isEqualTo("media_too_large");
    assertThat(MediaLimits.check("messenger", "application/pdf", 25_000_000, Long.MAX_VALUE)).isNull();
    assertThat(MediaLimits.check("instagram", "image/jpeg", 8_000_001, Long.MAX_VALUE).getMessage()).contains("8 MB");
    assertThat(MediaLimits.check("instagram", "application/pdf", 10, Long.MAX_VALUE).code()).isEqualTo("unsupported_media");
    assertThat(MediaLimits.check("whatsapp", "text/html", 10, Long.MAX_VALUE).code()).isEqualTo("unsupported_media");
    assertThat(MediaLimits.check("whatsapp", "image/svg+xml", 10, Long.MAX_VALUE).code()).isEqualTo("unsupported_media");
    assertThat(MediaLimits.largest("whatsapp", Long.MAX_VALUE)).isEqualTo(100_000_000L);
    assertThat(MediaLimits.known("telegram")).isFalse();
  }

  @Test
  @DisplayName("a signed link is valid for its account, id and expiry only, and not after it")
  void links() {
    MediaLinks links = new MediaLinks("0123456789abcdef0123456789abcdef");
    String path = links.path(7, 42, 1_000);
    String sig = path.substring(path.indexOf("&s=") + 3);
    assertThat(links.valid(7, 42, 1_000, sig, 999)).isTrue();
    assertThat(links.valid(7, 42, 1_000, sig, 1_001)).isFalse();
    assertThat(links.valid(8, 42, 1_000, sig, 999)).isFalse();
    assertThat(links.valid(7, 43, 1_000, sig, 999)).isFalse();
    assertThat(links.valid(7, 42, 2_000, sig, 999)).isFalse();
    assertThat(new MediaLinks("another secret, just as long......").valid(7, 42, 1_000, sig, 999)).isFalse();
  }
}
