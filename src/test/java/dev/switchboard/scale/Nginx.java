package dev.switchboard.scale;

import dev.switchboard.support.Await;
import dev.switchboard.support.Requires;
import dev.switchboard.support.TestNode;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * nginx on loopback in front of several nodes, as a child process with a generated config, pid,
 * logs and temp files in a temp folder. The config is what docs/scaling.md recommends:
 * round-robin for webhooks and the API with passive health checks and retries of idempotent
 * failures, WebSocket upgrade for the bridge, and {@code ip_hash} (sticky) for /eventbus/ so
 * SockJS's non-WebSocket fallbacks keep hitting the node that holds their session.
 */
final class Nginx implements AutoCloseable {

  final int port;
  final Path dir;
  private final Process process;

  private Nginx(int port, Path dir, Process process) {
    this.port = port;
    this.dir = dir;
    this.process = process;
  }

  /** The nginx binary, or null when it is not installed (.ci/nginx installs it). */
  static String binary() {
    for (String p : List.of("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx", "/usr/local/nginx/sbin/nginx")) {
      if (Files.isExecutable(Path.of(p))) {
        return p;
      }
    }
    return null;
  }

  static final Requires REQUIRED = Requires.tool(binary() != null,
      "nginx is not installed (/usr/sbin/nginx): run .ci/nginx (apt-get install nginx) to run the load-balanced multi-node tests");

  /** The config for these upstream ports, listening on {@code port}. */
  static String config(Path dir, int port, List<Integer> nodes) {
    String servers = nodes.stream()
        .map(p -> "    server 127.0.0.1:" + p + " max_fails=1 fail_timeout=2s;")
        .collect(Collectors.joining("\n"));
    return """
        worker_processes 1;
        daemon off;
        pid %1$s/nginx.pid;
        error_log %1$s/error.log warn;
        events { worker_connections 4096; }
        http {
          access_log off;
          client_body_temp_path %1$s/body;
          proxy_temp_path %1$s/proxy;
          fastcgi_temp_path %1$s/fastcgi;
          uwsgi_temp_path %1$s/uwsgi;
          scgi_temp_path %1$s/scgi;
          client_max_body_size 5m;

          # webhooks and the API: round-robin; a node that fails is left out for fail_timeout
          upstream switchboard {
        %3$s
            keepalive 64;
          }
          # the bridge: sticky by client address, so SockJS fallbacks (xhr-streaming, polling) find their session
          upstream switchboard_sticky {
            ip_hash;
        %3$s
          }
          map $http_upgrade $connection_upgrade { default upgrade; '' ''; }

          server {
            listen 127.0.0.1:%2$d;
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_connect_timeout 1s;

            location /webhooks/ {
              proxy_pass http://switchboard;
              proxy_set_header Connection "";
              # a webhook is idempotent (a redelivery changes nothing), so a failed node's request is retried on another
              proxy_next_upstream error timeout http_502 http_503 non_idempotent;
              proxy_next_upstream_tries 2;
              proxy_read_timeout 30s;
            }
            location /eventbus/ {
              proxy_pass http://switchboard_sticky;
              proxy_set_header Upgrade $http_upgrade;
              proxy_set_header Connection $connection_upgrade;
              proxy_buffering off;
              proxy_read_timeout 1h;
            }
            location / {
              proxy_pass http://switchboard;
              proxy_set_header Connection "";
              # only idempotent methods are retried (nginx never retries POST/PATCH unless told)
              proxy_next_upstream error timeout http_502 http_503;
              proxy_next_upstream_tries 2;
            }
          }
        }
        """.formatted(dir.toAbsolutePath(), port, servers);
  }

  static Nginx start(List<Integer> nodes) {
    String bin = binary();
    if (bin == null) {
      throw new IllegalStateException("nginx is not installed (run .ci/nginx)");
    }
    try {
      Path dir = Files.createTempDirectory("switchboard-nginx");
      // worker processes drop to "nobody" when the master runs as root: let them into the temp folder
      dir.toFile().setExecutable(true, false);
      dir.toFile().setReadable(true, false);
      dir.toFile().setWritable(true, false);
      int port = TestNode.freePort();
      Path conf = dir.resolve("nginx.conf");
      Files.writeString(conf, config(dir, port, nodes));
      Process p = new ProcessBuilder(bin, "-c", conf.toString(), "-p", dir.toString(), "-e", dir.resolve("error.log").toString())
          .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
      Nginx n = new Nginx(port, dir, p);
      Await.until("nginx listening on " + port, java.time.Duration.ofSeconds(10), () -> {
        if (!p.isAlive()) {
          throw new AssertionError("nginx exited: " + n.log());
        }
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("127.0.0.1", port), 200);
          return true;
        } catch (IOException e) {
          return false;
        }
      });
      return n;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start nginx: " + e.getMessage(), e);
    }
  }

  String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  String log() {
    try {
      return Files.readString(dir.resolve("error.log")) + Files.readString(dir.resolve("stdout.log"));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  @Override
  public void close() {
    process.destroy(); // SIGTERM: fast shutdown
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException ignored) {
      // temp folder
    }
  }
}
