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

  public static boolean inline(String type) {
    return INLINE.contains(clean(type));
  }
}
