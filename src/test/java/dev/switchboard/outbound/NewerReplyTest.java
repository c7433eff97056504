package dev.switchboard.outbound;

import dev.switchboard.common.Tokens;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Collision control on replies: 409 {@code newer_reply} between two agents (and after the bot), {@code force: true}. */
class NewerReplyTest {

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().graph().settings(new JsonObject().put("OUTBOUND_POLL_MS", 100)).build();

  private static Seed.Account acc;
  private static long channel;
  private static Http ana;
  private static Http bo;
  private static long anaId;

  @BeforeAll
  static void setUp() {
    SendSupport.defaultAnswers(env.graph());
    acc = Seed.account(env.db(), "Collide");
    channel = Seed.channel(env.db(), acc.accountId(), "whatsapp", "nr-" + UUID.randomUUID().toString().substring(0, 8));
    anaId = Seed.user(env.db(), acc.accountId(), "Ana", "ana-" + UUID.randomUUID() + "@c.test", "password-ana", "agent");
    long boId = Seed.user(env.db(), acc.accountId(), "Bo", "bo-" + UUID.randomUUID() + "@c.test", "password-bo", "agent");
    Tokens tokens = new Tokens(env.vertx(), TestNode.JWT_SECRET);
    ana = new Http(env.vertx(), env.node().baseUrl()).as(tokens.issue(anaId, acc.accountId(), "agent", "Ana"));
    bo = new Http(env.vertx(), env.node().baseUrl()).as(tokens.issue(boId, acc.accountId(), "agent", "Bo"));
  }

  private static long conversationWithACustomerMessage() {
    long conv = SendSupport.conversation(env.db(), acc.accountId(), channel, SendSupport.uniqueUser(), Instant.now().minus(Duration.ofMinutes(2)));
    return conv;
  }

  private static long inbound(long conv) {
    return Seed.insert(env.db(), "INSERT INTO messages (account_id, conversation_id, channel_id, direction, type, content_type, text, sender_type, external_id) "
        + "VALUES (?, ?, ?, 'in', 'incoming', 'text', 'hello?', 'contact', ?) RETURNING id", acc.accountId(), conv, channel, "wamid.in" + UUID.randomUUID());
  }

  private static Http.Res reply(Http who, long conv, Object basedOn, boolean force) {
    JsonObject body = new JsonObject().put("type", "reply").put("text", "on it").put("basedOnMessageId", basedOn);
    if (force) {
      body.put("force", true);
    }
    return who.post("/api/v1/conversations/" + conv + "/messages", body);
  }

  @Test
  void theSecondAgentIsToldAndMaySendAnyway() {
    long conv = conversationWithACustomerMessage();
    long seen = inbound(conv);
    Http.Res first = reply(ana, conv, String.valueOf(seen), false);
    assertEquals(201, first.status(), first.text());
    String anasReply = first.json().getString("id");

    Http.Res second = reply(bo, conv, String.valueOf(seen), false);
    assertEquals(409, second.status(), second.text());
    JsonObject error = second.json().getJsonObject("error");
    assertEquals("newer_reply", error.getString("code"));
    assertEquals(anasReply, error.getJsonObject("reply").getString("id"));
    assertEquals(String.valueOf(anaId), error.getJsonObject("reply").getString("senderId"));
    assertEquals(1, Seed.scalar(env.db(), "SELECT count(*) FROM messages WHERE conversation_id = ? AND direction = 'out'", conv), "nothing stored");

    // notes are never refused; the agent's own reply never blocks them; force sends anyway
    assertEquals(201, bo.post("/api/v1/conversations/" + conv + "/messages",
        new JsonObject().put("type", "note").put("text", "I'll leave it").put("basedOnMessageId", String.valueOf(seen))).status());
    assertEquals(201, reply(ana, conv, String.valueOf(seen), false).status(), "only someone else's reply counts");
    assertEquals(201, reply(bo, conv, seen, true).status());
    // based on the newest reply: no conflict
    String newest = Seed.strings(env.db(), "SELECT max(id) FROM messages WHERE conversation_id = ? AND type = 'reply'", conv).get(0);
    assertEquals(201, reply(ana, conv, newest, false).status());
  }

  @Test
  void aBotReplyCountsAndUnknownBasesAreRefused() {
    long conv = conversationWithACustomerMessage();
    long seen = inbound(conv);
    long bot = Seed.insert(env.db(), "INSERT INTO messages (account_id, conversation_id, channel_id, direction, type, content_type, text, sender_type, status) "
        + "VALUES (?, ?, ?, 'out', 'bot', 'text', 'A bot answered', 'bot', 'sent') RETURNING id", acc.accountId(), conv, channel);
    Http.Res refused = reply(ana, conv, String.valueOf(seen), false);
    assertEquals(409, refused.status(), refused.text());
    assertEquals(String.valueOf(bot), refused.json().getJsonObject("error").getJsonObject("reply").getString("id"));
    assertEquals("bot", refused.json().getJsonObject("error").getJsonObject("reply").getString("senderType"));

    // a reply that failed never reached the customer: it is no newer reply
    long quiet = conversationWithACustomerMessage();
    long asked = inbound(quiet);
    Seed.exec(env.db(), "INSERT INTO messages (account_id, conversation_id, channel_id, direction, type, content_type, text, sender_type, status) "
        + "VALUES (?, ?, ?, 'out', 'bot', 'text', 'never arrived', 'bot', 'failed')", acc.accountId(), quiet, channel);
    assertEquals(201, reply(ana, quiet, String.valueOf(asked), false).status(), "a failed reply does not block");

    long elsewhere = inbound(conversationWithACustomerMessage());
    assertEquals(422, reply(ana, conv, String.valueOf(elsewhere), false).status(), "a base from another conversation");
    assertEquals(400, reply(ana, conv, "not-an-id", false).status());
    assertEquals(201, reply(ana, conv, null, false).status(), "without a base nothing is checked");
  }
}
