package dev.switchboard.scale;

import dev.switchboard.support.Requires;

import dev.switchboard.config.Settings;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code deploy/}: the HA compose file, its nginx config and the Kubernetes manifests parse, and
 * hold what deploy/README.md says they do. No Docker daemon or cluster is needed: the YAML is read
 * here, and nginx (when installed) checks its config with {@code nginx -t}.
 */
class DeployFilesTest {

  static final Path DEPLOY = Path.of("deploy");
  /** Settings of the Redis topology (docs/configuration.md, "Storage"), read by the Redis client's set-up. */
  static final Set<String> REDIS_TOPOLOGY = Set.of("REDIS_MODE", "REDIS_MASTER_NAME");

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object o) {
    return (List<Object>) o;
  }

  static Map<String, Object> at(Map<String, Object> root, String... path) {
    Map<String, Object> m = root;
    for (String p : path) {
      assertThat(m).as("has %s", p).containsKey(p);
      m = map(m.get(p));
    }
    return m;
  }

  @Test
  void composeHasTheHaLayout() throws IOException {
    Map<String, Object> compose = new Yaml().load(Files.readString(DEPLOY.resolve("docker-compose.yml")));
    Map<String, Object> services = at(compose, "services");
    List<String> gateways = services.keySet().stream().filter(k -> k.startsWith("gateway-")).toList();
    assertThat(gateways).as("2+ gateway nodes").hasSizeGreaterThanOrEqualTo(2);
    assertThat(services).containsKeys("nginx", "pg-monitor", "pg-node-1", "pg-node-2", "redis-cluster-init");
    assertThat(services.keySet().stream().filter(k -> k.matches("redis-\\d+"))).as("3 masters + 3 replicas").hasSize(6);
    assertThat(String.valueOf(services.get("redis-cluster-init"))).contains("--cluster-replicas 1");
    assertThat(at(services, "pg-monitor", "environment")).containsEntry("ROLE", "monitor");
    for (String node : List.of("pg-node-1", "pg-node-2")) {
      assertThat(at(services, node, "environment")).containsEntry("ROLE", "node").containsKey("MONITOR_URI");
    }
    for (String g : gateways) {
      Map<String, Object> env = at(services, g, "environment");
      assertThat(String.valueOf(env.get("DATABASE_URL"))).as("multi-host, primary only")
          .contains("pg-node-1:5432,pg-node-2:5432").contains("target_session_attrs=read-write");
      assertThat(String.valueOf(env.get("DATABASE_READ_URL"))).contains("target_session_attrs=prefer-standby");
      assertThat(env.get("REDIS_MODE")).isEqualTo("cluster");
      assertThat(env.get("FANOUT_HELD_ONLY")).as("nginx routes /eventbus by account: read only the partitions held").isEqualTo("true");
      assertSettings(g, env.keySet());
      assertThat(String.valueOf(map(services.get(g)).get("healthcheck"))).contains("/ready");
    }
    assertThat(list(map(services.get("nginx")).get("volumes"))).anyMatch(v -> String.valueOf(v).contains("nginx/nginx.conf"));
    assertThat(Files.isRegularFile(DEPLOY.resolve("postgres/Dockerfile"))).isTrue();
    assertThat(Files.readString(DEPLOY.resolve("postgres/Dockerfile"))).contains("postgresql-15-auto-failover");
  }

  @Test
  void nginxRoutesTheBridgeByAccount() throws Exception {
    String conf = Files.readString(DEPLOY.resolve("nginx/nginx.conf"));
    assertThat(conf).contains("map $arg_account $eventbus_key").contains("hash $eventbus_key consistent;")
        .contains("proxy_pass http://switchboard_by_account;");
    String bin = Nginx.binary();
    // the text checks above ran; without nginx the rest is reported skipped with the reason (a failure under REQUIRE_ALL_TESTS)
    Requires.tool(bin != null, "nginx is not installed: nginx -t of deploy/nginx/nginx.conf needs it (apt-get install nginx, or .ci/nginx)").check();
    // nginx -t resolves upstream names: the compose's service names become loopback here
    Path dir = Files.createTempDirectory("switchboard-deploy-nginx");
    try {
      Path copy = dir.resolve("nginx.conf");
      Files.writeString(copy, conf.replaceAll("gateway-\\d+:8080", "127.0.0.1:8080").replace("listen 80;", "listen 127.0.0.1:1;"));
      Process p = new ProcessBuilder(bin, "-t", "-p", dir.toString(), "-c", copy.toString(), "-e", dir.resolve("error.log").toString(),
          "-g", "pid " + dir.resolve("nginx.pid") + ";").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      assertThat(p.waitFor()).as("nginx -t: %s", out).isZero();
    } finally {
      PrivateServers.deleteTree(dir);
    }
  }

  @Test
  void kubernetesGatewayManifests() throws IOException {
    Map<String, Map<String, Object>> byKind = new HashMap<>();
    for (Object doc : new Yaml().loadAll(Files.readString(DEPLOY.resolve("kubernetes/gateway.yaml")))) {
      Map<String, Object> d = map(doc);
      byKind.put(String.valueOf(d.get("kind")), d);
    }
    assertThat(byKind).containsKeys("Deployment", "Service", "HorizontalPodAutoscaler", "ConfigMap", "Secret");

    Map<String, Object> deployment = byKind.get("Deployment");
    Map<String, Object> pod = at(deployment, "spec", "template", "spec");
    Map<String, Object> container = map(list(pod.get("containers")).get(0));
    assertThat(at(container, "readinessProbe", "httpGet")).containsEntry("path", "/ready");
    assertThat(at(container, "lifecycle", "preStop")).isNotEmpty();
    assertThat((Integer) pod.get("terminationGracePeriodSeconds")).as("room for preStop and the node's drain").isGreaterThanOrEqualTo(30);
    Map<String, Object> podLabels = at(deployment, "spec", "template", "metadata", "labels");
    assertThat(podLabels).containsAllEntriesOf(map(at(byKind.get("Service"), "spec").get("selector")));

    Map<String, Object> hpa = at(byKind.get("HorizontalPodAutoscaler"), "spec");
    assertThat(map(hpa.get("scaleTargetRef"))).containsEntry("kind", "Deployment")
        .containsEntry("name", at(deployment, "metadata").get("name"));
    Map<String, Object> metric = map(list(hpa.get("metrics")).get(0));
    assertThat(at(metric, "resource")).containsEntry("name", "cpu");

    List<String> keys = new ArrayList<>();
    keys.addAll(at(byKind.get("ConfigMap"), "data").keySet());
    keys.addAll(at(byKind.get("Secret"), "stringData").keySet());
    assertSettings("kubernetes", keys);
  }

  /** Every variable a deploy file sets is a setting the node reads: a misspelt one would be ignored. */
  static void assertSettings(String where, java.util.Collection<String> keys) {
    assertThat(keys).as(where + "'s settings").allMatch(k -> Settings.all().containsKey(k) || REDIS_TOPOLOGY.contains(k));
  }
}
