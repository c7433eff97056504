package dev.switchboard.media;

/** Why media was refused or could not be kept; {@code reason} is what the inbox shows. */
public final class MediaException extends RuntimeException {

  /** The code of a refusal: {@code too_large}, {@code checksum}, {@code expired}, {@code unavailable}. */
  private final String code;
  private final boolean retryable;

  public MediaException(String code, String reason, boolean retryable) {
    super(reason, null, false, false);
    this.code = code;
    this.retryable = retryable;
  }

  public String code() {
    return code;
  }

  public boolean retryable() {
    return retryable;
  }

  public static MediaException tooLarge(long limit) {
    return new MediaException("too_large", "too large (over " + limit + " bytes)", false);
  }
}
