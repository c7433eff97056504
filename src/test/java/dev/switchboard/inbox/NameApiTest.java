package dev.switchboard.inbox;

import dev.switchboard.support.Http;
import dev.switchboard.support.Seed;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Admins define label and field names ahead of use, and rename, merge and delete them on every contact, in one transaction with one event")
class NameApiTest extends InboxTestBase {

  static long contactWith(Party p, String id) {
    return contact(p.accountId(), p.whatsapp(), id, null, null, null);
  }

  static void label(long contactId, long accountId, String name) {
    Seed.exec(db, "INSERT INTO contact_labels (contact_id, account_id, name) VALUES (?, ?, ?)", contactId, accountId, name);
  }

  static List<String> labels(long contactId) {
    return Seed.strings(db, "SELECT name FROM contact_labels WHERE contact_id = ? ORDER BY name", contactId);
  }

  /** A marker in the account's log; the names.changed events after it. */
  static String marker(Party p) {
    // the newest id the relay wrote: an event appended around it would not move the partition's
    // restart mark, and a cursor past that mark reads as gone
    return node.node.services().events().newestId(p.accountId()).await();
  }

  static List<JsonObject> namesChanged(Party p, String after) {
    JsonArray items = p.admin().get("/api/v1/events?after=" + after).items();
    return items.stream().map(o -> (JsonObject) o).filter(e -> "names.changed".equals(e.getString("type"))).toList();
  }

  @Test
  @DisplayName("a label renamed into one in use merges: contacts with both keep one, the account's spelling wins, usage counts follow, one event")
  void mergeLabels() {
    long one = contactWith(a, "nm-1");
    long two = contactWith(a, "nm-2");
    long three = contactWith(a, "nm-3");
    long other = contactWith(b, "nm-b");
    label(one, a.accountId(), "Gold");
    label(two, a.accountId(), "Gold");
    label(two, a.accountId(), "VIP");
    label(three, a.accountId(), "VIP");
    label(other, b.accountId(), "Gold");
    String mark = marker(a);

    JsonObject r = a.admin().patch("/api/v1/labels/gold", new JsonObject().put("name", "vip")).json();
    assertThat(r.getString("name")).as("the account's spelling of the target").isEqualTo("VIP");
    assertThat(r.getBoolean("merged")).isTrue();
    assertThat(r.getInteger("contacts")).isEqualTo(2);
    assertThat(labels(one)).containsExactly("VIP");
    assertThat(labels(two)).containsExactly("VIP");
    assertThat(labels(three)).containsExactly("VIP");
    assertThat(labels(other)).as("another account's label").containsExactly("Gold");

    JsonArray usage = a.admin().get("/api/v1/labels/usage").items();
    assertThat(usage.stream().map(o -> (JsonObject) o).filter(u -> u.getString("name").equals("VIP")).findFirst().orElseThrow().getLong("contacts")).isEqualTo(3L);
    assertThat(usage.stream().map(o -> ((JsonObject) o).getString("name"))).doesNotContain("Gold");

    List<JsonObject> events = namesChanged(a, mark);
    assertThat(events).hasSize(1);
    assertThat(events.get(0).getJsonObject("data").getMap()).containsEntry("kind", "label").containsEntry("from", "gold").containsEntry("to", "VIP");
    assertThat(namesChanged(b, marker(b))).isEmpty();
  }

  @Test
  @DisplayName("a label is respelled, then deleted from every contact; an unknown name is 404")
  void respellAndDeleteLabel() {
    long one = contactWith(a, "nd-1");
    label(one, a.accountId(), "late payer");
    JsonObject r = a.admin().patch("/api/v1/labels/late%20payer", new JsonObject().put("name", "Late payer")).json();
    assertThat(r.getBoolean("merged")).isFalse();
    assertThat(labels(one)).containsExactly("Late payer");
    assertThat(a.admin().delete("/api/v1/labels/LATE%20PAYER").json().getInteger("contacts")).isEqualTo(1);
    assertThat(labels(one)).isEmpty();
    assertThat(a.admin().delete("/api/v1/labels/late%20payer").status()).isEqualTo(404);
    assertThat(a.admin().patch("/api/v1/labels/nobody-has-this", new JsonObject().put("name", "x")).status()).isEqualTo(404);
  }

  static JsonObject flow(String name, JsonArray actions) {
    return new JsonObject().put("name", name).put("enabled", true)
        .put("trigger", new JsonObject().put("type", "keyword").put("keywords", new JsonArray().add(name.toLowerCase())))
        .put("actions", actions);
  }

  static JsonObject action(String type, String key, String value) {
    return new JsonObject().put("type", type).put(key, value);
  }

  static List<JsonObject> settingsChanged(Party p, String after) {
    JsonArray items = p.admin().get("/api/v1/events?after=" + after).items();
    return items.stream().map(o -> (JsonObject) o).filter(e -> "settings.changed".equals(e.getString("type")))
        .map(e -> e.getJsonObject("data")).toList();
  }

  @Test
  @DisplayName("a renamed label or field is renamed inside the account's flows and saved replies too (placeholders, label and field actions), "
      + "in the same change, one settings.changed each; other names and other accounts' are untouched")
  void renamesReachFlowsAndSavedReplies() {
    long one = contactWith(a, "nr-1");
    long other = contactWith(b, "nr-b");
    label(one, a.accountId(), "Prospect");
    label(other, b.accountId(), "Prospect");
    Seed.exec(db, "INSERT INTO contact_fields (contact_id, account_id, name, value) VALUES (?, ?, 'carrier', 'DHL'), (?, ?, 'city', 'Oslo'), (?, ?, 'carrier', 'UPS')",
        one, a.accountId(), one, a.accountId(), other, b.accountId());
    JsonObject tagging = a.admin().post("/api/v1/flows", flow("Tagging", new JsonArray()
        .add(action("label", "name", "prospect"))
        .add(new JsonObject().put("type", "field").put("name", "carrier").put("value", "unknown"))
        .add(action("reply", "text", "Shipping with {{ carrier }} to {{city}}, {{carrier}}.")))).json();
    JsonObject untouched = a.admin().post("/api/v1/flows", flow("Hours", new JsonArray()
        .add(action("reply", "text", "We open at 9 in {{city}}.")))).json();
    JsonObject otherFlow = b.admin().post("/api/v1/flows", flow("Tagging", new JsonArray()
        .add(action("label", "name", "Prospect")).add(action("reply", "text", "By {{carrier}}")))).json();
    JsonObject reply = a.admin().post("/api/v1/saved-replies", new JsonObject().put("title", "Where").put("content", "Your {{carrier}} parcel, {{city}}")).json();
    JsonObject plain = a.admin().post("/api/v1/saved-replies", new JsonObject().put("title", "Hi").put("content", "Hello {{city}}")).json();
    JsonObject otherReply = b.admin().post("/api/v1/saved-replies", new JsonObject().put("title", "Where").put("content", "{{carrier}}")).json();
    String mark = marker(a);

    JsonObject r = a.admin().patch("/api/v1/fields/carrier", new JsonObject().put("name", "courier")).json();
    assertThat(r.getInteger("flows")).isEqualTo(1);
    assertThat(r.getInteger("savedReplies")).isEqualTo(1);
    JsonArray actions = a.admin().get("/api/v1/flows/" + tagging.getString("id")).json().getJsonArray("actions");
    assertThat(actions.getJsonObject(1).getString("name")).isEqualTo("courier");
    assertThat(actions.getJsonObject(2).getString("text")).isEqualTo("Shipping with {{courier}} to {{city}}, {{courier}}.");
    assertThat(actions.getJsonObject(0).getString("name")).as("a label action is not a field").isEqualTo("prospect");
    assertThat(a.admin().get("/api/v1/saved-replies/" + reply.getString("id")).json().getString("content")).isEqualTo("Your {{courier}} parcel, {{city}}");
    assertThat(a.admin().get("/api/v1/saved-replies/" + plain.getString("id")).json().getString("content")).isEqualTo("Hello {{city}}");
    assertThat(b.admin().get("/api/v1/flows/" + otherFlow.getString("id")).json().getJsonArray("actions").getJsonObject(1).getString("text"))
        .as("another account's flow").isEqualTo("By {{carrier}}");
    assertThat(b.admin().get("/api/v1/saved-replies/" + otherReply.getString("id")).json().getString("content")).isEqualTo("{{carrier}}");
    assertThat(settingsChanged(a, mark)).extracting(d -> d.getString("section") + ":" + d.getString("id"))
        .containsExactlyInAnyOrder("flows:" + tagging.getString("id"), "saved-replies:" + reply.getString("id"));
    assertThat(a.admin().get("/api/v1/flows/" + untouched.getString("id")).json().getString("updatedAt"))
        .as("a flow that names neither is not written").isEqualTo(untouched.getString("updatedAt"));

    // a label is one whatever its case: the flow's "prospect" follows "Prospect" into a merge
    label(one, a.accountId(), "Lead");
    String mark2 = marker(a);
    JsonObject l = a.admin().patch("/api/v1/labels/Prospect", new JsonObject().put("name", "lead")).json();
    assertThat(l.getBoolean("merged")).isTrue();
    assertThat(l.getInteger("flows")).isEqualTo(1);
    assertThat(l.getInteger("savedReplies")).isZero();
    assertThat(a.admin().get("/api/v1/flows/" + tagging.getString("id")).json().getJsonArray("actions").getJsonObject(0).getString("name"))
        .isEqualTo("Lead");
    assertThat(b.admin().get("/api/v1/flows/" + otherFlow.getString("id")).json().getJsonArray("actions").getJsonObject(0).getString("name"))
        .isEqualTo("Prospect");
    assertThat(settingsChanged(a, mark2)).extracting(d -> d.getString("section") + ":" + d.getString("id"))
        .containsExactly("flows:" + tagging.getString("id"));
  }

  @Test
  @DisplayName("a rename that would push a flow's reply past its limit is refused whole, naming the flow; a stored flow the bot cannot read does not stop a rename")
  void renamesThatWouldBreakAFlow() {
    long one = contactWith(a, "nb-1");
    Seed.exec(db, "INSERT INTO contact_fields (contact_id, account_id, name, value) VALUES (?, ?, 'ref', 'R-1'), (?, ?, 'code', 'C-1')",
        one, a.accountId(), one, a.accountId());
    String text = "{{ref}} " + "x".repeat(1_015);
    Http.Res flow = a.admin().post("/api/v1/flows", flow("Buttons", new JsonArray().add(action("reply", "text", text)
        .put("quickReplies", new JsonArray().add("Yes")))));
    assertThat(flow.status()).as(flow.text()).isEqualTo(201);
    // written by an older version, or by hand: the bot skips it, a rename must too
    Seed.exec(db, "INSERT INTO flows (account_id, position, name, trigger, actions) VALUES (?, 99, 'Old', '{\"type\":\"any\"}', "
        + "'[{\"type\":\"teleport\",\"text\":\"{{code}}\"}]')", a.accountId());

    Http.Res refused = a.admin().patch("/api/v1/fields/ref", new JsonObject().put("name", "customer reference number"));
    assertThat(refused.status()).as(refused.text()).isEqualTo(422);
    assertThat(refused.errorCode()).isEqualTo("rename_refused");
    assertThat(refused.text()).contains("Buttons");
    assertThat(Seed.strings(db, "SELECT name FROM contact_fields WHERE contact_id = ? ORDER BY name", one)).as("nothing renamed").containsExactly("code", "ref");
    assertThat(a.admin().get("/api/v1/flows/" + flow.json().getString("id")).json().getJsonArray("actions").getJsonObject(0).getString("text"))
        .isEqualTo(text);

    Http.Res renamed = a.admin().patch("/api/v1/fields/code", new JsonObject().put("name", "promo"));
    assertThat(renamed.status()).as(renamed.text()).isEqualTo(200);
    assertThat(renamed.json().getInteger("flows")).isZero();
    assertThat(Seed.strings(db, "SELECT actions::text FROM flows WHERE account_id = ? AND name = 'Old'", a.accountId()))
        .singleElement().asString().contains("{{code}}");
  }

  @Test
  @DisplayName("an editor opened before a rename cannot save the old name back: If-Match with the updatedAt it read answers 412, the current one 200")
  void staleEditorsAreRefused() {
    long one = contactWith(a, "ns-1");
    Seed.exec(db, "INSERT INTO contact_fields (contact_id, account_id, name, value) VALUES (?, ?, 'plan', 'gold')", one, a.accountId());
    JsonObject flow = a.admin().post("/api/v1/flows", flow("Plan", new JsonArray().add(action("reply", "text", "Your plan: {{plan}}")))).json();
    JsonObject reply = a.admin().post("/api/v1/saved-replies", new JsonObject().put("title", "Plan").put("content", "On {{plan}}")).json();
    assertThat(a.admin().patch("/api/v1/fields/plan", new JsonObject().put("name", "tier")).status()).isEqualTo(200);

    JsonObject staleFlow = flow("Plan", new JsonArray().add(action("reply", "text", "Your plan: {{plan}} (edited)")));
    String flowPath = "/api/v1/flows/" + flow.getString("id");
    Http.Res refused = a.admin().send(io.vertx.core.http.HttpMethod.PUT, flowPath, staleFlow,
        java.util.Map.of("If-Match", "\"" + flow.getString("updatedAt") + "\""));
    assertThat(refused.status()).as(refused.text()).isEqualTo(412);
    assertThat(refused.errorCode()).isEqualTo("edited_meanwhile");
    JsonObject now = a.admin().get(flowPath).json();
    assertThat(now.getJsonArray("actions").getJsonObject(0).getString("text")).isEqualTo("Your plan: {{tier}}");
    Http.Res fresh = a.admin().send(io.vertx.core.http.HttpMethod.PUT, flowPath, flow("Plan", new JsonArray()
        .add(action("reply", "text", "Your tier: {{tier}}"))), java.util.Map.of("If-Match", "\"" + now.getString("updatedAt") + "\""));
    assertThat(fresh.status()).as(fresh.text()).isEqualTo(200);
    assertThat(a.admin().send(io.vertx.core.http.HttpMethod.PUT, flowPath, staleFlow, java.util.Map.of("If-Match", "yesterday")).status())
        .as("malformed").isEqualTo(400);

    String replyPath = "/api/v1/saved-replies/" + reply.getString("id");
    Http.Res staleReply = a.admin().send(io.vertx.core.http.HttpMethod.PUT, replyPath,
        new JsonObject().put("title", "Plan").put("content", "On {{tier}}, edited"), java.util.Map.of("If-Match", "\"" + reply.getString("updatedAt") + "\""));
    assertThat(staleReply.status()).as(staleReply.text()).isEqualTo(412);
    assertThat(a.admin().get(replyPath).json().getString("content")).isEqualTo("On {{tier}}");
    assertThat(a.admin().put(replyPath, new JsonObject().put("title", "Plan").put("content", "On {{tier}}!")).status())
        .as("without If-Match a write goes through").isEqualTo(200);
    assertThat(b.admin().send(io.vertx.core.http.HttpMethod.PUT, replyPath, new JsonObject().put("title", "x").put("content", "y"),
        java.util.Map.of("If-Match", "\"" + reply.getString("updatedAt") + "\"")).status()).as("another account's").isEqualTo(404);
  }

  @Test
  @DisplayName("a field renamed into one in use keeps the target's value where a contact has both; delete removes the value everywhere")
  void mergeAndDeleteFields() {
    long one = contactWith(a, "nf-1");
    long two = contactWith(a, "nf-2");
    Seed.exec(db, "INSERT INTO contact_fields (contact_id, account_id, name, value) VALUES (?, ?, 'tier', 'gold'), (?, ?, 'tier', 'silver'), (?, ?, 'level', 'kept')",
        one, a.accountId(), two, a.accountId(), two, a.accountId());
    JsonObject r = a.admin().patch("/api/v1/fields/tier", new JsonObject().put("name", "level")).json();
    assertThat(r.getBoolean("merged")).isTrue();
    assertThat(Seed.strings(db, "SELECT name || '=' || value FROM contact_fields WHERE contact_id = ?", one)).containsExactly("level=gold");
    assertThat(Seed.strings(db, "SELECT name || '=' || value FROM contact_fields WHERE contact_id = ?", two)).containsExactly("level=kept");
    assertThat(a.admin().delete("/api/v1/fields/level").json().getInteger("contacts")).isEqualTo(2);
    assertThat(Seed.strings(db, "SELECT name FROM contact_fields WHERE contact_id IN (?, ?)", one, two)).isEmpty();
  }

  @Test
  @DisplayName("names are checked like a contact's (no braces, bounded), and agents get 403 on every route")
  void inputsAndAccess() {
    assertThat(a.admin().patch("/api/v1/labels/x", new JsonObject().put("name", "{{x}}")).status()).isEqualTo(422);
    assertThat(a.admin().patch("/api/v1/labels/x", new JsonObject().put("name", "x".repeat(65))).status()).isEqualTo(422);
    assertThat(a.admin().patch("/api/v1/fields/x", new JsonObject()).status()).isEqualTo(400);
    long one = contactWith(a, "na-1");
    label(one, a.accountId(), "kept");
    for (String kind : List.of("labels", "fields")) {
      assertThat(a.agent().get("/api/v1/" + kind + "/usage").status()).isEqualTo(403);
      assertThat(a.agent().patch("/api/v1/" + kind + "/kept", new JsonObject().put("name", "gone")).status()).isEqualTo(403);
      assertThat(a.agent().delete("/api/v1/" + kind + "/kept").status()).isEqualTo(403);
    }
    assertThat(labels(one)).containsExactly("kept");
  }

  static List<String> names(Party p, String path) {
    return p.admin().get("/api/v1/" + path).items().stream()
        .map(o -> o instanceof JsonObject u ? u.getString("name") + "=" + u.getLong("contacts") : (String) o).toList();
  }

  @Test
  @DisplayName("an admin defines a label no contact carries: listed with 0 contacts, its spelling used when an agent adds it; "
      + "a spelling that exists is 409, bad names 422, agents 403, and another account neither sees nor changes it")
  void defineLabels() {
    long one = contactWith(a, "nl-1");
    label(one, a.accountId(), "Wholesale");
    String mark = marker(a);

    Http.Res created = a.admin().post("/api/v1/labels", new JsonObject().put("name", "\u200B Refund asked\u200B "));
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    assertThat(created.json().getString("name")).as("invisible characters trimmed").isEqualTo("Refund asked");
    assertThat(created.json().getInteger("contacts")).isZero();
    assertThat(names(a, "labels")).contains("Refund asked", "Wholesale");
    assertThat(names(a, "labels/usage")).contains("Refund asked=0", "Wholesale=1");
    assertThat(a.agent().get("/api/v1/labels").items().getList()).as("agents pick from it").contains("Refund asked");
    assertThat(settingsChanged(a, mark)).extracting(d -> d.getString("section")).containsExactly("labels");

    Http.Res again = a.admin().post("/api/v1/labels", new JsonObject().put("name", "REFUND ASKED"));
    assertThat(again.status()).as(again.text()).isEqualTo(409);
    assertThat(again.errorCode()).isEqualTo("label_exists");
    assertThat(again.text()).contains("Refund asked");
    Http.Res inUse = a.admin().post("/api/v1/labels", new JsonObject().put("name", "wholesale"));
    assertThat(inUse.status()).as("a spelling contacts carry").isEqualTo(409);
    assertThat(inUse.text()).contains("Wholesale");

    assertThat(a.admin().post("/api/v1/labels", new JsonObject().put("name", "")).status()).isEqualTo(400);
    for (String bad : List.of(" \u200B ", "x".repeat(65), "{{x}}", "two\nlines")) {
      Http.Res r = a.admin().post("/api/v1/labels", new JsonObject().put("name", bad));
      assertThat(r.status()).as("%s: %s", bad, r.text()).isEqualTo(422);
    }
    assertThat(a.admin().post("/api/v1/labels", new JsonObject()).status()).isEqualTo(400);
    assertThat(a.admin().post("/api/v1/labels", new JsonObject().put("name", "x".repeat(64))).status()).isEqualTo(201);
    assertThat(a.agent().post("/api/v1/labels", new JsonObject().put("name", "By an agent")).status()).isEqualTo(403);
    assertThat(names(a, "labels")).doesNotContain("By an agent");

    // an agent typing another case gets the defined spelling, as with a label in use
    Http.Res added = a.agent().post("/api/v1/contacts/" + one + "/labels", new JsonObject().put("name", "refund ASKED"));
    assertThat(added.status()).as(added.text()).isEqualTo(200);
    assertThat(labels(one)).containsExactly("Refund asked", "Wholesale");
    assertThat(names(a, "labels/usage")).contains("Refund asked=1").doesNotContain("refund ASKED=1");

    assertThat(names(b, "labels")).doesNotContain("Refund asked");
    assertThat(names(b, "labels/usage")).noneMatch(n -> n.startsWith("Refund asked"));
    assertThat(b.admin().patch("/api/v1/labels/Refund%20asked", new JsonObject().put("name", "Stolen")).status()).isEqualTo(404);
    assertThat(b.admin().delete("/api/v1/labels/Refund%20asked").status()).isEqualTo(404);
    Http.Res own = b.admin().post("/api/v1/labels", new JsonObject().put("name", "refund asked"));
    assertThat(own.status()).as("each account has its own names: " + own.text()).isEqualTo(201);
    assertThat(names(a, "labels")).contains("Refund asked").doesNotContain("refund asked", "Stolen");
  }

  @Test
  @DisplayName("a defined label follows its rename, respelling and merge, and goes with its delete; an unknown one is 404")
  void renameAndDeleteDefinedLabels() {
    long one = contactWith(a, "nk-1");
    label(one, a.accountId(), "Bronze");
    for (String n : List.of("gold", "Silver", "Unused")) {
      assertThat(a.admin().post("/api/v1/labels", new JsonObject().put("name", n)).status()).isEqualTo(201);
    }

    JsonObject respelled = a.admin().patch("/api/v1/labels/GOLD", new JsonObject().put("name", "Gold")).json();
    assertThat(respelled.getString("name")).isEqualTo("Gold");
    assertThat(respelled.getInteger("contacts")).isZero();
    assertThat(names(a, "labels/usage")).contains("Gold=0").doesNotContain("gold=0");
    JsonObject renamed = a.admin().patch("/api/v1/labels/Gold", new JsonObject().put("name", "Golden")).json();
    assertThat(renamed.getBoolean("merged")).isFalse();
    assertThat(names(a, "labels")).contains("Golden").doesNotContain("Gold");

    // a label in use merged into a defined one takes its spelling
    JsonObject merged = a.admin().patch("/api/v1/labels/Bronze", new JsonObject().put("name", "SILVER")).json();
    assertThat(merged.getString("name")).isEqualTo("Silver");
    assertThat(merged.getBoolean("merged")).isTrue();
    assertThat(labels(one)).containsExactly("Silver");
    assertThat(names(a, "labels/usage")).contains("Silver=1").noneMatch(n -> n.startsWith("Bronze"));

    // renamed, a defined label in use moves its definition: nothing is left under the old name
    assertThat(a.admin().patch("/api/v1/labels/silver", new JsonObject().put("name", "Platinum")).json().getInteger("contacts")).isEqualTo(1);
    assertThat(labels(one)).containsExactly("Platinum");
    assertThat(names(a, "labels/usage")).contains("Platinum=1").noneMatch(n -> n.startsWith("Silver"));
    assertThat(Seed.strings(db, "SELECT name FROM label_names WHERE account_id = ? ORDER BY name", a.accountId()))
        .contains("Golden", "Platinum", "Unused").doesNotContain("Silver", "gold", "Gold");
    // merged into a name contacts carry, the defined one is defined under that name
    label(one, a.accountId(), "Zinc");
    assertThat(a.admin().patch("/api/v1/labels/Unused", new JsonObject().put("name", "zinc")).json().getString("name")).isEqualTo("Zinc");
    assertThat(names(a, "labels/usage")).contains("Zinc=1").noneMatch(n -> n.startsWith("Unused"));
    assertThat(Seed.strings(db, "SELECT name FROM label_names WHERE account_id = ? AND lower(name) = 'zinc'", a.accountId())).containsExactly("Zinc");

    assertThat(a.admin().delete("/api/v1/labels/platinum").json().getInteger("contacts")).isEqualTo(1);
    assertThat(a.admin().delete("/api/v1/labels/Golden").json().getInteger("contacts")).as("defined, on no contact").isZero();
    assertThat(names(a, "labels")).doesNotContain("Platinum", "Golden");
    assertThat(a.admin().delete("/api/v1/labels/Golden").status()).isEqualTo(404);
    assertThat(a.admin().patch("/api/v1/labels/Golden", new JsonObject().put("name", "x")).status()).isEqualTo(404);
    assertThat(a.agent().patch("/api/v1/labels/Zinc", new JsonObject().put("name", "x")).status()).isEqualTo(403);
    assertThat(a.agent().delete("/api/v1/labels/Zinc").status()).isEqualTo(403);
    // deleted, a name can be defined again
    assertThat(a.admin().post("/api/v1/labels", new JsonObject().put("name", "golden")).status()).isEqualTo(201);
  }

  @Test
  @DisplayName("an account defines at most " + NameRoutes.DEFINED_LABELS_MAX + " labels ahead of use")
  void definedLabelsAreCapped() {
    Party capped = party("Capped");
    Seed.exec(db, "INSERT INTO label_names (account_id, name) SELECT ?, 'label ' || n FROM generate_series(1, ?) n",
        capped.accountId(), NameRoutes.DEFINED_LABELS_MAX - 1);
    assertThat(capped.admin().post("/api/v1/labels", new JsonObject().put("name", "last")).status()).isEqualTo(201);
    Http.Res full = capped.admin().post("/api/v1/labels", new JsonObject().put("name", "one more"));
    assertThat(full.status()).as(full.text()).isEqualTo(422);
    assertThat(full.errorCode()).isEqualTo("too_many_label_names");
    assertThat(a.admin().post("/api/v1/labels", new JsonObject().put("name", "another account's room")).status()).isEqualTo(201);
  }

  static List<String> fields(long contactId) {
    return Seed.strings(db, "SELECT name || '=' || value FROM contact_fields WHERE contact_id = ? ORDER BY name", contactId);
  }

  static List<String> definedFields(Party p) {
    return Seed.strings(db, "SELECT name FROM field_names WHERE account_id = ? ORDER BY name", p.accountId());
  }

  static Http.Res savedReply(Http as, String content) {
    return as.post("/api/v1/saved-replies", new JsonObject().put("title", "Uses " + content.substring(0, Math.min(content.length(), 40)))
        .put("content", content));
  }

  @Test
  @DisplayName("an admin defines a field no contact has: listed with 0 contacts and usable in saved replies; exactly that name defined "
      + "or in use is 409, another case is another field, bad names 422, agents 403, and another account neither sees nor uses it")
  void defineFields() {
    long one = contactWith(a, "nfd-1");
    Seed.exec(db, "INSERT INTO contact_fields (contact_id, account_id, name, value) VALUES (?, ?, 'Loyalty', 'gold')", one, a.accountId());
    String mark = marker(a);

    Http.Res created = a.admin().post("/api/v1/fields", new JsonObject().put("name", "\u200B Order number\u200B "));
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    assertThat(created.json().getString("name")).as("invisible characters trimmed").isEqualTo("Order number");
    assertThat(created.json().getInteger("contacts")).isZero();
    assertThat(names(a, "fields")).contains("Order number", "Loyalty");
    assertThat(names(a, "fields/usage")).contains("Order number=0", "Loyalty=1");
    assertThat(a.agent().get("/api/v1/fields").items().getList()).as("agents pick from it").contains("Order number");
    assertThat(settingsChanged(a, mark)).extracting(d -> d.getString("section")).containsExactly("fields");

    Http.Res again = a.admin().post("/api/v1/fields", new JsonObject().put("name", "Order number"));
    assertThat(again.status()).as(again.text()).isEqualTo(409);
    assertThat(again.errorCode()).isEqualTo("field_exists");
    assertThat(again.text()).contains("Order number");
    Http.Res inUse = a.admin().post("/api/v1/fields", new JsonObject().put("name", "Loyalty"));
    assertThat(inUse.status()).as("a name contacts have: " + inUse.text()).isEqualTo(409);
    assertThat(inUse.errorCode()).isEqualTo("field_exists");
    // field names are exact: each case is its own {{placeholder}}
    for (String other : List.of("order number", "loyalty")) {
      Http.Res r = a.admin().post("/api/v1/fields", new JsonObject().put("name", other));
      assertThat(r.status()).as("%s: %s", other, r.text()).isEqualTo(201);
    }
    assertThat(names(a, "fields/usage")).contains("Order number=0", "order number=0", "Loyalty=1", "loyalty=0");
    assertThat(definedFields(a)).containsExactlyInAnyOrder("Order number", "order number", "loyalty");

    assertThat(a.admin().post("/api/v1/fields", new JsonObject().put("name", "")).status()).isEqualTo(400);
    for (String bad : List.of(" \u200B ", "x".repeat(101), "{{x}}", "a}b", "two\nlines")) {
      Http.Res r = a.admin().post("/api/v1/fields", new JsonObject().put("name", bad));
      assertThat(r.status()).as("%s: %s", bad, r.text()).isEqualTo(422);
      assertThat(r.errorCode()).isEqualTo("invalid_name");
    }
    assertThat(a.admin().post("/api/v1/fields", new JsonObject()).status()).isEqualTo(400);
    assertThat(a.admin().post("/api/v1/fields", new JsonObject().put("name", 42)).status()).isEqualTo(400);
    assertThat(a.admin().post("/api/v1/fields", new JsonObject().put("name", "y".repeat(100))).status()).isEqualTo(201);
    assertThat(a.agent().post("/api/v1/fields", new JsonObject().put("name", "By an agent")).status()).isEqualTo(403);
    assertThat(names(a, "fields")).doesNotContain("By an agent");

    // a saved reply may name a defined field, exactly
    Http.Res reply = savedReply(a.agent(), "Your order {{Order number}} is on its way");
    assertThat(reply.status()).as(reply.text()).isEqualTo(201);
    Http.Res wrongCase = savedReply(a.agent(), "Your order {{ORDER NUMBER}}");
    assertThat(wrongCase.status()).as(wrongCase.text()).isEqualTo(422);
    assertThat(wrongCase.errorCode()).isEqualTo("unknown_field");
    // set on a contact, the defined name is counted as any field in use
    assertThat(a.agent().put("/api/v1/contacts/" + one + "/fields/Order%20number", new JsonObject().put("value", "A-1")).status()).isEqualTo(200);
    assertThat(names(a, "fields/usage")).contains("Order number=1", "order number=0");
    assertThat(names(a, "fields").stream().filter("Order number"::equals)).as("listed once").hasSize(1);

    assertThat(names(b, "fields")).doesNotContain("Order number", "order number", "loyalty");
    assertThat(names(b, "fields/usage")).noneMatch(n -> n.toLowerCase().startsWith("order number") || n.startsWith("loyalty"));
    assertThat(b.agent().get("/api/v1/fields").items().getList()).doesNotContain("Order number");
    assertThat(savedReply(b.agent(), "{{Order number}}").errorCode()).as("another account's field").isEqualTo("unknown_field");
    assertThat(b.admin().patch("/api/v1/fields/order%20number", new JsonObject().put("name", "Stolen")).status()).isEqualTo(404);
    assertThat(b.admin().delete("/api/v1/fields/order%20number").status()).isEqualTo(404);
    Http.Res own = b.admin().post("/api/v1/fields", new JsonObject().put("name", "order number"));
    assertThat(own.status()).as("each account has its own names: " + own.text()).isEqualTo(201);
    assertThat(definedFields(a)).contains("order number").doesNotContain("Stolen");
    assertThat(names(a, "fields")).doesNotContain("Stolen");
  }

  @Test
  @DisplayName("a defined field follows its rename and a merge into a name defined or in use, is kept when a rename is refused, "
      + "and goes with its delete; an unknown one is 404")
  void renameAndDeleteDefinedFields() {
    long one = contactWith(a, "nfr-1");
    Seed.exec(db, "INSERT INTO contact_fields (contact_id, account_id, name, value) VALUES (?, ?, 'Rank', 'gold')", one, a.accountId());
    for (String n : List.of("Region", "Band", "Spare", "ticket")) {
      assertThat(a.admin().post("/api/v1/fields", new JsonObject().put("name", n)).status()).isEqualTo(201);
    }

    // another case is another name for a field: a rename, not a respelling
    JsonObject lower = a.admin().patch("/api/v1/fields/Region", new JsonObject().put("name", "region")).json();
    assertThat(lower.getString("name")).isEqualTo("region");
    assertThat(lower.getBoolean("merged")).isFalse();
    assertThat(lower.getInteger("contacts")).isZero();
    assertThat(names(a, "fields/usage")).contains("region=0").doesNotContain("Region=0");
    assertThat(a.admin().patch("/api/v1/fields/region", new JsonObject().put("name", "Area")).json().getBoolean("merged")).isFalse();
    assertThat(names(a, "fields")).contains("Area").doesNotContain("region", "Region");

    // a field in use renamed onto a defined one merges into it
    JsonObject merged = a.admin().patch("/api/v1/fields/Rank", new JsonObject().put("name", "Band")).json();
    assertThat(merged.getString("name")).isEqualTo("Band");
    assertThat(merged.getBoolean("merged")).isTrue();
    assertThat(merged.getInteger("contacts")).isEqualTo(1);
    assertThat(fields(one)).containsExactly("Band=gold");
    assertThat(names(a, "fields/usage")).contains("Band=1").noneMatch(n -> n.startsWith("Rank"));

    // renamed, a defined field in use moves its definition: nothing is left under the old name
    assertThat(a.admin().patch("/api/v1/fields/Band", new JsonObject().put("name", "Grade")).json().getInteger("contacts")).isEqualTo(1);
    assertThat(fields(one)).containsExactly("Grade=gold");
    assertThat(definedFields(a)).contains("Area", "Grade", "Spare", "ticket").doesNotContain("Band", "Region", "region");
    // a defined field no contact has, merged into one in use, is defined under that name once
    JsonObject intoUsed = a.admin().patch("/api/v1/fields/Spare", new JsonObject().put("name", "Grade")).json();
    assertThat(intoUsed.getBoolean("merged")).isTrue();
    assertThat(intoUsed.getInteger("contacts")).isZero();
    assertThat(fields(one)).containsExactly("Grade=gold");
    assertThat(definedFields(a)).containsOnlyOnce("Grade").doesNotContain("Spare");

    // a rename refused (a saved reply would grow past its limit) keeps the definition where it was
    String content = "{{ticket}} " + "x".repeat(4_096 - 11);
    Http.Res reply = savedReply(a.admin(), content);
    assertThat(reply.status()).as(reply.text()).isEqualTo(201);
    Http.Res refused = a.admin().patch("/api/v1/fields/ticket", new JsonObject().put("name", "ticket reference number"));
    assertThat(refused.status()).as(refused.text()).isEqualTo(422);
    assertThat(refused.errorCode()).isEqualTo("rename_refused");
    assertThat(definedFields(a)).contains("ticket").doesNotContain("ticket reference number");

    assertThat(a.admin().delete("/api/v1/fields/Grade").json().getInteger("contacts")).isEqualTo(1);
    assertThat(fields(one)).isEmpty();
    assertThat(a.admin().delete("/api/v1/fields/Area").json().getInteger("contacts")).as("defined, on no contact").isZero();
    assertThat(names(a, "fields")).doesNotContain("Grade", "Area");
    assertThat(definedFields(a)).doesNotContain("Grade", "Area");
    assertThat(a.admin().delete("/api/v1/fields/Area").status()).isEqualTo(404);
    assertThat(a.admin().delete("/api/v1/fields/TICKET").status()).as("exact names only").isEqualTo(404);
    assertThat(a.admin().patch("/api/v1/fields/Area", new JsonObject().put("name", "x")).status()).isEqualTo(404);
    assertThat(a.agent().patch("/api/v1/fields/ticket", new JsonObject().put("name", "x")).status()).isEqualTo(403);
    assertThat(a.agent().delete("/api/v1/fields/ticket").status()).isEqualTo(403);
    assertThat(definedFields(a)).contains("ticket");
    // deleted, a name can be defined again
    assertThat(a.admin().post("/api/v1/fields", new JsonObject().put("name", "Area")).status()).isEqualTo(201);
  }

  @Test
  @DisplayName("an account defines at most " + NameRoutes.DEFINED_FIELDS_MAX + " fields ahead of use")
  void definedFieldsAreCapped() {
    Party capped = party("Capped fields");
    Seed.exec(db, "INSERT INTO field_names (account_id, name) SELECT ?, 'field ' || n FROM generate_series(1, ?) n",
        capped.accountId(), NameRoutes.DEFINED_FIELDS_MAX - 1);
    assertThat(capped.admin().post("/api/v1/fields", new JsonObject().put("name", "last")).status()).isEqualTo(201);
    Http.Res full = capped.admin().post("/api/v1/fields", new JsonObject().put("name", "one more"));
    assertThat(full.status()).as(full.text()).isEqualTo(422);
    assertThat(full.errorCode()).isEqualTo("too_many_field_names");
    assertThat(Seed.scalar(db, "SELECT count(*) FROM field_names WHERE account_id = ?", capped.accountId())).isEqualTo(NameRoutes.DEFINED_FIELDS_MAX);
    assertThat(capped.admin().post("/api/v1/labels", new JsonObject().put("name", "a label")).status()).as("labels are counted apart").isEqualTo(201);
    assertThat(a.admin().post("/api/v1/fields", new JsonObject().put("name", "another account's room")).status()).isEqualTo(201);
  }
}
