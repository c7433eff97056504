package dev.switchboard.inbox;

import dev.switchboard.support.Http;
import dev.switchboard.support.Seed;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringReader;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Conversations export as streamed CSV")
class ExportApiTest extends InboxTestBase {

  static final Instant T0 = Instant.parse("2026-03-03T10:00:00Z");

  static List<CSVRecord> csv(Http.Res r) {
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(r.header("Content-Type")).startsWith("text/csv");
    try (CSVParser p = CSVParser.parse(new StringReader(r.text()), CSVFormat.DEFAULT)) {
      List<CSVRecord> rows = p.getRecords();
      assertThat(rows.get(0).toList()).containsExactly(ExportRoutes.HEADER);
      return rows.subList(1, rows.size());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  @DisplayName("by ids or by the list's filter: a header, then every message, conversations newest first and messages oldest first, text quoted safely")
  void exportRows() {
    Party g = party("Theta");
    long open = thread(g, g.whatsapp(), "4950000001", "Ana, \"the\" first", "open", T0.plusSeconds(10));
    Seed.insert(db, "UPDATE contacts SET platform_name = 'Ana P' WHERE id = ? RETURNING 1", contactOf(open));
    long closed = thread(g, g.messenger(), "psid-exp", "Bo", "closed", T0.plusSeconds(20));
    Seed.insert(db, "UPDATE conversations SET status = 'assigned', assignee_type = 'agent', assignee_id = ? WHERE id = ? RETURNING 1", g.agentId(), closed);
    message(g.accountId(), open, g.whatsapp(), "in", "incoming", "hello,\nline two", T0);
    message(g.accountId(), open, g.whatsapp(), "out", "reply", "olá \"quoted\" ✓", T0.plusSeconds(1));
    message(g.accountId(), closed, g.messenger(), "in", "incoming", "first", T0.plusSeconds(2));
    message(g.accountId(), closed, g.messenger(), "out", "note", "internal", T0.plusSeconds(3));
    message(g.accountId(), closed, g.messenger(), "in", "incoming", null, T0.plusSeconds(4));
    long foreign = thread(b, b.whatsapp(), "4950000009", "Foreign", "open", T0);
    message(b.accountId(), foreign, b.whatsapp(), "in", "incoming", "secret of B", T0);

    List<CSVRecord> all = csv(g.agent().post("/api/v1/conversations/export", new JsonObject()));
    assertThat(all).hasSize(5);
    assertThat(all.stream().map(r -> r.get(0)).toList()).containsExactly(id(closed), id(closed), id(closed), id(open), id(open));
    CSVRecord first = all.get(0);
    assertThat(first.get(1)).startsWith("messenger fb-");
    assertThat(first.get(2)).isEqualTo("messenger");
    assertThat(first.get(3)).isEqualTo("Bo");
    assertThat(first.get(5)).isEqualTo("psid-exp");
    assertThat(first.get(6)).isEqualTo("assigned");
    assertThat(first.get(7)).isEqualTo("Agent Theta");
    assertThat(first.get(8)).isEqualTo("2026-03-03T10:00:02.000Z");
    assertThat(first.get(9)).isEqualTo("in");
    assertThat(first.get(10)).isEqualTo("contact");
    assertThat(first.get(11)).isEqualTo("incoming");
    assertThat(first.get(12)).isEqualTo("first");
    assertThat(all.get(2).get(12)).isEqualTo("[text]");
    CSVRecord ana = all.get(3);
    assertThat(ana.get(3)).isEqualTo("Ana, \"the\" first");
    assertThat(ana.get(4)).isEqualTo("Ana P");
    assertThat(ana.get(12)).isEqualTo("hello,\nline two");
    assertThat(all.get(4).get(12)).isEqualTo("olá \"quoted\" ✓");

    assertThat(csv(g.agent().post("/api/v1/conversations/export", new JsonObject().put("ids", new JsonArray().add(id(open))))))
        .extracting(r -> r.get(0)).containsExactly(id(open), id(open));
    Http.Res foreignExport = g.agent().post("/api/v1/conversations/export", new JsonObject().put("ids", new JsonArray().add(id(open)).add(id(foreign))));
    assertThat(foreignExport.status()).as("another account's id refuses the whole export, like bulk").isEqualTo(404);
    assertThat(foreignExport.errorCode()).isEqualTo("not_found");
    assertThat(foreignExport.text()).doesNotContain("secret of B");
    assertThat(g.agent().post("/api/v1/conversations/export", new JsonObject().put("ids", new JsonArray().add("not-an-id"))).status()).isEqualTo(404);
    assertThat(csv(g.agent().post("/api/v1/conversations/export", new JsonObject().put("status", "open")))).hasSize(2);
    assertThat(csv(g.agent().post("/api/v1/conversations/export", new JsonObject().put("platform", "messenger").put("status", "all")))).hasSize(3);
    assertThat(csv(g.agent().post("/api/v1/conversations/export", new JsonObject().put("assigneeId", id(g.agentId()))))).hasSize(3);
    assertThat(csv(g.agent().post("/api/v1/conversations/export", new JsonObject().put("channelId", id(g.whatsapp()))))).hasSize(2);
    assertThat(csv(g.agent().post("/api/v1/conversations/export", null))).hasSize(5);

    Http.Res fromB = b.agent().post("/api/v1/conversations/export", new JsonObject());
    assertThat(fromB.text()).contains("secret of B").doesNotContain("hello,");

    assertThat(g.agent().post("/api/v1/conversations/export", new JsonObject().put("status", "nope")).status()).isEqualTo(400);
    assertThat(g.agent().post("/api/v1/conversations/export", new JsonObject().put("ids", "1")).status()).isEqualTo(400);
    assertThat(g.agent().post("/api/v1/conversations/export", new JsonObject().put("channelId", new JsonObject())).status()).isEqualTo(400);
  }

  @Test
  @DisplayName("a conversation without messages is exported too, as one row with empty message columns")
  void conversationsWithoutMessages() {
    Party g = party("Iota");
    long silent = thread(g, g.whatsapp(), "4950000111", "Never wrote", "closed", T0.plusSeconds(30));
    long talked = thread(g, g.whatsapp(), "4950000112", "Wrote once", "closed", T0);
    message(g.accountId(), talked, g.whatsapp(), "in", "incoming", "hi", T0);
    List<CSVRecord> all = csv(g.agent().post("/api/v1/conversations/export", new JsonObject()));
    assertThat(all).extracting(r -> r.get(0)).containsExactly(id(silent), id(talked));
    assertThat(all.get(0).get(3)).isEqualTo("Never wrote");
    assertThat(all.get(0).get(8)).isEmpty();
    assertThat(all.get(0).get(9)).isEmpty();
    assertThat(all.get(0).get(12)).isEmpty();
    assertThat(all.get(1).get(12)).isEqualTo("hi");
  }

  @Test
  @DisplayName("formulas are defused in every column, not only the customer's: agent and channel names too")
  void everyCellIsDefused() {
    Party g = party("Kappa");
    long c = thread(g, g.whatsapp(), "4950000077", "=cmd|' /C calc'!A0", "open", T0);
    Seed.insert(db, "UPDATE conversations SET status = 'assigned', assignee_type = 'agent', assignee_id = ? WHERE id = ? RETURNING 1", g.agentId(), c);
    Seed.insert(db, "UPDATE users SET name = '=HYPERLINK(\"http://evil.test\",\"x\")' WHERE id = ? RETURNING 1", g.agentId());
    Seed.insert(db, "UPDATE channels SET name = '@SUM(1+1)' WHERE id = ? RETURNING 1", g.whatsapp());
    message(g.accountId(), c, g.whatsapp(), "in", "incoming", "-2+3", T0);
    CSVRecord row = csv(g.agent().post("/api/v1/conversations/export", new JsonObject().put("ids", new JsonArray().add(id(c))))).get(0);
    assertThat(row.get(1)).isEqualTo("'@SUM(1+1)");
    assertThat(row.get(3)).isEqualTo("'=cmd|' /C calc'!A0");
    assertThat(row.get(7)).isEqualTo("'=HYPERLINK(\"http://evil.test\",\"x\")");
    assertThat(row.get(12)).isEqualTo("'-2+3");
    for (String cell : row.toList()) {
      assertThat(cell).doesNotStartWith("=").doesNotStartWith("@").doesNotStartWith("+");
    }
  }
}
