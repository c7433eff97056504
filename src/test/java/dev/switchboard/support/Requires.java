package dev.switchboard.support;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class that needs a tool the machine may lack (Chromium, nginx, server binaries):
 * <pre>{@code @RegisterExtension static final Requires NGINX = Requires.tool(Nginx.binary() != null, "nginx is not installed ...");}</pre>
 * Without the tool every test of the class is reported SKIPPED with {@code reason} (and
 * {@link SkipReasons} prints the reason on the console). With {@code REQUIRE_ALL_TESTS=1}, as
 * {@code .ci/run} sets it, the class FAILS with the same reason instead: CI must run everything.
 * <p>
 * A condition rather than an assumption in {@code @BeforeAll}: surefire counts the tests of a
 * disabled class as skipped, but a class aborted in {@code @BeforeAll} as zero tests run.
 */
public final class Requires implements ExecutionCondition {

  /** The environment variable that turns a missing tool into a failure. */
  public static final String REQUIRE_ALL = "REQUIRE_ALL_TESTS";

  private final boolean present;
  private final String reason;
  private final boolean requireAll;

  Requires(boolean present, String reason, boolean requireAll) {
    this.present = present;
    this.reason = reason;
    this.requireAll = requireAll;
  }

  /** Skips (or, under {@code REQUIRE_ALL_TESTS=1}, fails) the class unless {@code present}. */
  public static Requires tool(boolean present, String reason) {
    return new Requires(present, reason, requireAll());
  }

  /** True when {@code REQUIRE_ALL_TESTS} is set to anything but empty, 0 or false. */
  public static boolean requireAll() {
    String v = System.getenv(REQUIRE_ALL);
    return v != null && !v.isBlank() && !v.equals("0") && !v.equalsIgnoreCase("false");
  }

  /**
   * For one test of a class whose other tests need nothing: skips (aborts) that test unless the
   * tool is present, or fails it under {@code REQUIRE_ALL_TESTS=1}.
   */
  public void check() {
    if (present) {
      return;
    }
    if (requireAll) {
      throw new AssertionError(reason + " (" + REQUIRE_ALL + " is set, so a missing tool fails the run)");
    }
    Assumptions.abort(reason);
  }

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    if (present) {
      return ConditionEvaluationResult.enabled("available");
    }
    if (requireAll) {
      throw new AssertionError(reason + " (" + REQUIRE_ALL + " is set, so a missing tool fails the run)");
    }
    return ConditionEvaluationResult.disabled(reason);
  }
}
