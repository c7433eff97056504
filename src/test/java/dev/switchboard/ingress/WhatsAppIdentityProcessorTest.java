package dev.switchboard.ingress;

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

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * WhatsApp identities on a real node: customers without a phone, the same customer later with
 * phone and BSUID (one contact, one conversation), identity changes, statuses by BSUID. Each
 * test gives the samples' ids fresh values, so tests never see each other's contacts.
 */
@DisplayName("WhatsApp customers are keyed by BSUID else phone, merged when both show up, and moved when they change")
class WhatsAppIdentityProcessorTest {

  static final String WA = "118812345678901";
  static final String B = "US.8F3K2LQZ7WXC91HD0P5MTA";
  static final String B2 = "US.Q2W9E8R7T6Y5U4I3O2P1ZX";
  static final String PB = "US.ENT.77004512390812";
  static final String P = "14155550177";
  static final String P2 = "14155550188";

  static TestDb db;
  static TestNode node;
  static Http http;
  static Seed.Account account;
  static long wa;

  @RegisterExtension
  // the send pipeline never polls here: the tests seed outbound messages (some pending) only to apply statuses to them
  static final NodeExtension env = NodeExtension.builder().settings(new JsonObject().put("PROCESSOR_SWEEP_MS", 200)
          .put("OUTBOUND_POLL_MS", 3_600_000))
      .account("Ids").build();

  @BeforeAll
  static void start() {
    db = env.db();
    node = env.node();
    http = env.http();
    account = env.account();
    wa = Seed.channel(db, account.accountId(), "whatsapp", WA);
  }


  /** The ids of one test's customer: the samples' ids replaced by fresh ones. */
  record Person(String bsuid, String bsuid2, String phone, String phone2, String tag) {
    static Person fresh() {
      String t = UUID.randomUUID().toString().replace("-", "").substring(0, 10).toUpperCase();
      long n = Math.abs(UUID.randomUUID().getMostSignificantBits() % 1_000_000_000L);
      return new Person("US.A" + t, "US.Z" + t, "1415" + String.format("%09d", n), "1416" + String.format("%09d", n), t);
    }

    String body(String file) {
      String s = new String(Fixtures.bytes(file), StandardCharsets.UTF_8)
          .replace(B2, bsuid2).replace(B, bsuid).replace(P2, phone2).replace(P, phone);
      // message ids too: every test posts its own messages
      return s.replace("\"wamid.", "\"wamid." + tag + ".");
    }

    void post(String file) {
      byte[] bytes = body(file).getBytes(StandardCharsets.UTF_8);
      assertThat(http.signedWebhook("whatsapp", bytes).status()).as(file).isEqualTo(200);
      Db.drained(db);
    }

    String wamid(String file, String list) {
      return new JsonObject(body(file)).getJsonArray("entry").getJsonObject(0).getJsonArray("changes").getJsonObject(0)
          .getJsonObject("value").getJsonArray(list).getJsonObject(0).getString("id");
    }

    /** Every contact naming this person by any id. */
    java.util.List<Map<String, Object>> contacts() {
      return Db.rows(db, "SELECT * FROM contacts WHERE channel_id = ? AND (wa_id IN (?, ?) OR bsuid IN (?, ?) OR platform_user_id IN (?, ?, ?, ?))",
          wa, phone, phone2, bsuid, bsuid2, phone, phone2, bsuid, bsuid2);
    }

    Map<String, Object> contact() {
      java.util.List<Map<String, Object>> c = contacts();
      assertThat(c).as("contacts of " + this).hasSize(1);
      return c.get(0);
    }

    long conversations() {
      return Db.count(db, "SELECT count(*) FROM conversations WHERE contact_id IN (SELECT id FROM contacts WHERE channel_id = ? "
          + "AND (wa_id IN (?, ?) OR bsuid IN (?, ?)))", wa, phone, phone2, bsuid, bsuid2);
    }
  }

  static Map<String, Object> message(String externalId) {
    return Db.one(db, "SELECT * FROM messages WHERE channel_id = ? AND external_id = ?", wa, externalId);
  }

  /** A phone-only text from {@code who} (today's shape). */
  static void postPhoneOnly(Person who, String wamid) {
    String s = new String(Fixtures.bytes("whatsapp_text.json"), StandardCharsets.UTF_8)
        .replace("14155550123", who.phone()).replace("Dana Whitfield", "Robin by phone");
    JsonObject j = new JsonObject(s);
    j.getJsonArray("entry").getJsonObject(0).getJsonArray("changes").getJsonObject(0).getJsonObject("value")
        .getJsonArray("messages").getJsonObject(0).put("id", wamid);
    assertThat(http.signedWebhook("whatsapp", j.encode().getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(200);
    Db.drained(db);
  }

  @Test
  @DisplayName("a text from a username user (no phone) creates a contact keyed by the BSUID, its conversation and the message")
  void usernameOnly() {
    Person who = Person.fresh();
    who.post("whatsapp_text_username_only.json");
    Map<String, Object> c = who.contact();
    assertThat(c.get("platform_user_id")).isEqualTo(who.bsuid());
    assertThat(c.get("bsuid")).isEqualTo(who.bsuid());
    assertThat(c.get("wa_id")).isNull();
    assertThat(c.get("phone")).isNull();
    assertThat(c.get("username")).isEqualTo("robin_sails");
    assertThat(c.get("platform_name")).isEqualTo("Robin Sails");
    Map<String, Object> m = message(who.wamid("whatsapp_text_username_only.json", "messages"));
    assertThat(m.get("text")).isEqualTo("Hi, I saw your ad. Do you ship to Canada?");
    assertThat(Db.count(db, "SELECT contact_id FROM conversations WHERE id = ?", m.get("conversation_id"))).isEqualTo(c.get("id"));
    assertThat(Db.rows(db, "SELECT id FROM raw_events WHERE status = 'failed'")).isEmpty();
  }

  @Test
  @DisplayName("phone contact + BSUID contact, then a webhook with both: one contact, one conversation, every message, fields and labels kept")
  void phoneAndBsuidMerge() {
    Person who = Person.fresh();
    postPhoneOnly(who, "wamid." + who.tag() + ".phone-only");
    Map<String, Object> byPhone = who.contact();
    Seed.insert(db, "INSERT INTO contact_labels (contact_id, account_id, name) VALUES (?, ?, 'vip') RETURNING contact_id",
        byPhone.get("id"), account.accountId());
    Db.execute(db, "UPDATE contacts SET display_name = 'Robin (agent)' WHERE id = ?", byPhone.get("id"));
    Db.execute(db, "UPDATE conversations SET status = 'open' WHERE contact_id = ?", byPhone.get("id"));
    who.post("whatsapp_text_username_only.json");
    assertThat(who.contacts()).hasSize(2);
    Map<String, Object> byBsuid = Db.one(db, "SELECT * FROM contacts WHERE bsuid = ?", who.bsuid());
    Seed.insert(db, "INSERT INTO contact_fields (contact_id, account_id, name, value) VALUES (?, ?, 'order', '1042') RETURNING contact_id",
        byBsuid.get("id"), account.accountId());

    who.post("whatsapp_text_phone_and_user_id.json");

    Map<String, Object> c = who.contact();
    assertThat(c.get("id")).isEqualTo(byPhone.get("id"));
    assertThat(c.get("platform_user_id")).isEqualTo(who.bsuid());
    assertThat(c.get("bsuid")).isEqualTo(who.bsuid());
    assertThat(c.get("wa_id")).isEqualTo(who.phone());
    assertThat(c.get("phone")).isEqualTo(who.phone());
    assertThat(c.get("parent_bsuid")).isEqualTo(PB);
    assertThat(c.get("username")).isEqualTo("robin_sails");
    assertThat(c.get("display_name")).isEqualTo("Robin (agent)");
    assertThat(who.conversations()).isEqualTo(1);
    long conv = Db.count(db, "SELECT id FROM conversations WHERE contact_id = ?", c.get("id"));
    assertThat(Db.rows(db, "SELECT external_id FROM messages WHERE conversation_id = ? ORDER BY id", conv))
        .extracting(r -> r.get("external_id"))
        .containsExactlyInAnyOrder("wamid." + who.tag() + ".phone-only", who.wamid("whatsapp_text_username_only.json", "messages"),
            who.wamid("whatsapp_text_phone_and_user_id.json", "messages"));
    assertThat(Db.one(db, "SELECT status, unread_count FROM conversations WHERE id = ?", conv))
        .containsEntry("status", "open").containsEntry("unread_count", 3);
    assertThat(Db.count(db, "SELECT count(*) FROM contact_labels WHERE contact_id = ? AND name = 'vip'", c.get("id"))).isEqualTo(1);
    assertThat(Db.count(db, "SELECT count(*) FROM contact_fields WHERE contact_id = ? AND name = 'order'", c.get("id"))).isEqualTo(1);
    assertThat(Db.count(db, "SELECT count(*) FROM contacts WHERE id = ?", byBsuid.get("id"))).isZero();
    // the next phone-only message lands in the same conversation
    postPhoneOnly(who, "wamid." + who.tag() + ".phone-again");
    assertThat(message("wamid." + who.tag() + ".phone-again").get("conversation_id")).isEqualTo(conv);
    // and the inbox heard about the merged contact
    Db.eventually("contact.updated for the merged contact", () -> node.node.services().events().read(account.accountId(), null, 5000)
        .await().stream().anyMatch(e -> "contact.updated".equals(e.getString("type"))
            && who.bsuid().equals(e.getJsonObject("data").getString("userId"))));
    Db.eventually("conversation.merged naming the surviving conversation", () -> node.node.services().events()
        .read(account.accountId(), null, 5000).await().stream().anyMatch(e -> "conversation.merged".equals(e.getString("type"))
            && String.valueOf(conv).equals(e.getJsonObject("data").getString("into"))));
  }

  /** The person known twice, by phone (the older) and by BSUID: {phone contact, BSUID contact}, before a webhook naming both merges them. */
  static long[] twoContacts(Person who) {
    postPhoneOnly(who, "wamid." + who.tag() + ".by-phone");
    long byPhone = (Long) who.contact().get("id");
    who.post("whatsapp_text_username_only.json");
    return new long[] {byPhone, (Long) Db.one(db, "SELECT id FROM contacts WHERE bsuid = ?", who.bsuid()).get("id")};
  }

  /** Labels {@code prefix} + 000.. on a contact, numbers {@code from} to {@code to} (exclusive), in one statement. */
  static void labels(long contact, String prefix, int from, int to) {
    Db.execute(db, "INSERT INTO contact_labels (contact_id, account_id, name) SELECT ?, ?, ? || lpad(g::text, 3, '0') FROM generate_series(?, ?) g",
        contact, account.accountId(), prefix, from, to - 1);
  }

  /** The same names as fields, each with {@code value}. */
  static void fields(long contact, String prefix, int from, int to, String value) {
    Db.execute(db, "INSERT INTO contact_fields (contact_id, account_id, name, value) SELECT ?, ?, ? || lpad(g::text, 3, '0'), ? FROM generate_series(?, ?) g",
        contact, account.accountId(), prefix, value, from, to - 1);
  }

  @Test
  @DisplayName("a merge whose two contacts carry more than 100 labels or fields between them: the survivor's own kept, the other's added up to the limit in name order")
  void mergeKeepsTheLimits() {
    Person who = Person.fresh();
    long[] two = twoContacts(who);
    long byPhone = two[0];
    long byBsuid = two[1];
    // the survivor (the older, by phone): 70 labels and 70 fields; the other: 50 of each, 10 shared
    labels(byPhone, "own-", 0, 70);
    fields(byPhone, "own-", 0, 70, "survivor");
    labels(byBsuid, "own-", 60, 70);
    fields(byBsuid, "own-", 60, 70, "other");
    labels(byBsuid, "other-", 0, 40);
    fields(byBsuid, "other-", 0, 40, "other");

    who.post("whatsapp_text_phone_and_user_id.json");

    assertThat(who.contact().get("id")).isEqualTo(byPhone);
    assertThat(Db.count(db, "SELECT count(*) FROM contacts WHERE id = ?", byBsuid)).isZero();
    for (String table : new String[] {"contact_labels", "contact_fields"}) {
      List<Object> names = Db.rows(db, "SELECT name FROM " + table + " WHERE contact_id = ? ORDER BY name", byPhone).stream()
          .map(r -> r.get("name")).toList();
      assertThat(names).as(table + " of the merged contact").hasSize(100);
      // the survivor's 70, then the other's own in name order until 100: other-000 .. other-029
      assertThat(names.stream().filter(n -> ((String) n).startsWith("own-")).count()).as(table + ": the survivor's").isEqualTo(70);
      assertThat(names).as(table + ": the other's, in name order").contains("other-000", "other-029").doesNotContain("other-030", "other-039");
    }
    assertThat(Db.count(db, "SELECT count(*) FROM contact_fields WHERE contact_id = ? AND value = 'other' AND name LIKE 'own-%'", byPhone))
        .as("a field both had keeps the survivor's value").isZero();
    // and the limit still holds for what comes next: a label more is refused
    String token = node.node.services().tokens().issue(account.adminId(), account.accountId(), "admin", "Admin");
    assertThat(http.as(token).post("/api/v1/contacts/" + byPhone + "/labels", new JsonObject().put("name", "one-more")).status())
        .as("a 101st label").isEqualTo(422);
  }

  @Test
  @DisplayName("a merge waits for a label being added to the survivor at 99 labels, and counts it: 100, not 101")
  void mergeCountsALabelBeingAdded() throws Exception {
    Person who = Person.fresh();
    long[] two = twoContacts(who);
    long byPhone = two[0];
    long byBsuid = two[1];
    labels(byPhone, "kept-", 0, 99);
    labels(byBsuid, "extra-", 0, 5);
    // an agent's label add in flight, as the API makes it: the contact locked, the 100th label written, not committed
    try (java.sql.Connection c = db.connect()) {
      c.setAutoCommit(false);
      c.createStatement().execute("SELECT 1 FROM contacts WHERE id = " + byPhone + " FOR NO KEY UPDATE");
      c.createStatement().execute("INSERT INTO contact_labels (contact_id, account_id, name) VALUES (" + byPhone + ", "
          + account.accountId() + ", 'added-by-agent')");
      byte[] both = who.body("whatsapp_text_phone_and_user_id.json").getBytes(StandardCharsets.UTF_8);
      assertThat(http.signedWebhook("whatsapp", both).status()).isEqualTo(200);
      Db.eventually("the merge waiting for the contact's lock", () -> Db.count(db,
          "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()") >= 1);
      c.commit();
    }
    Db.drained(db);
    assertThat(who.contact().get("id")).isEqualTo(byPhone);
    List<Object> names = Db.rows(db, "SELECT name FROM contact_labels WHERE contact_id = ? ORDER BY name", byPhone).stream()
        .map(r -> r.get("name")).toList();
    assertThat(names).as("labels of the merged contact").hasSize(100).contains("added-by-agent", "kept-000", "kept-098");
  }

  /** Posts {@code first}, then {@code change}: the one contact afterwards, the same record as before. */
  static Map<String, Object> changed(Person who, String first, String change) {
    who.post(first);
    long id = (Long) who.contact().get("id");
    who.post(change);
    Map<String, Object> c = who.contact();
    assertThat(c.get("id")).isEqualTo(id);
    return c;
  }

  @Test
  @DisplayName("user_id_update moves the contact to its new BSUID, keeping its phone")
  void userIdUpdate() {
    Person who = Person.fresh();
    Map<String, Object> c = changed(who, "whatsapp_text_phone_and_user_id.json", "whatsapp_user_id_update.json");
    assertThat(c.get("bsuid")).isEqualTo(who.bsuid2());
    assertThat(c.get("platform_user_id")).isEqualTo(who.bsuid2());
    assertThat(c.get("wa_id")).isEqualTo(who.phone());
  }

  @Test
  @DisplayName("system user_changed_user_id: shown in the thread, the contact moves to the new BSUID (no second contact)")
  void systemChangedUserId() {
    Person who = Person.fresh();
    Map<String, Object> c = changed(who, "whatsapp_text_username_only.json", "whatsapp_system_user_changed_user_id.json");
    long conv = Db.count(db, "SELECT id FROM conversations WHERE contact_id = ?", c.get("id"));
    assertThat(c.get("bsuid")).isEqualTo(who.bsuid2());
    Map<String, Object> shown = message(who.wamid("whatsapp_system_user_changed_user_id.json", "messages"));
    assertThat(shown.get("content_type")).isEqualTo("system");
    assertThat(shown.get("conversation_id")).isEqualTo(conv);
    assertThat(who.conversations()).isEqualTo(1);
  }

  @Test
  @DisplayName("system user_changed_number: the contact takes the new phone, replies go there")
  void systemChangedNumber() {
    Person who = Person.fresh();
    Map<String, Object> c = changed(who, "whatsapp_text_phone_and_user_id.json", "whatsapp_system_user_changed_number.json");
    assertThat(c.get("wa_id")).isEqualTo(who.phone2());
    assertThat(c.get("phone")).isEqualTo(who.phone2());
    assertThat(message(who.wamid("whatsapp_system_user_changed_number.json", "messages")).get("text"))
        .isEqualTo("User Robin Sails changed from " + who.phone() + " to " + who.phone2());
  }

  @Test
  @DisplayName("an identity change for someone we never met creates nothing")
  void changeForStranger() {
    Person who = Person.fresh();
    who.post("whatsapp_user_id_update.json");
    assertThat(who.contacts()).isEmpty();
  }

  @Test
  @DisplayName("the answer to a contact-info request fills the phone, merging with the contact that phone already had")
  void contactRequestAnswer() {
    Person who = Person.fresh();
    postPhoneOnly(who, "wamid." + who.tag() + ".earlier");
    who.post("whatsapp_text_username_only.json");
    assertThat(who.contacts()).hasSize(2);
    who.post("whatsapp_contacts_contact_request.json");
    Map<String, Object> c = who.contact();
    assertThat(c.get("wa_id")).isEqualTo(who.phone());
    assertThat(c.get("bsuid")).isEqualTo(who.bsuid());
    assertThat(who.conversations()).isEqualTo(1);
  }

  static long seedOutbound(long conversation, String externalId, String status) {
    return Seed.insert(db, "INSERT INTO messages (account_id, conversation_id, channel_id, direction, type, content_type, text, "
        + "sender_type, status, external_id) VALUES (?, ?, ?, 'out', 'reply', 'text', 'our reply', 'agent', ?, ?) RETURNING id",
        account.accountId(), conversation, wa, status, externalId);
  }

  @Test
  @DisplayName("statuses with only recipient_user_id apply and store pricing; a failed one without recipient is found by wamid")
  void statuses() {
    Person who = Person.fresh();
    who.post("whatsapp_text_username_only.json");
    long conv = Db.count(db, "SELECT id FROM conversations WHERE contact_id = ?", who.contact().get("id"));
    String sentId = who.wamid("whatsapp_status_sent_user_id_only.json", "statuses");
    String failedId = who.wamid("whatsapp_status_failed_131049.json", "statuses");
    String stoppedId = who.wamid("whatsapp_status_failed_131050.json", "statuses");
    seedOutbound(conv, sentId, "pending");
    seedOutbound(conv, failedId, "sent");
    seedOutbound(conv, stoppedId, "sent");
    who.post("whatsapp_status_sent_user_id_only.json");
    Map<String, Object> sent = message(sentId);
    assertThat(sent.get("status")).isEqualTo("sent");
    assertThat(new JsonObject((String) sent.get("pricing"))).isEqualTo(new JsonObject().put("billable", false)
        .put("pricing_model", "PMP").put("type", "free_customer_service").put("category", "service"));
    who.post("whatsapp_status_failed_131049.json");
    Map<String, Object> failed = message(failedId);
    assertThat(failed.get("status")).isEqualTo("failed");
    assertThat(failed.get("error_code")).isEqualTo("131049");
    assertThat((String) failed.get("error_message")).startsWith("WhatsApp held back this marketing message")
        .contains("healthy ecosystem engagement");
    who.post("whatsapp_status_failed_131050.json");
    assertThat((String) message(stoppedId).get("error_message")).contains("stopped marketing messages");
    // the API shows the pricing in the message's details
    JsonArray items = http.as(login()).get("/api/v1/conversations/" + conv + "/messages").json().getJsonArray("items");
    JsonObject shown = items.stream().map(JsonObject.class::cast).filter(m -> sentId.equals(m.getString("externalId"))).findFirst().orElseThrow();
    assertThat(shown.getJsonObject("pricing").getString("category")).isEqualTo("service");
  }

  @Test
  @DisplayName("a status naming phone and BSUID links the phone contact to the BSUID; pricing with a new category is kept")
  void statusLinks() {
    Person who = Person.fresh();
    postPhoneOnly(who, "wamid." + who.tag() + ".before-link");
    long conv = Db.count(db, "SELECT id FROM conversations WHERE contact_id = ?", who.contact().get("id"));
    String id = who.wamid("whatsapp_status_delivered_pricing.json", "statuses");
    seedOutbound(conv, id, "sent");
    who.post("whatsapp_status_delivered_pricing.json");
    Map<String, Object> c = who.contact();
    assertThat(c.get("bsuid")).isEqualTo(who.bsuid());
    assertThat(c.get("parent_bsuid")).isEqualTo(PB);
    Map<String, Object> m = message(id);
    assertThat(m.get("status")).isEqualTo("delivered");
    assertThat(new JsonObject((String) m.get("pricing")).getString("category")).isEqualTo("marketing_lite");
  }

  @Test
  @DisplayName("a media message keeps the webhook's download url with its attachment")
  void mediaUrl() {
    Person who = Person.fresh();
    String body = who.body("whatsapp_image_url.json").replace("14155550166", who.phone());
    assertThat(http.signedWebhook("whatsapp", body.getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(200);
    Db.drained(db);
    String wamid = new JsonObject(body).getJsonArray("entry").getJsonObject(0).getJsonArray("changes").getJsonObject(0)
        .getJsonObject("value").getJsonArray("messages").getJsonObject(0).getString("id");
    JsonObject a = new JsonArray((String) message(wamid).get("attachments")).getJsonObject(0);
    assertThat(a.getString("url")).startsWith("https://lookaside.fbsbx.com/whatsapp_business/attachments/");
  }

  static String login() {
    return new dev.switchboard.common.Tokens(node.vertx, TestNode.JWT_SECRET).issue(account.adminId(), account.accountId(), "admin", "Admin");
  }

  @Test
  @DisplayName("a phone seen with another BSUID changed hands: it leaves the old contact, the new person gets a contact of their own")
  void phoneChangedHands() {
    Person first = Person.fresh();
    first.post("whatsapp_text_phone_and_user_id.json");
    long oldId = (Long) first.contact().get("id");
    Person next = new Person("US.N" + first.tag(), first.bsuid2(), first.phone(), first.phone2(), first.tag() + "N");
    next.post("whatsapp_text_phone_and_user_id.json");
    Map<String, Object> old = Db.one(db, "SELECT * FROM contacts WHERE id = ?", oldId);
    assertThat(old.get("wa_id")).isNull();
    assertThat(old.get("bsuid")).isEqualTo(first.bsuid());
    Map<String, Object> now = Db.one(db, "SELECT * FROM contacts WHERE bsuid = ?", next.bsuid());
    assertThat(now.get("wa_id")).isEqualTo(first.phone());
    assertThat(now.get("id")).isNotEqualTo(oldId);
  }

  @Test
  @DisplayName("\"Add new contact\" with the phone of a customer known by BSUID answers that contact, not a duplicate")
  void addByPhoneFindsBsuidContact() {
    Person who = Person.fresh();
    who.post("whatsapp_text_phone_and_user_id.json");
    long id = (Long) who.contact().get("id");
    io.vertx.core.json.JsonObject r = http.as(login()).post("/api/v1/contacts", new JsonObject()
        .put("channelId", String.valueOf(wa)).put("phone", "+" + who.phone())).json();
    assertThat(r.getJsonObject("contact").getString("id")).isEqualTo(String.valueOf(id));
    assertThat(r.getBoolean("created")).isFalse();
    assertThat(who.contacts()).hasSize(1);
  }

  @Test
  @DisplayName("Meta's 'sent' arriving after we recorded sent ourselves still stores its pricing; a later read without pricing keeps it")
  void pricingOnSentAlreadySent() {
    Person who = Person.fresh();
    who.post("whatsapp_text_username_only.json");
    long conv = Db.count(db, "SELECT id FROM conversations WHERE contact_id = ?", who.contact().get("id"));
    String id = who.wamid("whatsapp_status_sent_user_id_only.json", "statuses");
    seedOutbound(conv, id, "sent");
    who.post("whatsapp_status_sent_user_id_only.json");
    assertThat(new JsonObject((String) message(id).get("pricing")).getString("pricing_model")).isEqualTo("PMP");
    String read = who.body("whatsapp_status_sent_user_id_only.json").replace("\"sent\"", "\"read\"");
    JsonObject noPricing = new JsonObject(read);
    noPricing.getJsonArray("entry").getJsonObject(0).getJsonArray("changes").getJsonObject(0).getJsonObject("value")
        .getJsonArray("statuses").getJsonObject(0).remove("pricing");
    assertThat(http.signedWebhook("whatsapp", noPricing.encode().getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(200);
    Db.drained(db);
    Map<String, Object> m = message(id);
    assertThat(m.get("status")).isEqualTo("read");
    assertThat(new JsonObject((String) m.get("pricing")).getString("category")).isEqualTo("service");
  }
}
