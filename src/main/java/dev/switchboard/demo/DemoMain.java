package dev.switchboard.demo;

import dev.switchboard.embedded.EmbeddedServers;
import dev.switchboard.config.Config;

import dev.switchboard.launch.Command;
import dev.switchboard.launch.StartupException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code java -jar switchboard.jar demo [--short-windows] [--port N] [--data DIR] [--reset]}:
 * everything on one machine with nothing installed but Java; stops cleanly on Ctrl+C and SIGTERM.
 */
public final class DemoMain {

  private static final String USAGE = """
      usage: java -jar switchboard.jar demo [--short-windows] [--port N] [--data DIR] [--reset]
        --short-windows  reply windows of %s / %s instead of 24 h / 7 days (or DEMO_SHORT_WINDOWS=true)
        --port N         the inbox's port (default HTTP_PORT or 8080; 0 picks a free one)
        --data DIR       where PostgreSQL and Redis keep the demo (default ~/.switchboard-demo or SWITCHBOARD_DEMO_DIR)
        --reset          delete the demo's data first and start over
      """.formatted(Demo.SHORT_STANDARD, Demo.SHORT_HUMAN_AGENT);

  private DemoMain() {
  }

  /** {@code demo} as a command of the jar (registered in META-INF/services). */
  public static final class AsCommand implements Command {
    @Override
    public String name() {
      return "demo";
    }

    @Override
    public void main(String[] args) {
      DemoMain.main(args);
    }
  }

  public static void main(String[] args) {
    Map<String, String> env = System.getenv();
    Path dataDir = Demo.Options.defaultDataDir(env);
    Integer port = null;
    boolean shortWindows = "true".equalsIgnoreCase(env.get("DEMO_SHORT_WINDOWS")) || "1".equals(env.get("DEMO_SHORT_WINDOWS"));
    boolean reset = false;
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--short-windows" -> shortWindows = true;
          case "--reset" -> reset = true;
          case "--port" -> port = Integer.parseInt(args[++i]);
          case "--data" -> dataDir = Path.of(args[++i]);
          case "--help", "-h" -> {
            System.out.print(USAGE);
            return;
          }
          default -> throw new IllegalArgumentException("unknown option " + args[i]);
        }
      }
    } catch (RuntimeException e) {
      System.err.println("switchboard demo: " + (e instanceof ArrayIndexOutOfBoundsException ? "an option lacks its value" : e.getMessage()));
      System.err.print(USAGE);
      System.exit(2);
      return;
    }
    if (!EmbeddedServers.bundled()) {
      System.err.println("switchboard demo: cannot start: " + EmbeddedServers.NOT_BUNDLED);
      System.exit(1);
      return;
    }
    if (reset && !wipe(dataDir)) {
      System.exit(2);
      return;
    }
    System.out.println("switchboard demo: starting embedded PostgreSQL and Redis in " + dataDir.toAbsolutePath() + " ...");
    Demo demo;
    try {
      demo = Demo.start(new Demo.Options(dataDir, port, shortWindows, Path.of("conf", "config.json"), env));
    } catch (EmbeddedServers.EmbeddedException | StartupException | Config.ConfigException e) {
      System.err.println("switchboard demo: cannot start: " + e.getMessage());
      System.exit(1);
      return;
    } catch (RuntimeException e) {
      System.err.println("switchboard demo: cannot start: " + EmbeddedServers.oneLine(e));
      System.exit(1);
      return;
    }
    demo.closeOnSignals(() -> System.out.println("switchboard demo: stopping (the node, then Redis and PostgreSQL) ..."));
    System.out.print(banner(demo, shortWindows));
  }

  static String banner(Demo demo, boolean shortWindows) {
    StringBuilder b = new StringBuilder("\n  Switchboard demo is running.\n\n");
    b.append("  Inbox      ").append(demo.baseUrl()).append("/\n");
    b.append("  Simulator  ").append(demo.baseUrl()).append("/simulator/   (type as a customer here)\n");
    DemoSeed.Result seed = demo.seed();
    if (seed.created()) {
      b.append("  Sign in    ").append(DemoSeed.ADMIN_EMAIL).append("  password ").append(seed.password()).append('\n');
      b.append("             agents ").append(DemoSeed.SAM_EMAIL).append(" and ").append(DemoSeed.JO_EMAIL)
          .append(" have the same password.\n");
      b.append("             It is shown only this once: note it now.\n");
    } else {
      b.append("  Sign in    ").append(DemoSeed.ADMIN_EMAIL).append("  (the password was shown at the first start; --reset starts over)\n");
    }
    b.append("  Windows    ").append(shortWindows
        ? "short: " + minutes(Demo.SHORT_STANDARD) + " standard, " + minutes(Demo.SHORT_HUMAN_AGENT) + " human agent"
        : "24 h / 7 days (--short-windows to watch them close)").append('\n');
    b.append("  Data       ").append(demo.dataDir()).append('\n');
    b.append("\n  Ctrl+C stops the demo; its conversations are kept for the next start.\n\n");
    return b.toString();
  }

  private static String minutes(String isoDuration) {
    return java.time.Duration.parse(isoDuration).toMinutes() + " min";
  }

  /** Deletes the demo's folder, but only one that looks like a demo folder. */
  private static boolean wipe(Path dir) {
    if (!Files.exists(dir)) {
      return true;
    }
    if (!Files.isDirectory(dir.resolve("postgres")) && !Files.exists(dir.resolve("jwt-secret"))) {
      System.err.println("switchboard demo: " + dir + " does not look like a demo folder; not deleting it");
      return false;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
      System.out.println("switchboard demo: deleted " + dir);
      return true;
    } catch (IOException e) {
      System.err.println("switchboard demo: cannot delete " + dir + ": " + e.getMessage());
      return false;
    }
  }
}
