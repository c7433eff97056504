package dev.switchboard.media;

import java.util.Map;

/**
 * What each platform accepts as a file an agent sends, by type, and how large (Meta's documented
 * limits): WhatsApp images 5 MB, video and audio 16 MB, documents 100 MB, stickers (WebP) 500 KB;
 * Messenger 25 MB for any attachment; Instagram images 8 MB, video and audio 25 MB and no
 * documents. {@code MEDIA_MAX_BYTES} caps them all. Pure.
 */
public final class MediaLimits {

  /** Meta states its limits in decimal megabytes; the stricter reading is the safe one. */
  private static final long MB = 1_000_000L;

  private static final Map<String, Long> WHATSAPP = Map.ofEntries(
      Map.entry("image/jpeg", 5 * MB), Map.entry("image/png", 5 * MB),
      Map.entry("image/webp", 500_000L),
      Map.entry("video/mp4", 16 * MB), Map.entry("video/3gpp", 16 * MB),
      Map.entry("audio/aac", 16 * MB), Map.entry("audio/amr", 16 * MB), Map.entry("audio/mpeg", 16 * MB),
      Map.entry("audio/mp4", 16 * MB), Map.entry("audio/ogg", 16 * MB),
      Map.entry("application/pdf", 100 * MB), Map.entry("text/plain", 100 * MB), Map.entry("application/zip", 100 * MB));

  private static final Map<String, Long> MESSENGER = Map.ofEntries(
      Map.entry("image/jpeg", 25 * MB), Map.entry("image/png", 25 * MB), Map.entry("image/gif", 25 * MB),
      Map.entry("video/mp4", 25 * MB), Map.entry("video/quicktime", 25 * MB),
      Map.entry("audio/mpeg", 25 * MB), Map.entry("audio/mp4", 25 * MB), Map.entry("audio/aac", 25 * MB),
      Map.entry("audio/wav", 25 * MB), Map.entry("audio/ogg", 25 * MB),
      Map.entry("application/pdf", 25 * MB), Map.entry("text/plain", 25 * MB), Map.entry("application/zip", 25 * MB));

  private static final Map<String, Long> INSTAGRAM = Map.ofEntries(
      Map.entry("image/jpeg", 8 * MB), Map.entry("image/png", 8 * MB), Map.entry("image/gif", 8 * MB),
      Map.entry("video/mp4", 25 * MB), Map.entry("video/quicktime", 25 * MB),
      Map.entry("audio/aac", 25 * MB), Map.entry("audio/mp4", 25 * MB), Map.entry("audio/wav", 25 * MB),
      Map.entry("audio/ogg", 25 * MB), Map.entry("audio/mpeg", 25 * MB));

  private MediaLimits() {
  }

  /** The platforms files can be sent to. */
  public static boolean known(String platform) {
    return table(platform) != null;
  }

  /** The largest file {@code platform} takes of any type, capped by {@code maxBytes}: where a streaming upload stops. */
  public static long largest(String platform, long maxBytes) {
    return Math.min(maxBytes, table(platform).values().stream().mapToLong(Long::longValue).max().orElse(0));
  }

  /** Null when {@code platform} takes a {@code mimeType} file of {@code size} bytes; else the refusal naming the limit. */
  public static MediaException check(String platform, String mimeType, long size, long maxBytes) {
    Long limit = table(platform).get(mimeType);
    if (limit == null) {
      return new MediaException("unsupported_media", platformName(platform) + " does not take " + mimeType + " files (the type read from the file's bytes)", false);
    }
    long max = Math.min(limit, maxBytes);
    if (size > max) {
      return tooLarge(platform, mimeType, max);
    }
    return null;
  }

  static MediaException tooLarge(String platform, String mimeType, long max) {
    return new MediaException("media_too_large", platformName(platform) + " takes " + (mimeType == null ? "files" : mimeType + " files")
        + " up to " + human(max) + " (" + max + " bytes)", false);
  }

  private static Map<String, Long> table(String platform) {
    return platform == null ? null : switch (platform) {
      case "whatsapp" -> WHATSAPP;
      case "messenger" -> MESSENGER;
      case "instagram" -> INSTAGRAM;
      default -> null;
    };
  }

  private static String platformName(String platform) {
    return switch (platform) {
      case "whatsapp" -> "WhatsApp";
      case "messenger" -> "Messenger";
      default -> "Instagram";
    };
  }

  private static String human(long bytes) {
    return bytes % MB == 0 ? bytes / MB + " MB" : bytes % 1000 == 0 ? bytes / 1000 + " KB" : bytes + " bytes";
  }
}
