package dev.switchboard.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigTest {

  @Test
  void oneErrorNamesEveryBadKey() {
    assertThatThrownBy(() -> Config.load(null,
        Map.of("HTTP_PORT", "eighty", "FANOUT_BATCH", "0", "PROCESSOR_ENABLED", "maybe", "WINDOW_STANDARD", "P30D"),
        new JsonObject().put("PROCESSOR_BATCHES", 10).put("JWT_SECRET", "short")))
        .isInstanceOf(Config.ConfigException.class)
        .hasMessageStartingWith("6 bad settings: ")
        .hasMessageContaining("HTTP_PORT must be an integer, got 'eighty'")
        .hasMessageContaining("FANOUT_BATCH must be from 1 to 100000, got 0")
        .hasMessageContaining("PROCESSOR_ENABLED must be true or false, got 'maybe'")
        .hasMessageContaining("PROCESSOR_BATCHES is not a setting")
        .hasMessageContaining("JWT_SECRET must be at least 32 bytes")
        .hasMessageContaining("WINDOW_HUMAN_AGENT (PT168H) must not be shorter than WINDOW_STANDARD (PT720H)");
  }

  @Test
  void rangesAreCheckedAtTheirEdges() {
    assertThatThrownBy(() -> Config.load(null, Map.of("PROCESSOR_SWEEP_MS", "49"), new JsonObject()))
        .hasMessage("PROCESSOR_SWEEP_MS must be from 50 to 3600000, got 49");
    assertThat(Config.load(null, Map.of("PROCESSOR_SWEEP_MS", "50"), new JsonObject()).processor().sweepMs()).isEqualTo(50);
    assertThatThrownBy(() -> Config.load(null, Map.of(), new JsonObject().put("WEBHOOK_MAX_BYTES", 3 * 1024 * 1024 - 1)))
        .hasMessageContaining("WEBHOOK_MAX_BYTES must be from 3145728");
    // within the grace a copy of a replaced refresh token is answered like its holder: at most a minute
    assertThatThrownBy(() -> Config.load(null, Map.of("REFRESH_REUSE_GRACE_MS", "60001"), new JsonObject()))
        .hasMessage("REFRESH_REUSE_GRACE_MS must be from 0 to 60000, got 60001");
    assertThatThrownBy(() -> Config.load(null, Map.of("PUBLIC_URL", "inbox.example.test"), new JsonObject()))
        .hasMessage("PUBLIC_URL must be a http:// URL, got 'inbox.example.test'");
  }

  @Test
  void fanoutIsSetFromTheEnvironment() {
    Config c = Config.load(null, Map.of("FANOUT_BLOCK_MS", "250", "FANOUT_BATCH", "7"), new JsonObject());
    assertThat(c.fanout()).isEqualTo(new Config.Fanout(250, 7, false, 30_000));
  }

  @Test
  void defaultsComeFromTheSettingsTable() {
    Config c = Config.load(null, Map.of(), new JsonObject());
    assertThat(c.graph().timeoutMs()).isEqualTo(10_000);
    assertThat(c.graph().apiUrl()).isEqualTo("https://graph.facebook.com/v21.0");
    assertThat(c.processor()).isEqualTo(new Config.Processor(true, 500, 1000, 1, true));
    assertThat(c.window().standard()).isEqualTo(Duration.ofHours(24));
    assertThat(c.http().instances()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(c.bridge().maxConnections()).isGreaterThanOrEqualTo(100);
    assertThat(c.nodeId()).hasSize(8);
    assertThat(c.jwtSecretGenerated()).isTrue();
    // a blank value is not set; the trailing slash of the Graph URL goes
    Config blank = Config.load(null, Map.of(), new JsonObject().put("REDIS_PREFIX", " ").put("GRAPH_API_URL", "http://g/"));
    assertThat(blank.redisPrefix()).isEqualTo("sb:");
    assertThat(blank.graphApiUrl()).isEqualTo("http://g");
  }

  @Test
  void codeThatNeedsADefaultReadsItFromTheTable() {
    assertThat(dev.switchboard.common.Tokens.TTL_SECONDS).isEqualTo(Config.load(null, Map.of(), new JsonObject()).auth().accessTokenSeconds());
    assertThat(dev.switchboard.auth.Passwords.ITERATIONS).isEqualTo(600_000);
    assertThatThrownBy(() -> Settings.defaultInteger("HTTP_INSTANCES")).isInstanceOf(IllegalArgumentException.class);
  }

  /** Each documented row: its section, the keys it names, and its cells. */
  record Row(String section, List<String> keys, List<String> cells) {
  }

  static List<Row> documentedRows() throws IOException {
    List<Row> rows = new ArrayList<>();
    String section = "";
    Pattern key = Pattern.compile("`([A-Z][A-Z0-9_]+)`");
    for (String line : Files.readAllLines(Path.of("docs", "configuration.md"))) {
      if (line.startsWith("## ")) {
        section = line.substring(3).trim();
      } else if (line.startsWith("| `")) {
        List<String> cells = new ArrayList<>();
        for (String cell : line.substring(1, line.length() - 1).split(" \\| ", -1)) {
          cells.add(cell.trim());
        }
        List<String> keys = new ArrayList<>();
        Matcher m = key.matcher(cells.get(0));
        while (m.find()) {
          keys.add(m.group(1));
        }
        rows.add(new Row(section, keys, cells));
      }
    }
    return rows;
  }

  @Test
  void theDocumentationListsEverySettingWithItsDefaultAndRange() throws IOException {
    Map<String, Row> firstRow = new LinkedHashMap<>();
    for (Row r : documentedRows()) {
      r.keys().forEach(k -> firstRow.putIfAbsent(k, r));
    }
    for (Settings.Setting s : Settings.all().values()) {
      Row row = firstRow.get(s.key());
      assertThat(row).as("docs/configuration.md documents " + s.key()).isNotNull();
      assertThat(row.cells().get(1)).as("documented default of " + s.key()).startsWith(s.documented());
      assertThat(row.cells().get(2)).as("documented range of " + s.key()).isEqualTo(s.range());
    }
  }

  @Test
  void theDocumentationNamesNoSettingTheNodeDoesNotRead() throws IOException {
    TreeSet<String> unknown = new TreeSet<>();
    for (Row r : documentedRows()) {
      boolean notANodeSetting = r.section().equals("Tests") || r.cells().get(r.cells().size() - 1).contains("Environment only");
      if (!notANodeSetting) {
        r.keys().stream().filter(k -> !Settings.all().containsKey(k)).forEach(unknown::add);
      }
    }
    assertThat(unknown).isEmpty();
  }
}
