package dev.switchboard.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.switchboard.embedded.EmbeddedServers.EmbeddedException;

import static dev.switchboard.embedded.EmbeddedServers.oneLine;

/**
 * What keeps the embedded servers from outliving the JVM or each other: their pid files, the stop
 * of a server an earlier start left running on the same data, the shell watchdog that stops them
 * when the JVM dies however it dies, and the wait for PostgreSQL's postmaster to be gone.
 */
final class ServerProcesses {

  private ServerProcesses() {
  }

  /** Where the servers write their pid: PostgreSQL's own lock file, and the one redis.conf names. */
  static final String PG_PID = "postmaster.pid";
  static final String REDIS_PID = "redis.pid";

  /**
   * Stops the server a pid file names, if it is alive and works in {@code dir} (both servers run
   * with their data folder as working directory; anything else with that pid is not ours), and
   * waits for it to finish writing its data.
   */
  static void stopLeftover(String what, Path dir, String pidFileName, String signal) {
    Path pidFile = dir.resolve(pidFileName);
    long pid;
    try {
      if (!Files.isRegularFile(pidFile)) {
        return;
      }
      List<String> lines = Files.readAllLines(pidFile, StandardCharsets.US_ASCII);
      pid = lines.isEmpty() ? -1 : Long.parseLong(lines.get(0).trim());
    } catch (IOException | NumberFormatException e) {
      return;
    }
    ProcessHandle process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive).orElse(null);
    if (process == null || !dir.equals(workingDir(pid))) {
      return;
    }
    System.err.println("switchboard: " + what + " (pid " + pid + ") is still running on " + dir
        + " from an earlier start that did not stop it; stopping it first");
    try {
      new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
      process.onExit().get(60, TimeUnit.SECONDS);
    } catch (IOException | ExecutionException | TimeoutException e) {
      throw new EmbeddedException("an earlier " + what + " (pid " + pid + ") still runs on " + dir
          + " and did not stop: " + oneLine(e) + "; stop it, then start again");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EmbeddedException("interrupted while stopping an earlier " + what + " on " + dir);
    }
  }

  /** The working directory of a process (Linux /proc), or null where it cannot be read. */
  private static Path workingDir(long pid) {
    try {
      return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd"));
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return null;
    }
  }

  /**
   * The watchdog: {@code /bin/sh} blocked reading a pipe whose writing end only this JVM holds (a
   * child process gets no descriptor but its own three). When the JVM ends, however it ends, the
   * read sees end-of-file and the script stops the servers named by the pid files, after the same
   * working-directory check as {@link #stopLeftover}. It ignores SIGINT and SIGHUP, so Ctrl+C in
   * a terminal leaves the stopping, in order, to the JVM. A folder given as "" is not watched.
   */
  private static final String WATCHDOG = """
      trap '' INT HUP
      while read -r _; do :; done
      stop() {
        [ -n "$1" ] && [ -f "$1/$2" ] || return 0
        pid=$(head -n 1 "$1/$2" | tr -d ' ')
        case "$pid" in ''|*[!0-9]*) return 0 ;; esac
        [ "$(readlink "/proc/$pid/cwd")" = "$1" ] && kill -"$3" "$pid"
        return 0
      }
      stop "$1" %s TERM
      stop "$2" %s INT
      """.formatted(REDIS_PID, PG_PID);

  /** The watchdog, or null where there is no /bin/sh (Windows): there only an orderly stop stops the servers. */
  static Process startWatchdog(Path redisData, Path pgData) {
    if (!Files.isExecutable(Path.of("/bin/sh"))) {
      return null;
    }
    try {
      return new ProcessBuilder("/bin/sh", "-c", WATCHDOG, "switchboard-watchdog",
          redisData == null ? "" : redisData.toString(), pgData == null ? "" : pgData.toString())
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
    } catch (IOException e) {
      throw new EmbeddedException("cannot start the watchdog of the embedded servers (/bin/sh): " + e.getMessage());
    }
  }

  /**
   * pg_ctl gives up waiting after a few seconds while a busy server may still be writing its
   * shutdown checkpoint; the node exits only once the postmaster is gone (its pid file removed),
   * so nothing of ours outlives it. Bounded: a server stuck past a minute is left to the watchdog.
   * True when it is gone.
   */
  static boolean awaitPostmasterExit(Path pgData) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (Files.exists(pgData.resolve(PG_PID)) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return !Files.exists(pgData.resolve(PG_PID));
  }

}
