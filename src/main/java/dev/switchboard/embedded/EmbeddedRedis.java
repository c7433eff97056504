package dev.switchboard.embedded;

import redis.embedded.core.ExecutableProvider;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The embedded Redis: codemonstur's bundled redis-server as a child process, configured by a file
 * in its data folder and started in a session of its own, answered for by PING before it counts
 * as started.
 */
final class EmbeddedRedis {

  private EmbeddedRedis() {
  }

  static Process start(Path dir, int port, boolean durable) throws IOException {
    // into the data folder, not a fresh temp folder per start: those pile up in /tmp (a JVM that
    // is killed never deletes them)
    File exe = ExecutableProvider.newJarResourceProvider(Files.createDirectories(dir.resolve("bin")).toFile()).get();
    if (!exe.canExecute() && !exe.setExecutable(true)) {
      throw new IOException("cannot make " + exe + " executable");
    }
    // a config file rather than arguments: the folder may contain spaces
    List<String> conf = new ArrayList<>(List.of(
        "port " + port,
        "bind 127.0.0.1",
        "protected-mode yes",
        "daemonize no",
        "dir " + quote(dir.toAbsolutePath().toString()),
        // written even without daemonize; a later start finds a left-over server by it
        "pidfile " + quote(dir.resolve(ServerProcesses.REDIS_PID).toAbsolutePath().toString()),
        // keep the command line (it names this folder) instead of "redis-server 127.0.0.1:port"
        "set-proc-title no",
        "save \"\""));
    if (durable) {
      conf.add("appendonly yes");
      conf.add("appendfsync everysec");
    } else {
      conf.add("appendonly no");
    }
    Path confFile = dir.resolve("redis.conf");
    Files.write(confFile, conf, StandardCharsets.UTF_8);
    List<String> command = new ArrayList<>(List.of(exe.getAbsolutePath(), confFile.toAbsolutePath().toString()));
    // its own session, as pg_ctl gives PostgreSQL: Ctrl+C in a terminal reaches the JVM alone,
    // which stops the node before Redis. setsid(1) execs in place, so the pid stays Redis's.
    String setsid = onPath("setsid");
    if (setsid != null) {
      command.add(0, setsid);
    }
    Process p = new ProcessBuilder(command)
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .start();
    StringBuilder output = new StringBuilder();
    Thread pump = new Thread(() -> pump(p, output), "embedded-redis-output");
    pump.setDaemon(true);
    pump.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IOException("redis-server exited with " + p.exitValue() + ": " + lastLine(output));
      }
      if (ping(port)) {
        return p;
      }
      sleep(50);
    }
    p.destroyForcibly();
    throw new IOException("redis-server did not answer PING within 30 s: " + lastLine(output));
  }

  private static String onPath(String program) {
    String path = System.getenv("PATH");
    for (String dir : (path == null ? "/usr/bin:/bin" : path).split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return null;
  }

  private static void pump(Process p, StringBuilder output) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        synchronized (output) {
          // keep only the tail: it says why a start failed
          if (output.length() > 8_000) {
            output.delete(0, output.length() - 4_000);
          }
          output.append(line).append('\n');
        }
      }
    } catch (IOException ignored) {
      // the process ended
    }
  }

  private static String lastLine(StringBuilder output) {
    synchronized (output) {
      String[] lines = output.toString().strip().split("\n");
      return lines.length == 0 || lines[lines.length - 1].isBlank() ? "no output" : lines[lines.length - 1].strip();
    }
  }

  /** True when something answers a Redis PING on 127.0.0.1:port. */
  public static boolean ping(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      s.setSoTimeout(1_000);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      byte[] buf = new byte[16];
      int n = s.getInputStream().read(buf);
      return n > 0 && new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException e) {
      return false;
    }
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

}
