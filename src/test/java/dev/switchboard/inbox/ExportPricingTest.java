package dev.switchboard.inbox;

import dev.switchboard.support.Seed;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The CSV export carries each WhatsApp message's pricing and the contact's username, phone, email, labels and fields, guarded against formulas")
class ExportPricingTest extends InboxTestBase {

  @Test
  @DisplayName("pricing category, model, type and billable per outbound message; empty where Meta said nothing; formula-looking values quoted")
  void pricingColumns() {
    Party g = party("Kappa");
    Instant t0 = Instant.parse("2026-03-04T10:00:00Z");
    long conv = thread(g, g.whatsapp(), "US.KAPPA0001", "Robin", "open", t0);
    Seed.insert(db, "UPDATE contacts SET username = 'robin_sails', bsuid = 'US.KAPPA0001' WHERE id = ? RETURNING 1", contactOf(conv));
    message(g.accountId(), conv, g.whatsapp(), "in", "incoming", "hi", t0);
    long paid = message(g.accountId(), conv, g.whatsapp(), "out", "template", "Order shipped", t0.plusSeconds(1));
    long odd = message(g.accountId(), conv, g.whatsapp(), "out", "reply", "thanks", t0.plusSeconds(2));
    Seed.insert(db, "UPDATE messages SET pricing = ?::jsonb WHERE id = ? RETURNING 1",
        new JsonObject().put("billable", true).put("pricing_model", "PMP").put("type", "regular").put("category", "utility").encode(), paid);
    Seed.insert(db, "UPDATE messages SET pricing = ?::jsonb WHERE id = ? RETURNING 1",
        new JsonObject().put("billable", false).put("pricing_model", "PMP").put("type", "free_customer_service")
            .put("category", "=HYPERLINK(\"http://x\")").encode(), odd);

    List<CSVRecord> rows = ExportApiTest.csv(g.agent().post("/api/v1/conversations/export",
        new JsonObject().put("ids", new JsonArray().add(String.valueOf(conv)))));
    assertThat(rows).hasSize(3);
    int username = List.of(ExportRoutes.HEADER).indexOf("username");
    int category = List.of(ExportRoutes.HEADER).indexOf("pricingCategory");
    assertThat(rows.get(0).get(username)).isEqualTo("robin_sails");
    assertThat(rows.get(0).get(category)).isEmpty();
    assertThat(List.of(rows.get(1).get(category), rows.get(1).get(category + 1), rows.get(1).get(category + 2), rows.get(1).get(category + 3)))
        .containsExactly("utility", "PMP", "regular", "true");
    assertThat(rows.get(2).get(category)).isEqualTo("'=HYPERLINK(\"http://x\")");
    assertThat(rows.get(2).get(category + 3)).isEqualTo("false");
  }

  @Test
  @DisplayName("phone, email, labels (one per line) and fields (a JSON object) of the contact on each of its rows; no more rows for more labels; formulas defused")
  void contactColumns() {
    Party g = party("Lambda");
    Instant t0 = Instant.parse("2026-03-05T10:00:00Z");
    long conv = thread(g, g.whatsapp(), "4917000001", "Mia", "open", t0.plusSeconds(5));
    long bare = thread(g, g.messenger(), "psid-bare", "Noor", "open", t0);
    long contact = contactOf(conv);
    Seed.insert(db, "UPDATE contacts SET phone = '+4917000001', email = 'mia@example.com' WHERE id = ? RETURNING 1", contact);
    for (String label : List.of("vip", "=cmd|' /C calc'!A0", "Gold tier")) {
      assertThat(g.agent().post("/api/v1/contacts/" + contact + "/labels", new JsonObject().put("name", label)).status()).isEqualTo(200);
    }
    assertThat(g.agent().put("/api/v1/contacts/" + contact + "/fields/order%20num", new JsonObject().put("value", "23425124")).status())
        .isEqualTo(200);
    assertThat(g.agent().put("/api/v1/contacts/" + contact + "/fields/tier", new JsonObject().put("value", "=1+1")).status())
        .isEqualTo(200);
    message(g.accountId(), conv, g.whatsapp(), "in", "incoming", "hi", t0);
    message(g.accountId(), conv, g.whatsapp(), "out", "reply", "hello", t0.plusSeconds(1));

    List<CSVRecord> rows = ExportApiTest.csv(g.agent().post("/api/v1/conversations/export", new JsonObject()));
    List<String> header = List.of(ExportRoutes.HEADER);
    int phone = header.indexOf("phone");
    int email = header.indexOf("email");
    int labels = header.indexOf("labels");
    int fields = header.indexOf("fields");
    // two messages and one conversation without any: three labels and two fields add no rows
    assertThat(rows).hasSize(3);
    for (CSVRecord r : rows.subList(0, 2)) {
      assertThat(r.get(0)).isEqualTo(String.valueOf(conv));
      // a leading + is a formula to a spreadsheet too ("+1-555" shows -554): kept as text like every such cell
      assertThat(r.get(phone)).isEqualTo("'+4917000001");
      assertThat(r.get(email)).isEqualTo("mia@example.com");
      // sorted without case; the cell starts with a label that reads as a formula, so it is defused as a whole
      assertThat(r.get(labels)).isEqualTo("'=cmd|' /C calc'!A0\nGold tier\nvip");
      assertThat(new JsonObject(r.get(fields))).isEqualTo(new JsonObject().put("order num", "23425124").put("tier", "=1+1"));
    }
    CSVRecord empty = rows.get(2);
    assertThat(empty.get(0)).isEqualTo(String.valueOf(bare));
    assertThat(List.of(empty.get(phone), empty.get(email), empty.get(labels), empty.get(fields))).containsOnly("");
  }
}
