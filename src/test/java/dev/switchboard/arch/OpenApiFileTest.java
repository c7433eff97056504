package dev.switchboard.arch;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code docs/openapi.yaml} is what API clients generate code from and what documentation tools
 * render: it must load as YAML (a description with an unquoted ": " does not), and every
 * operation must say what it answers, with references that point somewhere.
 */
@DisplayName("docs/openapi.yaml loads as YAML and its operations and references hold together")
class OpenApiFileTest {

  private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

  @Test
  @SuppressWarnings("unchecked")
  void loadsAndHoldsTogether() throws IOException {
    LoaderOptions options = new LoaderOptions();
    options.setCodePointLimit(16 * 1024 * 1024);
    Map<String, Object> doc = new Yaml(options).load(Files.readString(Path.of("docs/openapi.yaml")));
    assertThat(String.valueOf(doc.get("openapi"))).startsWith("3.");
    Map<String, Object> paths = (Map<String, Object>) doc.get("paths");
    assertThat(paths).isNotEmpty();
    List<String> problems = new ArrayList<>();
    paths.forEach((path, item) -> ((Map<String, Object>) item).forEach((method, op) -> {
      if (METHODS.contains(method) && !(op instanceof Map<?, ?> m && m.get("responses") instanceof Map<?, ?> r && !r.isEmpty())) {
        problems.add(method.toUpperCase() + " " + path + " lists no responses");
      }
    }));
    refs(doc, doc, "", problems);
    assertThat(problems).isEmpty();
  }

  /** Every local {@code $ref} ("#/components/...") names a node of the document. */
  @SuppressWarnings("unchecked")
  private static void refs(Object node, Map<String, Object> doc, String where, List<String> problems) {
    if (node instanceof Map<?, ?> map) {
      map.forEach((k, v) -> {
        if ("$ref".equals(k) && v instanceof String ref && ref.startsWith("#/")) {
          Object target = doc;
          for (String part : ref.substring(2).split("/")) {
            target = target instanceof Map<?, ?> m ? m.get(part.replace("~1", "/").replace("~0", "~")) : null;
          }
          if (target == null) {
            problems.add(where + ": " + ref + " points nowhere");
          }
        } else {
          refs(v, doc, where + "/" + k, problems);
        }
      });
    } else if (node instanceof List<?> list) {
      for (Object item : list) {
        refs(item, doc, where, problems);
      }
    }
  }
}
