package dev.switchboard.ingress;

import dev.switchboard.support.Fixtures;
import dev.switchboard.support.Http;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("A Messenger thread begun from an ad gets the 7-day standard window")
class AdReferralProcessorTest {

  static TestDb db;
  static TestNode node;
  static Http http;
  static Seed.Account account;

  @BeforeAll
  static void start() {
    db = TestDb.create();
    node = TestNode.start(db, TestNode.newRedisPrefix(), new JsonObject().put("PROCESSOR_SWEEP_MS", 200));
    http = new Http(node.vertx, node.baseUrl());
    account = Seed.account(db, "Ads");
    Seed.channel(db, account.accountId(), "messenger", "361442187745120");
  }

  @AfterAll
  static void stop() {
    http.close();
    node.close();
    db.drop();
  }

  @Test
  @DisplayName("referral.source ADS on the first message: the conversation remembers it and its window runs 7 days; a plain message does not")
  void adReferral() {
    long now = System.currentTimeMillis();
    JsonObject body = Fixtures.json("messenger_text_ad_referral.json");
    body.getJsonArray("entry").getJsonObject(0).getJsonArray("messaging").getJsonObject(0).put("timestamp", now);
    assertThat(http.signedWebhook("messenger", body.encode().getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(200);
    Db.drained(db);
    java.util.Map<String, Object> conv = Db.one(db, "SELECT cv.id, cv.ad_referral_at FROM conversations cv JOIN contacts ct ON ct.id = cv.contact_id "
        + "WHERE ct.platform_user_id = '7423918830169999'");
    assertThat(((OffsetDateTime) conv.get("ad_referral_at")).toInstant().toEpochMilli()).isEqualTo(now);
    String token = new dev.switchboard.common.Tokens(node.vertx, TestNode.JWT_SECRET).issue(account.adminId(), account.accountId(), "admin", "Admin");
    JsonObject view = http.as(token).get("/api/v1/conversations/" + conv.get("id")).json();
    Instant automation = Instant.parse(view.getJsonObject("window").getString("automationExpiresAt"));
    assertThat(automation).isEqualTo(Instant.ofEpochMilli(now).plus(Duration.ofDays(7)));

    post("messenger_text.json");
    Object plain = Db.one(db, "SELECT cv.ad_referral_at FROM conversations cv JOIN contacts ct ON ct.id = cv.contact_id "
        + "WHERE ct.platform_user_id = '7423918830164025'").get("ad_referral_at");
    assertThat(plain).isNull();
    assertThat(Db.rows(db, "SELECT reason FROM dead_letters")).isEmpty();
  }

  static void post(String file) {
    byte[] bytes = Fixtures.bytes(file);
    assertThat(http.signedWebhook("messenger", bytes).status()).isEqualTo(200);
    Db.drained(db);
  }
}
