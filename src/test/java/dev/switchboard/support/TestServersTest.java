package dev.switchboard.support;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

import static dev.switchboard.support.TestServers.ROLE_URL;
import static dev.switchboard.support.TestServers.SUPERUSER_URL;
import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Which PostgreSQL the tests use: never a failure for a missing switchboard role")
class TestServersTest {

  static final String CONFIGURED = "postgresql://ci:pw@db.internal:5432/ci";
  static final String EMBEDDED = "postgresql://postgres@127.0.0.1:41234/postgres";

  final List<String> probed = new ArrayList<>();

  Predicate<String> usable(String... urls) {
    Set<String> ok = Set.of(urls);
    return url -> {
      probed.add(url);
      return ok.contains(url);
    };
  }

  String choose(String configured, String mode, Predicate<String> usable) {
    return TestServers.choosePostgres(configured, mode, usable, () -> EMBEDDED);
  }

  @Test
  @DisplayName("TEST_DATABASE_URL, when it answers, is the only one tried")
  void configuredFirst() {
    assertThat(choose(CONFIGURED, "auto", usable(CONFIGURED, ROLE_URL))).isEqualTo(CONFIGURED);
    assertThat(probed).containsExactly(CONFIGURED);
  }

  @Test
  @DisplayName("TEST_DATABASE_URL that does not answer: the embedded server, not a guess at another")
  void configuredDownMeansEmbedded() {
    assertThat(choose(CONFIGURED, "auto", usable(ROLE_URL, SUPERUSER_URL))).isEqualTo(EMBEDDED);
  }

  @Test
  @DisplayName("unset: the switchboard role when it can create databases")
  void role() {
    assertThat(choose(null, "auto", usable(ROLE_URL, SUPERUSER_URL))).isEqualTo(ROLE_URL);
    assertThat(probed).containsExactly(ROLE_URL);
  }

  @Test
  @DisplayName("unset and no usable switchboard role: the postgres superuser on loopback")
  void superuserWithoutRole() {
    assertThat(choose("", "auto", usable(SUPERUSER_URL))).isEqualTo(SUPERUSER_URL);
    assertThat(probed).containsExactly(ROLE_URL, SUPERUSER_URL);
  }

  @Test
  @DisplayName("nothing answers: the embedded server")
  void nothingAnswers() {
    assertThat(choose(null, "auto", usable())).isEqualTo(EMBEDDED);
  }

  @Test
  @DisplayName("TEST_EMBEDDED=always skips the probes; =never returns the first candidate so its own error shows")
  void modes() {
    assertThat(choose(null, "always", usable(ROLE_URL))).isEqualTo(EMBEDDED);
    assertThat(probed).isEmpty();
    assertThat(choose(null, "never", usable())).isEqualTo(ROLE_URL);
    assertThat(choose(null, "never", usable(SUPERUSER_URL))).isEqualTo(SUPERUSER_URL);
  }
}
