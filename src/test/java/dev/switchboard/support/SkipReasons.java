package dev.switchboard.support;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Prints why a test was skipped, on the Maven console. Surefire and failsafe only count skipped
 * tests (and, with the plain report format, name them): the reason ends up in a report file no
 * one opens. A skip must never look like a pass, so each one is printed as
 * {@code [SKIPPED] <test>: <reason>}.
 * <p>
 * Written to the forked JVM's own stderr: surefire sends a test's System.out/err to the
 * {@code -output.txt} files (redirectTestOutputToFile), but copies the fork's native stderr to
 * the console. Registered through META-INF/services, so it runs for every test class.
 */
public final class SkipReasons implements TestExecutionListener {

  /** The Maven console, from inside the forked test JVM (see the class comment). */
  static final PrintStream CONSOLE =
      new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);

  @Override
  public void executionSkipped(TestIdentifier test, String reason) {
    print(test, reason);
  }

  @Override
  public void executionFinished(TestIdentifier test, TestExecutionResult result) {
    if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
      print(test, result.getThrowable().map(Throwable::getMessage).orElse("aborted"));
    }
  }

  // every skip of this JVM, printed again as it exits: that lands just above surefire's Results
  private static final List<String> SKIPS = new CopyOnWriteArrayList<>();

  private static void print(TestIdentifier test, String reason) {
    String line = line(test, reason);
    CONSOLE.println(line);
    synchronized (SKIPS) {
      if (SKIPS.isEmpty()) {
        Runtime.getRuntime().addShutdownHook(new Thread(SkipReasons::recap, "skip-reasons"));
      }
      SKIPS.add(line);
    }
  }

  private static void recap() {
    CONSOLE.println("[SKIPPED] " + SKIPS.size() + " skipped in this test JVM (a skipped class counts once), each with its reason:");
    SKIPS.forEach(CONSOLE::println);
  }

  static String line(TestIdentifier test, String reason) {
    return "[SKIPPED] " + name(test) + ": " + reason;
  }

  // the class, or class.method, as surefire names them
  private static String name(TestIdentifier test) {
    return test.getSource().map(s -> {
      if (s instanceof MethodSource m) {
        return m.getClassName() + "." + m.getMethodName();
      }
      if (s instanceof ClassSource c) {
        return c.getClassName();
      }
      return test.getDisplayName();
    }).orElse(test.getDisplayName());
  }
}
