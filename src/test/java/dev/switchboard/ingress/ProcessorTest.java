package dev.switchboard.ingress;

import dev.switchboard.common.Inbound;
import dev.switchboard.common.InboundHooks;
import dev.switchboard.support.Fixtures;
import dev.switchboard.support.Http;
import dev.switchboard.support.NodeExtension;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestDb;
import dev.switchboard.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The processor turns every stored webhook into exactly the right contacts, conversations and messages")
class ProcessorTest {

  static final String WA = "118812345678901";
  static final String WA2 = "118898765432109";
  static final String PAGE = "361442187745120";
  static final String PAGE2 = "361442187745999";
  static final String IG = "17841400112233445";
  static final String DANA = "14155550123";
  static final String PSID = "7423918830164025";

  static TestDb db;
  static TestNode node;
  static Http http;
  static Seed.Account account;
  static long wa;
  static long page;
  static long ig;
  static final List<Inbound> hooked = new CopyOnWriteArrayList<>();
  static final List<Inbound> hookedAfterCommit = new CopyOnWriteArrayList<>();

  @RegisterExtension
  static final NodeExtension env = NodeExtension.builder().settings(new JsonObject().put("PROCESSOR_SWEEP_MS", 200)).build();

  @BeforeAll
  static void start() {
    db = env.db();
    node = env.node();
    http = env.http();
    account = Seed.account(db, "Acme");
    wa = Seed.channel(db, account.accountId(), "whatsapp", WA);
    Seed.channel(db, account.accountId(), "whatsapp", WA2);
    page = Seed.channel(db, account.accountId(), "messenger", PAGE);
    Seed.channel(db, account.accountId(), "messenger", PAGE2);
    ig = Seed.channel(db, account.accountId(), "instagram", IG);
    node.node.services().inboundHooks().register(new InboundHooks.Hook() {
      @Override
      public io.vertx.core.Future<Void> inTransaction(dev.switchboard.common.TxChanges tx, List<Inbound> created) {
        if (created.stream().anyMatch(i -> "poison pill".equals(i.text()))) {
          return io.vertx.core.Future.failedFuture(new IllegalStateException("a hook refuses the poison pill"));
        }
        hooked.addAll(created);
        return io.vertx.core.Future.succeededFuture();
      }

      @Override
      public void afterCommit(List<Inbound> created) {
        hookedAfterCommit.addAll(created);
      }
    });
  }

  static String platformOf(String file) {
    return file.substring(0, file.indexOf('_'));
  }

  /** Posts a fixture's exact bytes with its signature and waits until it is processed. */
  static void post(String file) {
    byte[] body = Fixtures.bytes(file);
    Http.Res r = http.webhook(platformOf(file), body, Fixtures.sign(body));
    assertThat(r.status()).as(file).isEqualTo(200);
    Db.drained(db);
  }

  static Map<String, Object> message(long channelId, String externalId) {
    return Db.one(db, "SELECT * FROM messages WHERE channel_id = ? AND external_id = ?", channelId, externalId);
  }

  static long messages(long channelId, String externalId) {
    return Db.count(db, "SELECT count(*) FROM messages WHERE channel_id = ? AND external_id = ?", channelId, externalId);
  }

  static String firstId(String file, String path) {
    JsonObject j = Fixtures.json(file).getJsonArray("entry").getJsonObject(0);
    if (file.startsWith("whatsapp")) {
      JsonObject v = j.getJsonArray("changes").getJsonObject(0).getJsonObject("value");
      return v.getJsonArray(path).getJsonObject(0).getString("id");
    }
    JsonObject item = j.getJsonArray("messaging").getJsonObject(0);
    return item.getJsonObject(path).getString("mid");
  }

  static long conversationOf(long channelId, String platformUserId) {
    return Db.count(db, "SELECT cv.id FROM conversations cv JOIN contacts ct ON ct.id = cv.contact_id "
        + "WHERE cv.channel_id = ? AND ct.platform_user_id = ?", channelId, platformUserId);
  }

  @Test
  @DisplayName("every webhook fixture, signed, is answered 200 and processed without a failed raw event")
  void everyFixture() throws IOException {
    List<String> files;
    try (Stream<Path> s = Files.list(Fixtures.dir())) {
      files = s.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("whatsapp_") || n.startsWith("messenger_") || n.startsWith("instagram_")).sorted().toList();
    }
    assertThat(files).hasSizeGreaterThanOrEqualTo(35);
    for (String f : files) {
      byte[] body = Fixtures.bytes(f);
      String recorded = Fixtures.recordedSignature(f);
      assertThat(recorded).as("recorded signature of " + f).isNotNull();
      assertThat(http.webhook(platformOf(f), body, recorded).status()).as(f).isEqualTo(200);
    }
    Db.drained(db);
    assertThat(Db.rows(db, "SELECT id, error FROM raw_events WHERE status = 'failed'")).isEmpty();
    // no page, Instagram account or business number ever becomes a contact
    assertThat(Db.count(db, "SELECT count(*) FROM contacts WHERE platform_user_id IN (?, ?, ?, ?, ?)", WA, PAGE, PAGE2, IG, "15550100200")).isZero();
    // statuses of WhatsApp messages we do not know (yet) wait for their send; nothing else is dead-lettered
    // (unknownChannel's own dead letter aside)
    assertThat(Db.rows(db, "SELECT reason FROM dead_letters WHERE external_id IS DISTINCT FROM '999000999000999'")).isEmpty();
    assertThat(Db.count(db, "SELECT count(*) FROM early_statuses")).isPositive();
  }

  @Test
  @DisplayName("a WhatsApp text creates a Closed conversation, a contact with profile name and phone, and one incoming message")
  void whatsappText() {
    post("whatsapp_text.json");
    String wamid = firstId("whatsapp_text.json", "messages");
    Map<String, Object> m = message(wa, wamid);
    assertThat(m.get("direction")).isEqualTo("in");
    assertThat(m.get("type")).isEqualTo("incoming");
    assertThat(m.get("content_type")).isEqualTo("text");
    assertThat(m.get("text")).isEqualTo("Hi, is my order #1042 shipped yet?");
    assertThat(m.get("sender_type")).isEqualTo("contact");
    assertThat(m.get("status")).isEqualTo("received");
    assertThat(((OffsetDateTime) m.get("platform_timestamp")).toEpochSecond()).isEqualTo(1767612345L);
    Map<String, Object> contact = Db.one(db, "SELECT * FROM contacts WHERE channel_id = ? AND platform_user_id = ?", wa, DANA);
    assertThat(contact.get("platform_name")).isEqualTo("Dana Whitfield");
    assertThat(contact.get("phone")).isEqualTo(DANA);
    Map<String, Object> conv = Db.one(db, "SELECT * FROM conversations WHERE id = ?", m.get("conversation_id"));
    assertThat(conv.get("status")).isEqualTo("closed");
    assertThat(conv.get("contact_id")).isEqualTo(contact.get("id"));
    assertThat(((OffsetDateTime) conv.get("last_inbound_at")).toEpochSecond()).isGreaterThanOrEqualTo(1767612345L);
    assertThat((Integer) conv.get("unread_count")).isGreaterThanOrEqualTo(1);
    // hooks saw it once, in the transaction and after commit
    long id = (Long) m.get("id");
    assertThat(hooked).filteredOn(i -> i.messageId() == id).hasSize(1)
        .first().satisfies(i -> {
          assertThat(i.text()).isEqualTo("Hi, is my order #1042 shipped yet?");
          assertThat(i.platform()).isEqualTo("whatsapp");
          assertThat(i.conversationStatus()).isEqualTo("closed");
          assertThat(i.lastInboundAt()).isNotNull();
        });
    Db.eventually("after-commit hook", () -> hookedAfterCommit.stream().anyMatch(i -> i.messageId() == id));
    // the event log has the message and its conversation
    Db.eventually("message.created event", () -> node.node.services().events().read(account.accountId(), null, 1000).await()
        .stream().anyMatch(e -> "message.created".equals(e.getString("type"))
            && wamid.equals(e.getJsonObject("data").getString("externalId"))));
    List<JsonObject> events = node.node.services().events().read(account.accountId(), null, 1000).await();
    assertThat(events).anyMatch(e -> e.getString("type").startsWith("conversation.")
        && String.valueOf(m.get("conversation_id")).equals(e.getJsonObject("data").getString("id")));
  }

  @Test
  @DisplayName("the WhatsApp profile name is refreshed on every inbound and the change is pushed as contact.updated")
  void profileNameRefreshed() {
    post("whatsapp_text.json");
    String renamed = new String(Fixtures.bytes("whatsapp_text.json"), StandardCharsets.UTF_8)
        .replace("Dana Whitfield", "Dana W. Renamed").replace("wamid.GAsxNDE1NTU1MDEyMy10ZXh0LTAwMDE", "wamid.renamed");
    byte[] body = renamed.getBytes(StandardCharsets.UTF_8);
    assertThat(http.signedWebhook("whatsapp", body).status()).isEqualTo(200);
    Db.drained(db);
    Map<String, Object> contact = Db.one(db, "SELECT id, platform_name FROM contacts WHERE channel_id = ? AND platform_user_id = ?", wa, DANA);
    assertThat(contact.get("platform_name")).isEqualTo("Dana W. Renamed");
    Db.eventually("contact.updated event", () -> node.node.services().events().read(account.accountId(), null, 5000).await()
        .stream().anyMatch(e -> "contact.updated".equals(e.getString("type"))
            && "Dana W. Renamed".equals(e.getJsonObject("data").getString("platformName"))));
    // and back, so the other tests see the fixture's name
    post("whatsapp_text.json");
    Db.execute(db, "UPDATE contacts SET platform_name = 'Dana Whitfield' WHERE id = ?", contact.get("id"));
  }

  @Test
  @DisplayName("redeliveries (byte-identical WhatsApp, Messenger with a new entry.time, the compact wire form) store one message and call hooks once")
  void redelivery() {
    post("whatsapp_text.json");
    post("whatsapp_text_redelivery.json");
    post("messenger_text.json");
    post("messenger_text_redelivery.json");
    post("messenger_text.wire.json");
    String wamid = firstId("whatsapp_text.json", "messages");
    String mid = firstId("messenger_text.json", "message");
    assertThat(messages(wa, wamid)).isEqualTo(1);
    assertThat(messages(page, mid)).isEqualTo(1);
    long waId = (Long) message(wa, wamid).get("id");
    long mId = (Long) message(page, mid).get("id");
    assertThat(hooked).filteredOn(i -> i.messageId() == waId).hasSize(1);
    assertThat(hooked).filteredOn(i -> i.messageId() == mId).hasSize(1);
  }

  @Test
  @DisplayName("batches with several entries and messages store every message in its own channel's conversation")
  void batches() {
    post("whatsapp_batch_2entries_3messages.json");
    post("messenger_batch_2entries.json");
    assertThat(Db.count(db, "SELECT count(*) FROM messages WHERE text IN ('First message in batch', 'Guten Tag, zweite Nachricht', 'Third message, other business number')")).isEqualTo(3);
    Map<String, Object> third = Db.one(db, "SELECT m.channel_id, ct.platform_name FROM messages m JOIN conversations cv ON cv.id = m.conversation_id "
        + "JOIN contacts ct ON ct.id = cv.contact_id WHERE m.text = 'Third message, other business number'");
    assertThat(third.get("channel_id")).isNotEqualTo(wa);
    assertThat(Db.one(db, "SELECT platform_name FROM contacts WHERE platform_user_id = '4915112345678'").get("platform_name")).isEqualTo("Jonas Becker");
    assertThat(Db.count(db, "SELECT count(DISTINCT channel_id) FROM messages WHERE text IN ('Message to page one', 'Message to page two')")).isEqualTo(2);
  }

  @Test
  @DisplayName("non-ASCII wire bytes (\\u escapes) are stored as the decoded Unicode text and name")
  void nonAscii() {
    byte[] body = Fixtures.bytes("whatsapp_text_non_ascii.wire.json");
    assertThat(http.webhook("whatsapp", body, Fixtures.recordedSignature("whatsapp_text_non_ascii.wire.json")).status()).isEqualTo(200);
    Db.drained(db);
    Map<String, Object> m = Db.one(db, "SELECT m.text, ct.platform_name FROM messages m JOIN conversations cv ON cv.id = m.conversation_id "
        + "JOIN contacts ct ON ct.id = cv.contact_id WHERE m.external_id = ?", firstId("whatsapp_text_non_ascii.json", "messages"));
    assertThat(m.get("text")).isEqualTo("Hola 👋 你好，世界！ مرحبا بالعالم — שלום 😀 café/naïve");
    assertThat(m.get("platform_name")).isEqualTo("李雷 محمد 😀");
  }

  @Test
  @DisplayName("WhatsApp media, interactive and template replies, reactions and unknown types keep ids, captions, payloads and raw JSON")
  void whatsappKinds() {
    for (String f : List.of("whatsapp_image.json", "whatsapp_document.json", "whatsapp_interactive_button_reply.json",
        "whatsapp_interactive_list_reply.json", "whatsapp_template_button.json", "whatsapp_reaction.json",
        "whatsapp_unsupported.json", "whatsapp_unknown_future_type.json")) {
      post(f);
    }
    Map<String, Object> image = message(wa, firstId("whatsapp_image.json", "messages"));
    assertThat(image.get("content_type")).isEqualTo("image");
    assertThat(image.get("text")).isEqualTo("The box arrived damaged");
    JsonObject att = new JsonArray((String) image.get("attachments")).getJsonObject(0);
    // WhatsApp's id is kept for the fetch; mediaId is Switchboard's once the bytes are kept
    assertThat(att.getString("metaMediaId")).isEqualTo("1298745530012345");
    assertThat(att.containsKey("mediaId")).isFalse();
    // queued with the message; this node's fetcher may already be at it (this class has no Graph fake)
    assertThat(att.getString("status")).isIn("pending", "failed");
    assertThat(att.getString("mimeType")).isEqualTo("image/jpeg");
    assertThat(Db.count(db, "SELECT count(*) FROM media_fetches WHERE message_id = " + image.get("id") + " AND idx = 0")).isEqualTo(1);
    // a document is queued too; an interactive reply has nothing to fetch
    assertThat(Db.count(db, "SELECT count(*) FROM media_fetches f JOIN messages m ON m.id = f.message_id WHERE m.external_id = ?",
        firstId("whatsapp_document.json", "messages"))).isEqualTo(1);
    assertThat(Db.count(db, "SELECT count(*) FROM media_fetches f JOIN messages m ON m.id = f.message_id WHERE m.external_id = ?",
        firstId("whatsapp_interactive_button_reply.json", "messages"))).isZero();

    Map<String, Object> doc = message(wa, firstId("whatsapp_document.json", "messages"));
    assertThat(doc.get("content_type")).isEqualTo("document");
    assertThat(new JsonArray((String) doc.get("attachments")).getJsonObject(0).getString("filename")).isEqualTo("invoice-1042.pdf");

    Map<String, Object> button = message(wa, firstId("whatsapp_interactive_button_reply.json", "messages"));
    assertThat(button.get("content_type")).isEqualTo("interactive");
    assertThat(button.get("text")).isEqualTo("Request refund");
    assertThat(button.get("payload")).isEqualTo("refund_request");
    assertThat(message(wa, firstId("whatsapp_interactive_list_reply.json", "messages")).get("payload")).isEqualTo("ship_express");
    Map<String, Object> template = message(wa, firstId("whatsapp_template_button.json", "messages"));
    assertThat(template.get("content_type")).isEqualTo("button");
    assertThat(template.get("payload")).isEqualTo("TALK_TO_AGENT");
    assertThat(hooked).anyMatch(i -> "TALK_TO_AGENT".equals(i.payload()) && "Talk to an agent".equals(i.text()));

    Map<String, Object> reaction = message(wa, firstId("whatsapp_reaction.json", "messages"));
    assertThat(reaction.get("content_type")).isEqualTo("reaction");
    assertThat(reaction.get("text")).isEqualTo("👍");
    assertThat((String) reaction.get("reply_to")).startsWith("wamid.GAsxNTU1MDEwMDIwMC1vdXQtYnRubXNnLTA5MDA");
    long reactionId = (Long) reaction.get("id");
    assertThat(hooked).noneMatch(i -> i.messageId() == reactionId);

    Map<String, Object> unsupported = message(wa, firstId("whatsapp_unsupported.json", "messages"));
    assertThat(unsupported.get("content_type")).isEqualTo("unsupported");
    assertThat(new JsonObject((String) unsupported.get("raw")).getJsonObject("unsupported").getString("type")).isEqualTo("poll_creation");
    Map<String, Object> future = message(wa, firstId("whatsapp_unknown_future_type.json", "messages"));
    assertThat(future.get("content_type")).isEqualTo("unsupported");
    assertThat(new JsonObject((String) future.get("raw")).getJsonObject("hologram").getInteger("duration_ms")).isEqualTo(4200);
  }

  // not due for an hour: the node's sender never claims a 'pending' one (it would try the real
  // Graph API and mark it failed, under load before the statuses arrive), only statuses move it
  static long seedOutbound(long channelId, String customer, String externalId, String status, OffsetDateTime at) {
    long conv = conversationOf(channelId, customer);
    return Seed.insert(db, "INSERT INTO messages (account_id, conversation_id, channel_id, direction, type, content_type, text, sender_type, status, external_id, platform_timestamp, next_attempt_at) "
        + "VALUES (?, ?, ?, 'out', 'reply', 'text', 'our reply', 'agent', ?, ?, ?, now() + interval '1 hour') RETURNING id",
        account.accountId(), conv, channelId, status, externalId, at);
  }

  @Test
  @DisplayName("WhatsApp statuses never move backwards: read then a late delivered stays read; failed keeps its error")
  void whatsappStatuses() {
    post("whatsapp_text.json");
    String replyId = firstId("whatsapp_status_read.json", "statuses");
    String lateId = firstId("whatsapp_status_failed_131047.json", "statuses");
    seedOutbound(wa, DANA, replyId, "pending", null);
    seedOutbound(wa, DANA, lateId, "sent", null);
    post("whatsapp_status_read.json");
    assertThat(message(wa, replyId).get("status")).isEqualTo("read");
    post("whatsapp_status_delivered.json");
    post("whatsapp_status_sent.json");
    assertThat(message(wa, replyId).get("status")).isEqualTo("read");
    post("whatsapp_status_failed_131047.json");
    Map<String, Object> late = message(wa, lateId);
    assertThat(late.get("status")).isEqualTo("failed");
    assertThat(late.get("error_code")).isEqualTo("131047");
    assertThat(late.get("error_message")).isEqualTo("Re-engagement message");
    // a failure after a read never undoes it
    Db.execute(db, "UPDATE messages SET status = 'read' WHERE external_id = ?", lateId);
    post("whatsapp_status_failed_131047.json");
    assertThat(message(wa, lateId).get("status")).isEqualTo("read");
    // a status for a message we do not know is kept, not dropped
    post("whatsapp_status_failed_131026.json");
    String unknown = firstId("whatsapp_status_failed_131026.json", "statuses");
    assertThat(Db.count(db, "SELECT count(*) FROM early_statuses WHERE wamid = ? AND payload->>'status' = 'failed'", unknown)).isGreaterThanOrEqualTo(1);
  }

  @Test
  @DisplayName("Messenger echoes are outbound 'echo' messages in the customer's conversation; delivery and read watermarks move them forward")
  void messengerEchoAndWatermarks() {
    post("messenger_text.json");
    post("messenger_echo.json");
    post("messenger_echo_business_suite.json");
    String echoId = firstId("messenger_echo.json", "message");
    Map<String, Object> echo = message(page, echoId);
    assertThat(echo.get("direction")).isEqualTo("out");
    assertThat(echo.get("type")).isEqualTo("echo");
    assertThat(echo.get("sender_type")).isEqualTo("external");
    assertThat(echo.get("text")).isEqualTo("Yes, we deliver on Sundays between 10:00 and 16:00.");
    assertThat(echo.get("conversation_id")).isEqualTo(conversationOf(page, PSID));
    Map<String, Object> suite = message(page, firstId("messenger_echo_business_suite.json", "message"));
    assertThat(suite.get("conversation_id")).isEqualTo(conversationOf(page, PSID));
    assertThat(Db.count(db, "SELECT count(*) FROM contacts WHERE platform_user_id = ?", PAGE)).isZero();
    long echoRow = (Long) echo.get("id");
    assertThat(hooked).noneMatch(i -> i.messageId() == echoRow);

    // an earlier reply of ours, sent before the watermark, and one sent after it
    OffsetDateTime before = OffsetDateTime.parse("2026-01-05T11:28:00Z");
    OffsetDateTime after = OffsetDateTime.parse("2026-01-05T12:00:00Z");
    seedOutbound(page, PSID, "m_before", "sent", before);
    seedOutbound(page, PSID, "m_after", "sent", after);
    post("messenger_read.json");
    assertThat(message(page, echoId).get("status")).isEqualTo("read");
    assertThat(message(page, "m_before").get("status")).isEqualTo("read");
    assertThat(message(page, "m_after").get("status")).isEqualTo("sent");
    post("messenger_delivery.json");
    assertThat(message(page, echoId).get("status")).isEqualTo("read");
  }

  @Test
  @DisplayName("Messenger attachments, quick replies and postbacks keep urls, payloads and titles")
  void messengerKinds() {
    for (String f : List.of("messenger_attachment_image.json", "messenger_attachment_file.json", "messenger_quick_reply.json", "messenger_postback.json")) {
      post(f);
    }
    Map<String, Object> image = message(page, firstId("messenger_attachment_image.json", "message"));
    assertThat(image.get("content_type")).isEqualTo("image");
    assertThat(new JsonArray((String) image.get("attachments")).getJsonObject(0).getString("url")).startsWith("https://scontent.xx.fbcdn.net/");
    assertThat(message(page, firstId("messenger_attachment_file.json", "message")).get("content_type")).isEqualTo("document");
    Map<String, Object> qr = message(page, firstId("messenger_quick_reply.json", "message"));
    assertThat(qr.get("text")).isEqualTo("Yes please");
    assertThat(qr.get("payload")).isEqualTo("CONFIRM_SUNDAY_DELIVERY");
    Map<String, Object> pb = message(page, firstId("messenger_postback.json", "postback"));
    assertThat(pb.get("text")).isEqualTo("Get Started");
    assertThat(pb.get("payload")).isEqualTo("GET_STARTED");
    assertThat(hooked).anyMatch(i -> "GET_STARTED".equals(i.payload()));
  }

  @Test
  @DisplayName("Instagram: texts, images, story replies and mentions, reactions and unreacts, ice-breakers, seen, echo, deletion, unsupported")
  void instagram() {
    for (String f : List.of("instagram_text.json", "instagram_image.json", "instagram_story_reply.json", "instagram_story_mention.json",
        "instagram_echo.json", "instagram_reaction.json", "instagram_postback_icebreaker.json", "instagram_unsupported.json")) {
      post(f);
    }
    String textId = firstId("instagram_text.json", "message");
    assertThat(message(ig, textId).get("text")).isEqualTo("Is this jacket still available in M?");
    assertThat(message(ig, firstId("instagram_image.json", "message")).get("content_type")).isEqualTo("image");
    Map<String, Object> story = message(ig, firstId("instagram_story_reply.json", "message"));
    assertThat(story.get("content_type")).isEqualTo("story");
    assertThat(story.get("text")).isEqualTo("Love this colour 😍 how much?");
    assertThat(story.get("reply_to")).isEqualTo("18011111111111111");
    Map<String, Object> mention = message(ig, firstId("instagram_story_mention.json", "message"));
    assertThat(mention.get("content_type")).isEqualTo("story");
    assertThat(new JsonArray((String) mention.get("attachments")).getJsonObject(0).getString("type")).isEqualTo("story_mention");
    Map<String, Object> icebreaker = message(ig, firstId("instagram_postback_icebreaker.json", "postback"));
    assertThat(icebreaker.get("payload")).isEqualTo("ICEBREAKER_HOURS");
    assertThat(icebreaker.get("text")).isEqualTo("What are your opening hours?");
    Map<String, Object> unsupported = message(ig, firstId("instagram_unsupported.json", "message"));
    assertThat(unsupported.get("content_type")).isEqualTo("unsupported");
    assertThat(unsupported.get("raw")).isNotNull();

    String echoId = firstId("instagram_echo.json", "message");
    Map<String, Object> echo = message(ig, echoId);
    assertThat(echo.get("type")).isEqualTo("echo");
    assertThat(echo.get("conversation_id")).isEqualTo(conversationOf(ig, "1254477777772919"));
    Map<String, Object> reaction = Db.one(db, "SELECT * FROM messages WHERE channel_id = ? AND content_type = 'reaction' AND reply_to = ?", ig, echoId);
    assertThat(reaction.get("text")).isEqualTo("❤️");
    assertThat(reaction.get("deleted_at")).isNull();

    post("instagram_seen.json");
    assertThat(message(ig, echoId).get("status")).isEqualTo("read");
    post("instagram_reaction_unreact.json");
    assertThat(Db.one(db, "SELECT deleted_at FROM messages WHERE id = ?", reaction.get("id")).get("deleted_at")).isNotNull();
    long before = Db.count(db, "SELECT count(*) FROM messages WHERE channel_id = ?", ig);
    post("instagram_deleted.json");
    assertThat(message(ig, textId).get("deleted_at")).isNotNull();
    assertThat(Db.count(db, "SELECT count(*) FROM messages WHERE channel_id = ?", ig)).isEqualTo(before);
    assertThat(Db.count(db, "SELECT count(*) FROM contacts WHERE platform_user_id = ?", IG)).isZero();
  }

  @Test
  @DisplayName("an event for an unknown channel is answered 200 and kept as a dead letter with the reason")
  void unknownChannel() {
    String text = new String(Fixtures.bytes("whatsapp_text.json"), StandardCharsets.UTF_8)
        .replace(WA, "999000999000999").replace("wamid.GAsxNDE1NTU1MDEyMy10ZXh0LTAwMDE", "wamid.unknown-channel");
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    assertThat(http.signedWebhook("whatsapp", body).status()).isEqualTo(200);
    Db.drained(db);
    Map<String, Object> dl = Db.one(db, "SELECT * FROM dead_letters WHERE external_id = '999000999000999'");
    assertThat((String) dl.get("reason")).contains("unknown channel");
    assertThat((String) dl.get("payload")).contains("wamid.unknown-channel");
    assertThat(Db.count(db, "SELECT count(*) FROM messages WHERE external_id LIKE 'wamid.unknown-channel%'")).isZero();
    assertThat(Db.one(db, "SELECT status FROM raw_events WHERE id = ?", dl.get("raw_event_id")).get("status")).isEqualTo("done");
  }

  @Test
  @DisplayName("an event whose processing fails inside the transaction is marked failed alone; the rest of its batch is stored")
  void poisonFallsBackToOneByOne() {
    List<io.vertx.core.Future<?>> posts = new java.util.ArrayList<>();
    io.vertx.ext.web.client.WebClient client = io.vertx.ext.web.client.WebClient.create(node.vertx);
    try {
      for (int i = 0; i < 6; i++) {
        String text = i == 3 ? "poison pill" : "fine " + i;
        byte[] body = ("{\"object\":\"page\",\"entry\":[{\"id\":\"" + PAGE + "\",\"time\":1,\"messaging\":[{\"sender\":{\"id\":\"psid-poison\"},"
            + "\"recipient\":{\"id\":\"" + PAGE + "\"},\"timestamp\":1767612345000,\"message\":{\"mid\":\"m_poison_" + i + "\",\"text\":\"" + text + "\"}}]}]}")
            .getBytes(StandardCharsets.UTF_8);
        posts.add(client.postAbs(node.baseUrl() + "/webhooks/messenger").putHeader("X-Hub-Signature-256", Fixtures.sign(body))
            .sendBuffer(io.vertx.core.buffer.Buffer.buffer(body)).map(r -> {
              assertThat(r.statusCode()).isEqualTo(200);
              return r;
            }));
      }
      io.vertx.core.Future.all(posts).await();
    } finally {
      client.close();
    }
    Db.drained(db);
    assertThat(Db.count(db, "SELECT count(*) FROM messages WHERE external_id LIKE 'm_poison_%'")).isEqualTo(5);
    Map<String, Object> failed = Db.one(db, "SELECT error FROM raw_events WHERE status = 'failed' AND body LIKE '%poison pill%'");
    assertThat((String) failed.get("error")).contains("poison pill");
    Db.execute(db, "DELETE FROM raw_events WHERE status = 'failed'");
  }

  @Test
  @DisplayName("one item of a delivery that cannot be stored costs only itself: its neighbours in the same entry and in the next entry are stored and pushed")
  void oneBadItemNeverCostsItsNeighbours() {
    String run = java.util.UUID.randomUUID().toString().substring(0, 8);
    String event = "{\"sender\":{\"id\":\"psid-items-" + run + "\"},\"recipient\":{\"id\":\"" + PAGE + "\"},\"timestamp\":1767612345000,"
        + "\"message\":{\"mid\":\"m_items_" + run + "_%d\",\"text\":\"%s\"}}";
    // entry 1: the refused item between two good ones; entry 2: one good item
    byte[] body = ("{\"object\":\"page\",\"entry\":["
        + "{\"id\":\"" + PAGE + "\",\"time\":1,\"messaging\":[" + String.format(event, 1, "neighbour before") + ","
        + String.format(event, 2, "poison pill") + "," + String.format(event, 3, "neighbour after") + "]},"
        + "{\"id\":\"" + PAGE + "\",\"time\":1,\"messaging\":[" + String.format(event, 4, "next entry") + "]}]}")
        .getBytes(StandardCharsets.UTF_8);
    assertThat(http.signedWebhook("messenger", body).status()).isEqualTo(200);
    Db.drained(db);
    assertThat(Db.count(db, "SELECT count(*) FROM messages WHERE external_id LIKE 'm_items_" + run + "_%'")).isEqualTo(3);
    assertThat(Db.count(db, "SELECT count(*) FROM messages WHERE external_id = 'm_items_" + run + "_2'")).isZero();
    Map<String, Object> raw = Db.one(db, "SELECT status, error FROM raw_events WHERE body LIKE '%m_items_" + run + "%'");
    assertThat(raw.get("status")).isEqualTo("failed");
    assertThat((String) raw.get("error")).contains("1 of 4 items not stored").contains("item 2").contains("poison pill");
    // the stored ones went out as events, each once
    Db.eventually("the neighbours' message.created", () -> node.node.services().events().read(account.accountId(), null, 10_000).await().stream()
        .filter(e -> "message.created".equals(e.getString("type")))
        .map(e -> e.getJsonObject("data").getString("text"))
        .filter(t -> t != null && (t.startsWith("neighbour") || t.equals("next entry")))
        .sorted().toList().equals(List.of("neighbour after", "neighbour before", "next entry")));
    Db.execute(db, "DELETE FROM raw_events WHERE status = 'failed'");
  }

  @Test
  @DisplayName("JSON that cannot be normalised is kept raw and marked failed with the error, without blocking the events around it")
  void failedNormalisation() {
    byte[] bad = "{\"object\":\"page\",\"entry\":[{\"id\":\"1\"}]}".getBytes(StandardCharsets.UTF_8);
    byte[] bad2 = ("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":[{\"field\":\"messages\",\"value\":"
        + "{\"metadata\":{\"phone_number_id\":\"" + WA + "\"},\"messages\":[{\"id\":\"wamid.x\",\"timestamp\":\"1\",\"type\":\"text\"}]}}]}]}")
        .getBytes(StandardCharsets.UTF_8);
    assertThat(http.signedWebhook("whatsapp", bad).status()).isEqualTo(200);
    assertThat(http.signedWebhook("whatsapp", bad2).status()).isEqualTo(200);
    post("instagram_text.json");
    Db.drained(db);
    List<Map<String, Object>> failed = Db.rows(db, "SELECT body, error FROM raw_events WHERE status = 'failed' ORDER BY id");
    assertThat(failed).hasSize(2);
    assertThat((String) failed.get(0).get("error")).contains("whatsapp_business_account");
    assertThat((String) failed.get(1).get("error")).contains("from");
    assertThat(failed.get(0).get("body")).isEqualTo(new String(bad, StandardCharsets.UTF_8));
    assertThat(messages(ig, firstId("instagram_text.json", "message"))).isEqualTo(1);
    Db.execute(db, "DELETE FROM raw_events WHERE status = 'failed'");
  }
}
