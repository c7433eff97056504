package dev.switchboard.launch;

/** A start-up failure; its message is printed as one line and the process exits. */
public final class StartupException extends RuntimeException {
  public StartupException(String message) {
    super(message, null, false, false);
  }
}
