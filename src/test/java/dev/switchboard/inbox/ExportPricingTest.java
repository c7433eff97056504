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

@DisplayName("The CSV export carries each WhatsApp message's pricing and the contact's username, guarded against formulas")
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
}
