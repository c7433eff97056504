package dev.switchboard.web;

import dev.switchboard.inbox.WebRoutes;
import dev.switchboard.support.Http;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The inbox's pages come from the class path, or from WEB_ROOT when it is set")
class WebRootTest {

  @TempDir
  static Path folder;
  static TestDb db;
  static TestNode packaged;
  static TestNode edited;

  @BeforeAll
  static void start() throws IOException {
    Files.writeString(folder.resolve("index.html"), "<!doctype html><title>edited without a rebuild</title>");
    db = TestDb.create();
    packaged = TestNode.start(db, TestNode.newRedisPrefix(), new JsonObject());
    edited = TestNode.start(db, TestNode.newRedisPrefix(), new JsonObject().put("WEB_ROOT", folder.toString()));
  }

  @AfterAll
  static void stop() {
    packaged.close();
    edited.close();
    db.drop();
  }

  @Test
  @DisplayName("without WEB_ROOT: /, the modules and the vendored client are the class path's copies; no simulator outside demo")
  void classPath() throws IOException {
    assertThat(packaged.config.webRoot()).isNull();
    try (Http http = new Http(packaged.vertx, packaged.baseUrl())) {
      Http.Res index = http.get("/");
      assertThat(index.status()).isEqualTo(200);
      assertThat(index.text()).isEqualTo(resource("index.html"));
      assertThat(index.header("Cache-Control")).isNull();
      assertThat(http.get("/vendor/vertx-eventbus.js").text()).isEqualTo(resource("vendor/vertx-eventbus.js"));
      assertThat(http.get("/js/app.js").header("Content-Type")).contains("javascript");
      assertThat(http.get("/simulator/").status()).isEqualTo(404);
      assertThat(http.get("/simulator/simulator.js").status()).isEqualTo(404);
      assertThat(http.get("/%2e%2e/%2e%2e/%2e%2e/pom.xml").status()).isEqualTo(404);
    }
  }

  @Test
  @DisplayName("WEB_ROOT=<folder>: that folder's files, and nothing from the class path")
  void folder() {
    try (Http http = new Http(edited.vertx, edited.baseUrl())) {
      Http.Res index = http.get("/");
      assertThat(index.status()).isEqualTo(200);
      assertThat(index.text()).contains("edited without a rebuild");
      assertThat(http.get("/js/app.js").status()).isEqualTo(404);
    }
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = WebRootTest.class.getClassLoader().getResourceAsStream(WebRoutes.CLASS_PATH_ROOT + "/" + name)) {
      assertThat(in).as(name + " on the class path").isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
