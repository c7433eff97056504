package dev.switchboard.media;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** Content types of kept media: how they are stored and which ones a browser may show inline. */
public final class MediaTypes {

  public static final String OCTET = "application/octet-stream";

  private static final Pattern TYPE = Pattern.compile("[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}");

  /**
   * Shown inline: images, audio and video a browser renders as media and nothing else. SVG is
   * not here (it is a document that can run script), nor HTML, XML or PDF.
   */
  private static final Set<String> INLINE = Set.of(
      "image/jpeg", "image/png", "image/gif", "image/webp",
      "audio/ogg", "audio/mpeg", "audio/mp4", "audio/aac", "audio/amr", "audio/wav", "audio/webm", "audio/opus",
      "video/mp4", "video/3gpp", "video/webm", "video/quicktime");

  private MediaTypes() {
  }

  /** The type without parameters, lower case; {@code application/octet-stream} when absent or malformed. */
  public static String clean(String header) {
    if (header == null) {
      return OCTET;
    }
    int semi = header.indexOf(';');
    String t = (semi < 0 ? header : header.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    return TYPE.matcher(t).matches() ? t : OCTET;
  }

  /**
   * True for a bare {@code type/subtype} in RFC 6838's shape (names of letters, digits and
   * {@code !#$&^_.+-}, starting with a letter or digit; any case), without parameters.
   */
  public static boolean wellFormed(String type) {
    return type != null && TYPE.matcher(type.toLowerCase(Locale.ROOT)).matches();
  }

  /**
   * The type the bytes say they are (their first bytes, at least 16 of them when the file has
   * them), whatever the file's name or the client claimed; {@code application/octet-stream} when
   * unknown. Markup (HTML, SVG, XML) is {@code text/html} or {@code image/svg+xml}, which no
   * platform accepts as media.
   */
  public static String sniff(byte[] b) {
    if (starts(b, 0, 0xFF, 0xD8, 0xFF)) {
      return "image/jpeg";
    }
    if (starts(b, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
      return "image/png";
    }
    if (starts(b, 0, 'G', 'I', 'F', '8')) {
      return "image/gif";
    }
    if (starts(b, 0, 'R', 'I', 'F', 'F') && starts(b, 8, 'W', 'E', 'B', 'P')) {
      return "image/webp";
    }
    if (starts(b, 0, 'R', 'I', 'F', 'F') && starts(b, 8, 'W', 'A', 'V', 'E')) {
      return "audio/wav";
    }
    if (starts(b, 0, '%', 'P', 'D', 'F', '-')) {
      return "application/pdf";
    }
    if (starts(b, 0, 'O', 'g', 'g', 'S')) {
      return "audio/ogg";
    }
    if (starts(b, 0, '#', '!', 'A', 'M', 'R')) {
      return "audio/amr";
    }
    if (starts(b, 0, 'I', 'D', '3') || (b.length > 1 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xE0) == 0xE0 && (b[1] & 0x06) != 0)) {
      return (b.length > 1 && (b[1] & 0x06) == 0) ? "audio/aac" : "audio/mpeg";
    }
    if (b.length > 1 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xF6) == 0xF0) {
      return "audio/aac";
    }
    if (starts(b, 4, 'f', 't', 'y', 'p')) {
      String brand = b.length >= 12 ? new String(b, 8, 4, java.nio.charset.StandardCharsets.US_ASCII) : "";
      if (brand.startsWith("3g")) {
        return "video/3gpp";
      }
      if (brand.equals("M4A ") || brand.equals("M4B ")) {
        return "audio/mp4";
      }
      if (brand.equals("qt  ")) {
        return "video/quicktime";
      }
      return "video/mp4";
    }
    if (starts(b, 0, 0x1A, 0x45, 0xDF, 0xA3)) {
      return "video/webm";
    }
    if (starts(b, 0, 'P', 'K', 3, 4)) {
      return "application/zip";
    }
    String text = textStart(b);
    if (text != null) {
      String t = text.stripLeading().toLowerCase(Locale.ROOT);
      if (t.startsWith("<svg") || (t.startsWith("<?xml") && t.contains("<svg"))) {
        return "image/svg+xml";
      }
      if (t.startsWith("<")) {
        return t.startsWith("<?xml") ? "application/xml" : "text/html";
      }
      return "text/plain";
    }
    return OCTET;
  }

  private static boolean starts(byte[] b, int at, int... sig) {
    if (b.length < at + sig.length) {
      return false;
    }
    for (int i = 0; i < sig.length; i++) {
      if ((b[at + i] & 0xFF) != sig[i]) {
        return false;
      }
    }
    return true;
  }

  /** The head as text when it is UTF-8 without control characters other than whitespace; else null. */
  private static String textStart(byte[] b) {
    if (b.length == 0) {
      return null;
    }
    // the head may end inside a multi-byte character: drop up to three trailing bytes
    for (int cut = 0; cut < 4 && cut < b.length; cut++) {
      try {
        String s = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
            .decode(java.nio.ByteBuffer.wrap(b, 0, b.length - cut)).toString();
        for (int i = 0; i < s.length(); i++) {
          char c = s.charAt(i);
          if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f') {
            return null;
          }
        }
        return s;
      } catch (java.nio.charset.CharacterCodingException e) {
        // try without the last byte
      }
    }
    return null;
  }

  public static boolean inline(String type) {
    return INLINE.contains(clean(type));
  }
}
