package dev.switchboard.arch;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Deque;
import java.util.ArrayDeque;
import java.util.HashMap;
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
 * The parts of {@code dev.switchboard} (its first-level packages; {@code inbox.live} belongs to
 * {@code inbox}) form a graph without cycles, and nothing depends on {@code app}, which wires
 * them; only {@code app} and {@code launch} hold the node's record of handles. Read from the compiled classes of the sources: every class name a class file mentions
 * (imports, fields, signatures, calls) is in its constant pool as {@code dev/switchboard/...}.
 */
class PackageCyclesTest {

  private static final Path SOURCES = Path.of("src", "main", "java");
  private static final Path CLASSES = Path.of("target", "classes");
  private static final Pattern REFERENCE = Pattern.compile("dev/switchboard/([a-z0-9]+)/([A-Za-z0-9_$]+)");

  /** Part → the parts it uses → one example "Class -> Class" each, for the failure message. */
  static Map<String, Map<String, String>> graph() throws IOException {
    Map<String, Map<String, String>> uses = new TreeMap<>();
    List<Path> sources;
    try (Stream<Path> walk = Files.walk(SOURCES.resolve("dev/switchboard"))) {
      sources = walk.filter(p -> p.toString().endsWith(".java")).toList();
    }
    assertThat(sources).isNotEmpty();
    for (Path source : sources) {
      // only the classes of today's sources: a moved class may leave an old .class file behind
      Path relative = SOURCES.relativize(source);
      String part = relative.getName(2).toString().replace(".java", "");
      Path folder = CLASSES.resolve(relative).getParent();
      String name = source.getFileName().toString().replace(".java", "");
      List<Path> classes;
      try (Stream<Path> list = Files.list(folder)) {
        classes = list.filter(p -> {
          String f = p.getFileName().toString();
          return f.equals(name + ".class") || f.startsWith(name + "$") && f.endsWith(".class");
        }).toList();
      }
      assertThat(classes).as("compiled classes of " + source).isNotEmpty();
      Map<String, String> partUses = uses.computeIfAbsent(part, k -> new TreeMap<>());
      for (Path c : classes) {
        Matcher m = REFERENCE.matcher(new String(Files.readAllBytes(c), StandardCharsets.ISO_8859_1));
        while (m.find()) {
          if (!m.group(1).equals(part)) {
            partUses.putIfAbsent(m.group(1), name + " -> " + m.group(2));
          }
        }
      }
    }
    return uses;
  }

  @Test
  void thePartsFormAGraphWithoutCycles() throws IOException {
    Map<String, Map<String, String>> uses = graph();
    assertThat(uses.keySet()).contains("app", "common", "conversation", "ingress", "demo");
    // the scan sees real dependencies, fully qualified ones and inner classes included
    assertThat(uses.get("ingress")).containsKeys("conversation", "common", "store");
    assertThat(uses.get("app")).containsKeys("ingress", "outbound", "window", "bot");
    List<String> cycles = new ArrayList<>();
    for (Set<String> component : stronglyConnected(uses)) {
      if (component.size() > 1) {
        StringBuilder b = new StringBuilder(String.join(" <-> ", component)).append(':');
        for (String from : component) {
          uses.getOrDefault(from, Map.of()).forEach((to, example) -> {
            if (component.contains(to)) {
              b.append("\n    ").append(from).append(" -> ").append(to).append(" (").append(example).append(')');
            }
          });
        }
        cycles.add(b.toString());
      }
    }
    assertThat(cycles).as("package cycles").isEmpty();
  }

  @Test
  void nothingDependsOnTheApp() throws IOException {
    Map<String, String> users = new TreeMap<>();
    graph().forEach((part, used) -> {
      if (used.containsKey("app")) {
        users.put(part, used.get("app"));
      }
    });
    assertThat(users).as("parts that use app").isEmpty();
  }

  /**
   * {@code common.Services} is the node's record of its handles, for the code that wires the node
   * ({@code app}, {@code launch}): a part takes what it uses in its constructor, never the record.
   */
  @Test
  void partsReceiveWhatTheyUseNotTheHub() throws IOException {
    List<String> takers = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(CLASSES.resolve("dev/switchboard"))) {
      for (Path c : walk.filter(p -> p.toString().endsWith(".class")).toList()) {
        String part = CLASSES.relativize(c).getName(2).toString();
        if (part.equals("app") || part.equals("launch") || c.endsWith(Path.of("common", "Services.class"))) {
          continue;
        }
        String bytes = new String(Files.readAllBytes(c), StandardCharsets.ISO_8859_1);
        if (bytes.contains("dev/switchboard/common/Services")) {
          takers.add(CLASSES.relativize(c).toString());
        }
      }
    }
    assertThat(takers).as("classes outside app and launch that use common.Services").isEmpty();
  }

  @Test
  void aCycleIsFound() {
    Map<String, Map<String, String>> uses = Map.of(
        "a", Map.of("b", "A -> B"), "b", Map.of("c", "B -> C"), "c", Map.of("a", "C -> A"), "d", Map.of("a", "D -> A"));
    assertThat(stronglyConnected(uses)).contains(new TreeSet<>(Set.of("a", "b", "c")), new TreeSet<>(Set.of("d")));
  }

  /** Tarjan's strongly connected components. */
  static List<Set<String>> stronglyConnected(Map<String, Map<String, String>> uses) {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new TreeSet<>();
    List<Set<String>> out = new ArrayList<>();
    int[] counter = {0};
    for (String v : uses.keySet()) {
      if (!index.containsKey(v)) {
        connect(v, uses, index, low, stack, onStack, out, counter);
      }
    }
    return out;
  }

  private static void connect(String v, Map<String, Map<String, String>> uses, Map<String, Integer> index,
                              Map<String, Integer> low, Deque<String> stack, Set<String> onStack,
                              List<Set<String>> out, int[] counter) {
    index.put(v, counter[0]);
    low.put(v, counter[0]);
    counter[0]++;
    stack.push(v);
    onStack.add(v);
    for (String w : uses.getOrDefault(v, Map.of()).keySet()) {
      if (!index.containsKey(w)) {
        connect(w, uses, index, low, stack, onStack, out, counter);
        low.put(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.contains(w)) {
        low.put(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v).equals(index.get(v))) {
      Set<String> component = new TreeSet<>();
      String w;
      do {
        w = stack.pop();
        onStack.remove(w);
        component.add(w);
      } while (!w.equals(v));
      out.add(component);
    }
  }
}
