package dev.switchboard.launch;

/**
 * A sub-command of the jar ({@code java -jar switchboard.jar NAME ...}). The main command finds
 * each through {@link java.util.ServiceLoader}, so it runs {@code demo} without depending on it.
 */
public interface Command {

  /** The first argument that selects this command. */
  String name();

  /** Runs the command with the arguments after its name; exits the process itself on failure. */
  void main(String[] args);
}
