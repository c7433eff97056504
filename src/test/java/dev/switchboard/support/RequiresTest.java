package dev.switchboard.support;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("A missing tool skips a test class with its reason, or fails it under REQUIRE_ALL_TESTS")
class RequiresTest {

  static final String REASON = "nginx is not installed: run .ci/nginx";

  @Test
  @DisplayName("present: the class runs")
  void present() {
    assertThat(new Requires(true, REASON, true).evaluateExecutionCondition(null).isDisabled()).isFalse();
  }

  @Test
  @DisplayName("missing: skipped, and the reason is what surefire and the console get")
  void skipped() {
    ConditionEvaluationResult r = new Requires(false, REASON, false).evaluateExecutionCondition(null);
    assertThat(r.isDisabled()).isTrue();
    assertThat(r.getReason()).contains(REASON);
  }

  @Test
  @DisplayName("missing under REQUIRE_ALL_TESTS=1: a failure carrying the same reason")
  void failsUnderCi() {
    assertThatThrownBy(() -> new Requires(false, REASON, true).evaluateExecutionCondition(null))
        .isInstanceOf(AssertionError.class).hasMessageContaining(REASON).hasMessageContaining("REQUIRE_ALL_TESTS");
  }
}
