package dev.switchboard.inbox;

import dev.switchboard.support.FakeGraph;
import dev.switchboard.support.Http;
import dev.switchboard.support.Seed;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Agents edit contacts, custom fields and labels, refresh platform names and add WhatsApp contacts")
class ContactApiTest extends InboxTestBase {

  static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");

  @Test
  @DisplayName("displayName, email and phone edits touch only their own column; platformName is never changed by an edit")
  void edit() {
    long ct = contact(a.accountId(), a.instagram(), "igsid-edit", null, "mina.okafor", null);
    conversation(a.accountId(), a.instagram(), ct, "closed", null, null, T0);
    String path = "/api/v1/contacts/" + ct;
    JsonObject c = a.agent().patch(path, new JsonObject().put("displayName", "  Mina (VIP)  ").put("unknown", 1)).json();
    assertThat(c.getString("displayName")).isEqualTo("Mina (VIP)");
    assertThat(c.getString("platformName")).isEqualTo("mina.okafor");
    assertThat(c.getValue("email")).isNull();
    assertThat(c.getString("conversationId")).isNotNull();

    c = a.agent().patch(path, new JsonObject().put("email", "mina@example.test").put("phone", "+44 20 7946 0958")).json();
    assertThat(c.getString("displayName")).isEqualTo("Mina (VIP)");
    assertThat(c.getString("email")).isEqualTo("mina@example.test");
    assertThat(c.getString("phone")).isEqualTo("442079460958");

    c = a.agent().patch(path, new JsonObject().putNull("email")).json();
    assertThat(c.getValue("email")).isNull();
    assertThat(c.getString("phone")).isEqualTo("442079460958");

    assertThat(a.agent().patch(path, new JsonObject().put("displayName", 42)).status()).isEqualTo(400);
    assertThat(a.agent().patch(path, new JsonObject().put("email", "not-an-email")).errorCode()).isEqualTo("invalid_email");
    assertThat(a.agent().patch(path, new JsonObject().put("phone", "call me")).errorCode()).isEqualTo("invalid_phone");
    assertThat(a.agent().get(path).json().getString("displayName")).isEqualTo("Mina (VIP)");

    assertThat(b.agent().get(path).status()).isEqualTo(404);
    assertThat(b.agent().patch(path, new JsonObject().put("displayName", "Stolen")).status()).isEqualTo(404);
    assertThat(a.agent().get(path).json().getString("displayName")).isEqualTo("Mina (VIP)");
    assertThat(a.agent().get("/api/v1/contacts/nope").status()).isEqualTo(404);

    List<JsonObject> events = events(a.accountId()).stream()
        .filter(e -> "contact.updated".equals(e.getString("type")) && String.valueOf(ct).equals(e.getJsonObject("data").getString("id"))).toList();
    assertThat(events).hasSize(3);
    assertThat(events.get(0).getJsonObject("data").getString("displayName")).isEqualTo("Mina (VIP)");
  }

  @Test
  @DisplayName("a contact's e-mail is at most 254 characters, as an agent's: a longer one is 422 invalid_email and the stored one stays")
  void emailIsBoundedAt254() {
    long ct = contact(a.accountId(), a.messenger(), "psid-email-bound", "Bound", null, null);
    conversation(a.accountId(), a.messenger(), ct, "open", null, null, T0);
    String path = "/api/v1/contacts/" + ct;
    String longest = "x".repeat(254 - "@example.test".length()) + "@example.test";
    Http.Res kept = a.agent().patch(path, new JsonObject().put("email", longest));
    assertThat(kept.status()).as(kept.text()).isEqualTo(200);
    assertThat(kept.json().getString("email")).hasSize(254);
    for (String tooLong : List.of("x" + longest, "x".repeat(500_000) + "@example.test")) {
      Http.Res r = a.agent().patch(path, new JsonObject().put("email", tooLong).put("displayName", "Changed"));
      assertThat(r.status()).as(r.text()).isEqualTo(422);
      assertThat(r.errorCode()).isEqualTo("invalid_email");
      assertThat(r.json().getJsonObject("error").getString("message")).contains("254");
    }
    // nothing of the refused edits is stored, the display name beside the e-mail included
    assertThat(Seed.scalar(db, "SELECT length(email) FROM contacts WHERE id = ?", ct)).isEqualTo(254L);
    assertThat(a.agent().get(path).json().getString("displayName")).isEqualTo("Bound");
  }

  @Test
  @DisplayName("refresh-name asks the Graph API with the channel's token: Messenger first+last, Instagram name else username; WhatsApp 422; Graph errors 502")
  void refreshName() {
    long fb = contact(a.accountId(), a.messenger(), "7423918830164025", "My name for Peter", "Old Name", null);
    long ig = contact(a.accountId(), a.instagram(), "1254477777772919", null, null, null);
    long wa = contact(a.accountId(), a.whatsapp(), "4915111111111", null, "Wa Name", "4915111111111");
    graph.reset();
    graph.enqueue("GET", "/7423918830164025", FakeGraph.Answer.ok("profile_response_messenger.json"));
    JsonObject c = a.agent().post("/api/v1/contacts/" + fb + "/refresh-name", null).json();
    assertThat(c.getString("platformName")).isEqualTo("Peter Chang");
    assertThat(c.getString("displayName")).as("the business's own name is kept").isEqualTo("My name for Peter");
    FakeGraph.Call call = graph.calls("GET", "/7423918830164025").get(0);
    assertThat(call.query()).contains("fields=first_name%2Clast_name%2Cprofile_pic");
    String token = AdminApiTest.stringScalar("SELECT access_token FROM channels WHERE id = " + a.messenger());
    assertThat(call.headers().get("authorization")).isEqualTo("Bearer " + token);

    graph.enqueue("GET", "/1254477777772919", FakeGraph.Answer.ok("profile_response_instagram.json"));
    assertThat(a.agent().post("/api/v1/contacts/" + ig + "/refresh-name", null).json().getString("platformName")).isEqualTo("Mina Okafor");
    assertThat(graph.calls("GET", "/1254477777772919").get(0).query()).contains("fields=name%2Cusername%2Cprofile_pic");
    graph.enqueue("GET", "/1254477777772919", FakeGraph.Answer.json(200, new JsonObject().put("username", "mina.o").put("id", "1254477777772919")));
    assertThat(a.agent().post("/api/v1/contacts/" + ig + "/refresh-name", null).json().getString("platformName")).isEqualTo("mina.o");

    Http.Res whatsapp = a.agent().post("/api/v1/contacts/" + wa + "/refresh-name", null);
    assertThat(whatsapp.status()).isEqualTo(422);

    graph.enqueue("GET", "/7423918830164025", FakeGraph.Answer.fixture(400, "error_graph_190_463_token_expired.json"));
    Http.Res expired = a.agent().post("/api/v1/contacts/" + fb + "/refresh-name", null);
    assertThat(expired.status()).isEqualTo(502);
    assertThat(expired.json().getJsonObject("error").getString("message")).startsWith("Error validating access token");
    graph.enqueue("GET", "/7423918830164025", FakeGraph.Answer.fixture(400, "error_messenger_551_1545041_unavailable.json"));
    Http.Res gone = a.agent().post("/api/v1/contacts/" + fb + "/refresh-name", null);
    assertThat(gone.status()).isEqualTo(502);
    assertThat(gone.json().getJsonObject("error").getString("message")).contains("isn't available right now");
    assertThat(a.agent().get("/api/v1/contacts/" + fb).json().getString("platformName")).isEqualTo("Peter Chang");

    int before = graph.calls().size();
    assertThat(b.agent().post("/api/v1/contacts/" + fb + "/refresh-name", null).status()).isEqualTo(404);
    assertThat(graph.calls()).hasSize(before);
  }

  @Test
  @DisplayName("custom fields: trimmed, case-preserving names unique per contact, string values; labels idempotent; the account lists every name")
  void fieldsAndLabels() {
    long ct = contact(a.accountId(), a.whatsapp(), "4916000000001", "Fields", null, null);
    long other = contact(a.accountId(), a.messenger(), "psid-fields", "Other", null, null);
    String path = "/api/v1/contacts/" + ct;
    JsonObject c = a.agent().put(path + "/fields/%20Order%20num%20", new JsonObject().put("value", "23425124")).json();
    assertThat(c.getJsonObject("fields")).isEqualTo(new JsonObject().put("Order num", "23425124"));
    c = a.agent().put(path + "/fields/Order%20num", new JsonObject().put("value", "99")).json();
    assertThat(c.getJsonObject("fields")).isEqualTo(new JsonObject().put("Order num", "99"));
    c = a.agent().put(path + "/fields/membership", new JsonObject().put("value", "diamond")).json();
    assertThat(c.getJsonObject("fields").size()).isEqualTo(2);
    a.agent().put("/api/v1/contacts/" + other + "/fields/Membership", new JsonObject().put("value", "gold"));
    assertThat(a.agent().put(path + "/fields/x", new JsonObject().put("value", 5)).status()).isEqualTo(400);
    assertThat(a.agent().put(path + "/fields/x", new JsonObject()).status()).isEqualTo(400);
    assertThat(a.agent().put(path + "/fields/%20%20", new JsonObject().put("value", "v")).status()).isEqualTo(422);
    assertThat(a.agent().put(path + "/fields/%7B%7Bx%7D%7D", new JsonObject().put("value", "v")).status()).isEqualTo(422);
    assertThat(b.agent().put(path + "/fields/hack", new JsonObject().put("value", "v")).status()).isEqualTo(404);

    assertThat(a.agent().get("/api/v1/fields").items()).containsExactly("Membership", "Order num", "membership");
    assertThat(b.agent().get("/api/v1/fields").items()).doesNotContain("membership");

    c = a.agent().delete(path + "/fields/Order%20num").json();
    assertThat(c.getJsonObject("fields")).isEqualTo(new JsonObject().put("membership", "diamond"));
    assertThat(a.agent().delete(path + "/fields/Order%20num").status()).isEqualTo(200);
    assertThat(b.agent().delete(path + "/fields/membership").status()).isEqualTo(404);

    c = a.agent().post(path + "/labels", new JsonObject().put("name", " vip ")).json();
    assertThat(c.getJsonArray("labels")).containsExactly("vip");
    c = a.agent().post(path + "/labels", new JsonObject().put("name", "vip")).json();
    assertThat(c.getJsonArray("labels")).containsExactly("vip");
    a.agent().post(path + "/labels", new JsonObject().put("name", "Returning"));
    a.agent().post("/api/v1/contacts/" + other + "/labels", new JsonObject().put("name", "wholesale"));
    assertThat(a.agent().post(path + "/labels", new JsonObject().put("name", 7)).status()).isEqualTo(400);
    assertThat(b.agent().post(path + "/labels", new JsonObject().put("name", "x")).status()).isEqualTo(404);
    assertThat(a.agent().get("/api/v1/labels").items()).containsExactly("Returning", "vip", "wholesale");
    assertThat(b.agent().get("/api/v1/labels").items()).isEmpty();
    c = a.agent().delete(path + "/labels/vip").json();
    assertThat(c.getJsonArray("labels")).containsExactly("Returning");
    assertThat(a.agent().delete(path + "/labels/vip").status()).isEqualTo(200);
    assertThat(b.agent().delete(path + "/labels/Returning").status()).isEqualTo(404);
    assertThat(a.agent().get(path).json().getJsonArray("labels")).containsExactly("Returning");
  }

  @Test
  @DisplayName("POST /contacts normalises the phone to wa_id digits, creates a Closed conversation once, and answers the existing one after")
  void createWhatsAppContact() {
    Http.Res r = a.agent().post("/api/v1/contacts", new JsonObject().put("channelId", id(a.whatsapp()))
        .put("phone", "+1 (415) 555-0123").put("displayName", "Lee"));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    JsonObject contact = r.json().getJsonObject("contact");
    assertThat(contact.getString("platformUserId")).isEqualTo("14155550123");
    assertThat(contact.getString("phone")).isEqualTo("14155550123");
    assertThat(contact.getString("displayName")).isEqualTo("Lee");
    String conv = r.json().getString("conversationId");
    JsonObject conversation = a.agent().get("/api/v1/conversations/" + conv).json();
    assertThat(conversation.getString("status")).isEqualTo("closed");
    assertThat(conversation.getJsonObject("contact").getString("id")).isEqualTo(contact.getString("id"));

    Http.Res again = a.agent().post("/api/v1/contacts", new JsonObject().put("channelId", a.whatsapp()).put("phone", "001-415-555-0123"));
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().getString("conversationId")).isEqualTo(conv);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM contacts WHERE platform_user_id = '14155550123'")).isEqualTo(1);

    assertThat(a.agent().post("/api/v1/contacts", new JsonObject().put("channelId", id(a.messenger())).put("phone", "+14155550123")).errorCode())
        .isEqualTo("whatsapp_only");
    assertThat(a.agent().post("/api/v1/contacts", new JsonObject().put("channelId", id(a.whatsapp())).put("phone", "555-0123")).errorCode())
        .isEqualTo("invalid_phone");
    // digits alone do not say where the country code ends: refused with the hint, nothing stored
    Http.Res bare = a.agent().post("/api/v1/contacts", new JsonObject().put("channelId", id(a.whatsapp())).put("phone", "4155550999"));
    assertThat(bare.status()).isEqualTo(422);
    assertThat(bare.errorCode()).isEqualTo("invalid_phone");
    assertThat(bare.json().getJsonObject("error").getString("message")).contains("country code").contains("+");
    assertThat(Seed.scalar(db, "SELECT count(*) FROM contacts WHERE platform_user_id = '4155550999'")).isZero();
    assertThat(a.agent().post("/api/v1/contacts", new JsonObject().put("channelId", id(a.whatsapp())).put("phone", 14155550123L)).status())
        .isEqualTo(400);
    assertThat(a.agent().post("/api/v1/contacts", new JsonObject().put("phone", "+14155550123")).status()).isEqualTo(400);
    assertThat(b.agent().post("/api/v1/contacts", new JsonObject().put("channelId", id(a.whatsapp())).put("phone", "+14155550199")).status())
        .isEqualTo(404);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM contacts WHERE platform_user_id = '14155550199'")).isZero();
    assertThat(events(a.accountId()).stream().anyMatch(e -> "conversation.created".equals(e.getString("type")) && conv.equals(e.getString("conversationId"))))
        .isTrue();
  }

  @Test
  @DisplayName("saved replies: create, list, edit, delete per account, with the placeholders they use")
  void savedReplies() {
    long holder = contact(a.accountId(), a.whatsapp(), "fields-holder", "Holder", null, null);
    Seed.insert(db, "INSERT INTO contact_fields (contact_id, account_id, name, value) VALUES (?, ?, 'membership', 'gold'), (?, ?, 'tier', '2') RETURNING 1",
        holder, a.accountId(), holder, a.accountId());
    // a field no contact has is a typo found now, not when an agent sends the reply
    Http.Res typo = a.agent().post("/api/v1/saved-replies", new JsonObject().put("title", "Typo").put("content", "Hi {{membership}}, {{membrship}}"));
    assertThat(typo.status()).isEqualTo(422);
    assertThat(typo.errorCode()).isEqualTo("unknown_field");
    assertThat(typo.json().getJsonObject("error").getString("message")).contains("{{membrship}}").doesNotContain("{{membership}}");
    // field names are the account's own: B has no "membership"
    assertThat(b.agent().post("/api/v1/saved-replies", new JsonObject().put("title", "M").put("content", "{{membership}}")).errorCode())
        .isEqualTo("unknown_field");
    Http.Res created = a.agent().post("/api/v1/saved-replies", new JsonObject().put("title", "Membership").put("content", "Hi! You are {{ membership }}."));
    assertThat(created.status()).isEqualTo(201);
    JsonObject reply = created.json();
    assertThat(reply.getString("title")).isEqualTo("Membership");
    assertThat(reply.getJsonArray("fields")).containsExactly("membership");
    String path = "/api/v1/saved-replies/" + reply.getString("id");
    assertThat(a.admin().get("/api/v1/saved-replies").items().stream().map(o -> ((JsonObject) o).getString("id"))).contains(reply.getString("id"));
    assertThat(b.agent().get("/api/v1/saved-replies").items()).isEmpty();

    JsonObject edited = a.agent().put(path, new JsonObject().put("title", "Tier").put("content", "Your tier: {{tier}}")).json();
    assertThat(edited.getString("content")).isEqualTo("Your tier: {{tier}}");
    assertThat(a.agent().put(path, new JsonObject().put("title", "Tier").put("content", "Your tier: {{tire}}")).errorCode()).isEqualTo("unknown_field");
    assertThat(b.agent().put(path, new JsonObject().put("title", "x").put("content", "y")).status()).isEqualTo(404);
    assertThat(b.agent().delete(path).status()).isEqualTo(404);
    assertThat(b.agent().get(path).status()).isEqualTo(404);
    assertThat(a.agent().put(path, new JsonObject().put("title", "x")).status()).isEqualTo(400);
    assertThat(a.agent().post("/api/v1/saved-replies", new JsonObject().put("title", List.of()).put("content", "c")).status()).isEqualTo(400);
    assertThat(a.agent().get(path).json().getString("title")).isEqualTo("Tier");

    assertThat(a.agent().delete(path).status()).isEqualTo(204);
    assertThat(a.agent().get(path).status()).isEqualTo(404);
    assertThat(a.agent().delete(path).status()).isEqualTo(404);
    assertThat(a.agent().get("/api/v1/saved-replies/x").status()).isEqualTo(404);
  }

  @Test
  @DisplayName("search finds conversations by phone in any formatting, by accent- and case-insensitive name, and by platform user id, only in the caller's account")
  void search() {
    long waContact = contact(a.accountId(), a.whatsapp(), "5511987654321", "José Álvarez", "Jose A.", "5511987654321");
    long waConv = conversation(a.accountId(), a.whatsapp(), waContact, "open", null, null, T0);
    long plusContact = contact(a.accountId(), a.whatsapp(), "4477009001234", null, "Zoë Müller", "+4477009001234");
    long plusConv = conversation(a.accountId(), a.whatsapp(), plusContact, "closed", null, null, T0.plusSeconds(5));
    long fbContact = contact(a.accountId(), a.messenger(), "7423918830164099", "Peter 100%_done", "Peter Chang", null);
    long fbConv = conversation(a.accountId(), a.messenger(), fbContact, "closed", null, null, T0.plusSeconds(2));
    long igContact = contact(a.accountId(), a.instagram(), "17841400000000001", null, "mina.okafor", null);
    long igConv = conversation(a.accountId(), a.instagram(), igContact, "closed", null, null, T0.plusSeconds(1));
    long foreign = contact(b.accountId(), b.whatsapp(), "5511987654321", "José Álvarez", null, "5511987654321");
    conversation(b.accountId(), b.whatsapp(), foreign, "open", null, null, T0);

    for (String q : new String[] {"+55 11 98765-4321", "5511987654321", "+55 (11) 98765 4321", "0055 11 987654321"}) {
      assertThat(found(a.agent(), q)).as(q).containsExactly(id(waConv));
    }
    assertThat(found(a.agent(), "+44 7700 900 1234")).containsExactly(id(plusConv));
    assertThat(found(a.agent(), "jose")).containsExactly(id(waConv));
    assertThat(found(a.agent(), "ÁLVAR")).containsExactly(id(waConv));
    assertThat(found(a.agent(), "zoe mull")).containsExactly(id(plusConv));
    assertThat(found(a.agent(), "chang")).containsExactly(id(fbConv));
    assertThat(found(a.agent(), "100%_")).containsExactly(id(fbConv));
    assertThat(found(a.agent(), "%")).as("% is a character, not a wildcard").containsExactly(id(fbConv));
    assertThat(found(a.agent(), "z_e")).as("_ is a character, not a wildcard").isEmpty();
    assertThat(found(a.agent(), "7423918830164099")).containsExactly(id(fbConv));
    assertThat(found(a.agent(), "17841400000000001")).containsExactly(id(igConv));
    assertThat(found(a.agent(), "MINA.OK")).containsExactly(id(igConv));
    assertThat(found(a.agent(), "nobody here")).isEmpty();
    // no three letters in a row: no trigram to look up, so the most recent conversations are searched
    assertThat(found(a.agent(), "jo")).contains(id(waConv)).doesNotContain(id(plusConv), id(fbConv), id(igConv));
    assertThat(found(a.agent(), "ZÖ")).contains(id(plusConv)).doesNotContain(id(waConv));
    assertThat(found(a.agent(), "a.")).contains(id(waConv), id(igConv)).doesNotContain(id(fbConv));
    assertThat(found(b.agent(), "jo")).doesNotContain(id(waConv));
    assertThat(found(a.agent(), "alvarez jose")).as("a match never spans the display and the platform name").isEmpty();
    // the folded names are kept by PostgreSQL (a generated column): a renamed contact is found by its new name at once
    assertThat(a.agent().patch("/api/v1/contacts/" + waContact, new JsonObject().put("displayName", "Beatriz Nóvoa")).status()).isEqualTo(200);
    assertThat(found(a.agent(), "novoa")).containsExactly(id(waConv));
    assertThat(found(a.agent(), "ÁLVAR")).as("the old display name no longer matches").isEmpty();
    assertThat(found(a.agent(), "jose a")).as("the platform name is untouched by the edit").containsExactly(id(waConv));

    JsonArray items = a.agent().get("/api/v1/search?q=jose").items();
    assertThat(items.getJsonObject(0).getJsonObject("contact").getString("displayName")).isEqualTo("Beatriz Nóvoa");
    assertThat(found(b.agent(), "chang")).isEmpty();
    assertThat(found(b.agent(), "5511987654321")).hasSize(1).doesNotContain(id(waConv));
    assertThat(a.agent().get("/api/v1/search").status()).isEqualTo(400);
    assertThat(a.agent().get("/api/v1/search?q=%20").status()).isEqualTo(400);
  }

  static List<String> found(Http h, String q) {
    Http.Res r = h.get("/api/v1/search?q=" + java.net.URLEncoder.encode(q, java.nio.charset.StandardCharsets.UTF_8));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.items().stream().map(o -> ((JsonObject) o).getString("id")).toList();
  }
}
