package dev.switchboard.arch;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The inbox's ES modules ({@code web/js}) import each other without cycles, and nothing imports
 * {@code app.js}, the entry point. Read from the files as served (there is no build step): every
 * static {@code import … from './x.js'}, {@code export … from} and dynamic {@code import('./x.js')}.
 */
class WebModuleCyclesTest {

  private static final Path JS = Path.of("web", "js");
  private static final Pattern IMPORT = Pattern.compile(
      "(?:^|[;\\s])(?:import|export)\\s[^'\"]*?\\bfrom\\s*['\"]([^'\"]+)['\"]|(?:^|[;\\s])import\\s*['\"]([^'\"]+)['\"]|\\bimport\\s*\\(\\s*['\"]([^'\"]+)['\"]\\s*\\)",
      Pattern.MULTILINE);

  /** Module (path under web/js) → the modules it imports → the import as written, for the failure message. */
  static Map<String, Map<String, String>> graph(Path root) throws IOException {
    Map<String, Map<String, String>> uses = new TreeMap<>();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(root)) {
      files = walk.filter(p -> p.toString().endsWith(".js")).toList();
    }
    for (Path file : files) {
      String from = name(root, file);
      Map<String, String> used = uses.computeIfAbsent(from, k -> new TreeMap<>());
      Matcher m = IMPORT.matcher(withoutComments(Files.readString(file, StandardCharsets.UTF_8)));
      while (m.find()) {
        String spec = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
        if (!spec.startsWith(".")) {
          continue; // a bare name would need a build step or an import map; the inbox has neither
        }
        Path target = file.getParent().resolve(spec).normalize();
        assertThat(target).as(from + " imports " + spec).exists();
        used.put(name(root, target), spec);
      }
    }
    return uses;
  }

  private static String name(Path root, Path file) {
    return root.relativize(file.normalize()).toString().replace('\\', '/');
  }

  /** Block and line comments out, so an import mentioned in a comment is not read as one. */
  static String withoutComments(String source) {
    return source.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("(?m)^\\s*//.*$", " ");
  }

  static List<String> cycles(Map<String, Map<String, String>> uses) {
    List<String> out = new ArrayList<>();
    for (Set<String> component : PackageCyclesTest.stronglyConnected(uses)) {
      boolean selfImport = component.size() == 1 && uses.getOrDefault(component.iterator().next(), Map.of()).containsKey(component.iterator().next());
      if (component.size() > 1 || selfImport) {
        StringBuilder b = new StringBuilder(String.join(" <-> ", component)).append(':');
        for (String from : component) {
          uses.getOrDefault(from, Map.of()).forEach((to, spec) -> {
            if (component.contains(to)) {
              b.append("\n    ").append(from).append(" imports ").append(spec);
            }
          });
        }
        out.add(b.toString());
      }
    }
    return out;
  }

  @Test
  void theModulesImportEachOtherWithoutCycles() throws IOException {
    Map<String, Map<String, String>> uses = graph(JS);
    // the scan reads the real modules and their imports, those of settings/ included
    assertThat(uses.keySet()).contains("app.js", "store.js", "events.js", "ui.js", "list.js", "thread.js", "contact.js", "settings/settings.js");
    assertThat(uses.get("app.js")).containsKeys("store.js", "list.js", "thread.js", "contact.js", "settings/settings.js");
    assertThat(uses.get("settings/channels.js")).containsKeys("dom.js", "settings/forms.js");
    assertThat(cycles(uses)).as("import cycles in web/js").isEmpty();
  }

  @Test
  void nothingImportsTheEntryPoint() throws IOException {
    Map<String, String> importers = new TreeMap<>();
    graph(JS).forEach((module, used) -> {
      if (used.containsKey("app.js")) {
        importers.put(module, used.get("app.js"));
      }
    });
    assertThat(importers).as("modules importing app.js").isEmpty();
  }

  @Test
  void aCycleThroughAFolderIsFound(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
    Files.createDirectories(dir.resolve("sub"));
    Files.writeString(dir.resolve("a.js"), "import { b } from './sub/b.js';\n// import { x } from './c.js';\nexport const a = 1;\n");
    Files.writeString(dir.resolve("sub/b.js"), "export { c } from '../c.js';\nexport const b = 2;\n");
    Files.writeString(dir.resolve("c.js"), "/* import './d.js' */\nconst later = () => import('./a.js');\nexport const c = 3;\n");
    Files.writeString(dir.resolve("d.js"), "import {\n  a,\n} from './a.js';\n");
    Map<String, Map<String, String>> uses = graph(dir);
    assertThat(uses.get("a.js")).containsOnlyKeys("sub/b.js");
    assertThat(uses.get("c.js")).containsOnlyKeys("a.js");
    assertThat(uses.get("d.js")).containsOnlyKeys("a.js");
    assertThat(cycles(uses)).singleElement().asString().startsWith("a.js <-> c.js <-> sub/b.js:");
  }
}
