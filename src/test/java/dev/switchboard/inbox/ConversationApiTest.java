package dev.switchboard.inbox;

import dev.switchboard.support.Http;
import dev.switchboard.support.Seed;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Agents list, filter, page, assign and close conversations")
class ConversationApiTest extends InboxTestBase {

  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  static List<String> ids(Http.Res r) {
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    List<String> out = new ArrayList<>();
    r.items().forEach(o -> out.add(((JsonObject) o).getString("id")));
    return out;
  }

  static long team(Party p, String name) {
    return Seed.insert(db, "INSERT INTO teams (account_id, name) VALUES (?, ?) RETURNING id", p.accountId(), name);
  }

  @Test
  @DisplayName("every filter, alone and combined, lists the right conversations newest first, and the tabs count them")
  void filters() {
    Party g = party("Gamma");
    long team = team(g, "Sales");
    long open = thread(g, g.whatsapp(), "4915100000001", "Open One", "open", T0.plusSeconds(1));
    long c2 = contact(g.accountId(), g.messenger(), "psid-2", "Agent Two", null, null);
    long toAgent = conversation(g.accountId(), g.messenger(), c2, "assigned", "agent", g.agentId(), T0.plusSeconds(2));
    long c3 = contact(g.accountId(), g.instagram(), "igsid-3", "Team Three", null, null);
    long toTeam = conversation(g.accountId(), g.instagram(), c3, "assigned", "team", team, T0.plusSeconds(3));
    long vip = thread(g, g.whatsapp(), "4915100000004", "Vip Four", "closed", T0.plusSeconds(4));
    label(g.accountId(), contactOf(vip), "vip");
    long closedFb = thread(g, g.messenger(), "psid-5", "Closed Five", "closed", T0.plusSeconds(5));
    label(g.accountId(), contactOf(closedFb), "vip");
    long closedWa = thread(g, g.whatsapp(), "4915100000006", "Closed Six", "closed", T0.plusSeconds(6));
    Http ag = g.agent();

    assertThat(ids(ag.get("/api/v1/conversations"))).containsExactly(id(closedWa), id(closedFb), id(vip), id(toTeam), id(toAgent), id(open));
    assertThat(ids(ag.get("/api/v1/conversations?status=all"))).hasSize(6);
    assertThat(ids(ag.get("/api/v1/conversations?status=open"))).containsExactly(id(open));
    assertThat(ids(ag.get("/api/v1/conversations?status=assigned"))).containsExactly(id(toTeam), id(toAgent));
    assertThat(ids(ag.get("/api/v1/conversations?status=closed"))).containsExactly(id(closedWa), id(closedFb), id(vip));
    assertThat(ids(ag.get("/api/v1/conversations?platform=messenger"))).containsExactly(id(closedFb), id(toAgent));
    assertThat(ids(ag.get("/api/v1/conversations?platform=instagram"))).containsExactly(id(toTeam));
    assertThat(ids(ag.get("/api/v1/conversations?channelId=" + g.whatsapp()))).containsExactly(id(closedWa), id(vip), id(open));
    assertThat(ids(ag.get("/api/v1/conversations?assigneeId=" + g.agentId()))).containsExactly(id(toAgent));
    assertThat(ids(ag.get("/api/v1/conversations?teamId=" + team))).containsExactly(id(toTeam));
    assertThat(ids(ag.get("/api/v1/conversations?label=vip"))).containsExactly(id(closedFb), id(vip));
    assertThat(ids(ag.get("/api/v1/conversations?label=VIP"))).isEmpty();
    // a label on one contact takes the other query shape (from the label's contacts)
    label(g.accountId(), contactOf(toAgent), "solo");
    assertThat(ids(ag.get("/api/v1/conversations?label=solo"))).containsExactly(id(toAgent));
    assertThat(ids(ag.get("/api/v1/conversations?label=solo&status=assigned&platform=messenger"))).containsExactly(id(toAgent));
    assertThat(ids(ag.get("/api/v1/conversations?label=solo&status=open"))).isEmpty();
    assertThat(ids(ag.get("/api/v1/conversations?label=solo&assigneeId=" + g.agentId()))).containsExactly(id(toAgent));
    JsonObject soloCounts = ag.get("/api/v1/conversations/counts?label=solo").json();
    assertThat(soloCounts.copy().put("capped", null)).isEqualTo(new JsonObject().put("open", 0).put("assigned", 1).put("closed", 0).put("snoozed", 0).put("all", 1).put("capped", null));
    assertThat(soloCounts.getJsonObject("capped").getBoolean("all")).as("a rare label's counts are exact").isFalse();
    assertThat(ag.get("/api/v1/conversations/counts?label=solo&platform=messenger&assigneeId=" + g.agentId()).json().getInteger("assigned")).isEqualTo(1);
    assertThat(ag.get("/api/v1/conversations/counts?label=solo&platform=whatsapp").json().getInteger("all")).isZero();
    Http.Res soloPage = ag.get("/api/v1/conversations?label=vip&limit=1");
    assertThat(ids(soloPage)).containsExactly(id(closedFb));
    assertThat(ids(ag.get("/api/v1/conversations?label=vip&limit=1&cursor=" + soloPage.json().getString("nextCursor")))).containsExactly(id(vip));
    Seed.insert(db, "DELETE FROM contact_labels WHERE name = 'solo' RETURNING 1");
    assertThat(ids(ag.get("/api/v1/conversations?status=closed&platform=whatsapp&label=vip"))).containsExactly(id(vip));
    assertThat(ids(ag.get("/api/v1/conversations?status=assigned&platform=messenger&assigneeId=" + g.agentId()))).containsExactly(id(toAgent));

    JsonObject all = ag.get("/api/v1/conversations/counts").json();
    assertThat(all.copy().put("capped", null)).isEqualTo(new JsonObject().put("open", 1).put("assigned", 2).put("closed", 3).put("snoozed", 0).put("all", 6).put("capped", null));
    assertThat(all.getJsonObject("capped")).isEqualTo(new JsonObject().put("open", false).put("assigned", false).put("closed", false).put("snoozed", false).put("all", false));
    JsonObject wa = ag.get("/api/v1/conversations/counts?platform=whatsapp&status=closed").json();
    assertThat(wa.copy().put("capped", null)).isEqualTo(new JsonObject().put("open", 1).put("assigned", 0).put("closed", 2).put("snoozed", 0).put("all", 3).put("capped", null));
    JsonObject vipCounts = ag.get("/api/v1/conversations/counts?label=vip").json();
    assertThat(vipCounts.copy().put("capped", null)).isEqualTo(new JsonObject().put("open", 0).put("assigned", 0).put("closed", 2).put("snoozed", 0).put("all", 2).put("capped", null));
    // a common label (here: on LABEL_PROBE_MAX = 2 contacts or more) is counted over that many of its
    // contacts only: lower bounds, and said so
    assertThat(vipCounts.getJsonObject("capped")).isEqualTo(new JsonObject().put("open", true).put("assigned", true).put("closed", true).put("snoozed", true).put("all", true));
    for (long c : new long[] {open, toTeam, closedWa}) {
      label(g.accountId(), contactOf(c), "trio");
    }
    JsonObject trio = ag.get("/api/v1/conversations/counts?label=trio").json();
    assertThat(trio.getInteger("all")).as("at most LABEL_PROBE_MAX contacts read").isEqualTo(2);
    assertThat(trio.getJsonObject("capped").getBoolean("all")).isTrue();
    assertThat(ids(ag.get("/api/v1/conversations?label=trio"))).as("the list itself is complete").containsExactly(id(closedWa), id(toTeam), id(open));
    Seed.insert(db, "DELETE FROM contact_labels WHERE name = 'trio' RETURNING 1");

    // the view carries everything the list shows
    JsonObject first = ag.get("/api/v1/conversations?status=assigned&limit=1").items().getJsonObject(0);
    assertThat(first.getString("status")).isEqualTo("assigned");
    assertThat(first.getJsonObject("assignee")).isEqualTo(new JsonObject().put("type", "team").put("id", id(team)).put("name", "Sales"));
    assertThat(first.getJsonObject("contact").getString("displayName")).isEqualTo("Team Three");
    assertThat(first.getJsonObject("window").containsKey("templateRequired")).isTrue();

    // another account sees none of it, even when it names these ids
    assertThat(ids(b.agent().get("/api/v1/conversations?channelId=" + g.whatsapp()))).isEmpty();
    assertThat(ids(b.agent().get("/api/v1/conversations?teamId=" + team))).isEmpty();
    assertThat(b.agent().get("/api/v1/conversations/counts?channelId=" + g.whatsapp()).json().getLong("all")).isZero();

    assertThat(ag.get("/api/v1/conversations?status=pending").status()).isEqualTo(400);
    Http.Res badChannel = ag.get("/api/v1/conversations?channelId=abc");
    assertThat(badChannel.status()).isEqualTo(400);
    assertThat(badChannel.json().getJsonObject("error").getString("message")).contains("channelId");
    assertThat(ag.get("/api/v1/conversations?limit=0").status()).isEqualTo(400);
    assertThat(ag.get("/api/v1/conversations?platform=telegram").status()).isEqualTo(400);
  }

  @Test
  @DisplayName("tab counts stop at COUNT_CAP and say which are lower bounds")
  void cappedCounts() {
    Party g = party("Kappa");
    for (int i = 0; i < 55; i++) {
      thread(g, g.messenger(), "psid-cap-" + i, "Cap " + i, i < 52 ? "closed" : "open", T0.plusSeconds(i));
    }
    JsonObject counts = g.agent().get("/api/v1/conversations/counts").json();
    assertThat(counts.getInteger("closed")).isEqualTo(50);
    assertThat(counts.getInteger("open")).isEqualTo(3);
    assertThat(counts.getInteger("all")).isEqualTo(53);
    assertThat(counts.getJsonObject("capped")).isEqualTo(new JsonObject().put("open", false).put("assigned", false).put("closed", true).put("snoozed", false).put("all", true));
  }

  @Test
  @DisplayName("the keyset cursor neither skips nor repeats while new messages bump conversations to the top")
  void cursor() {
    Party g = party("Delta");
    List<Long> all = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      // two pairs share a timestamp: ties are broken by id
      Instant at = T0.plusSeconds(i / 2 * 10L).plus(123_456, ChronoUnit.MICROS);
      all.add(thread(g, g.whatsapp(), "49170000000" + i, "Cursor " + i, "closed", at));
    }
    Http ag = g.agent();
    Http.Res p1 = ag.get("/api/v1/conversations?limit=4");
    List<String> seen = new ArrayList<>(ids(p1));
    assertThat(seen).hasSize(4);
    String cursor = p1.json().getString("nextCursor");
    assertThat(cursor).isNotBlank();

    // new activity: one conversation already seen and one not yet seen move to the top
    long seenOne = Long.parseLong(seen.get(2));
    long unseen = all.get(1);
    Seed.insert(db, "UPDATE conversations SET last_message_at = now() WHERE id IN (?, ?) RETURNING 1", seenOne, unseen);

    while (cursor != null) {
      Http.Res page = ag.get("/api/v1/conversations?limit=4&cursor=" + cursor);
      seen.addAll(ids(page));
      cursor = page.json().getString("nextCursor");
    }
    assertThat(new HashSet<>(seen)).as("no conversation repeated").hasSize(seen.size());
    Set<String> expected = new HashSet<>();
    all.forEach(x -> expected.add(id(x)));
    expected.remove(id(unseen));
    assertThat(seen).as("every conversation that did not move appears").containsAll(expected);
    // the one bumped after page 1 shows at the top on refresh
    assertThat(ids(ag.get("/api/v1/conversations?limit=2"))).containsExactlyInAnyOrder(id(seenOne), id(unseen));

    assertThat(ag.get("/api/v1/conversations?cursor=not-a-cursor").errorCode()).isEqualTo("invalid_cursor");
    assertThat(ids(ag.get("/api/v1/conversations?limit=500"))).hasSize(9);
  }

  @Test
  @DisplayName("PATCH follows the status rules, refuses bad transitions and unknown assignees with 422, and records history and events")
  void transitions() {
    Party g = party("Epsilon");
    long team = team(g, "Support");
    long conv = thread(g, g.messenger(), "psid-e1", "Eve", "closed", T0);
    String path = "/api/v1/conversations/" + conv;
    Http ag = g.agent();

    JsonObject assigned = ag.patch(path, new JsonObject().put("assignee", new JsonObject().put("type", "agent").put("id", id(g.agentId())))).json();
    assertThat(assigned.getString("status")).isEqualTo("assigned");
    assertThat(assigned.getJsonObject("assignee").getString("name")).isEqualTo("Agent Epsilon");

    JsonObject open = ag.patch(path, new JsonObject().put("status", "open")).json();
    assertThat(open.getString("status")).isEqualTo("open");
    assertThat(open.getValue("assignee")).isNull();

    Http.Res needsAssignee = ag.patch(path, new JsonObject().put("status", "assigned"));
    assertThat(needsAssignee.status()).isEqualTo(422);
    assertThat(needsAssignee.errorCode()).isEqualTo("assignee_required");

    JsonObject toTeam = ag.patch(path, new JsonObject().put("status", "assigned").put("assignee", new JsonObject().put("type", "team").put("id", team))).json();
    assertThat(toTeam.getJsonObject("assignee").getString("type")).isEqualTo("team");
    // already assigned: "assigned" alone keeps the assignee
    assertThat(ag.patch(path, new JsonObject().put("status", "assigned")).json().getJsonObject("assignee").getString("id")).isEqualTo(id(team));

    JsonObject unassigned = ag.patch(path, new JsonObject().putNull("assignee")).json();
    assertThat(unassigned.getString("status")).isEqualTo("open");
    assertThat(unassigned.getValue("assignee")).isNull();

    ag.patch(path, new JsonObject().put("assignee", new JsonObject().put("type", "agent").put("id", id(g.adminId()))));
    JsonObject closed = ag.patch(path, new JsonObject().put("status", "closed").put("note", "unknown fields are ignored")).json();
    assertThat(closed.getString("status")).isEqualTo("closed");
    assertThat(closed.getValue("assignee")).isNull();

    Http.Res foreignAgent = ag.patch(path, new JsonObject().put("assignee", new JsonObject().put("type", "agent").put("id", id(b.agentId()))));
    assertThat(foreignAgent.status()).isEqualTo(422);
    assertThat(foreignAgent.errorCode()).isEqualTo("unknown_assignee");
    assertThat(ag.patch(path, new JsonObject().put("assignee", new JsonObject().put("type", "team").put("id", "999999"))).errorCode()).isEqualTo("unknown_assignee");
    assertThat(ag.patch(path, new JsonObject().put("assignee", new JsonObject().put("type", "robot").put("id", "1"))).status()).isEqualTo(422);
    assertThat(ag.patch(path, new JsonObject().put("status", "open").put("assignee", new JsonObject().put("type", "team").put("id", id(team)))).errorCode())
        .isEqualTo("invalid_transition");
    assertThat(ag.patch(path, new JsonObject().put("status", "snoozed")).errorCode()).isEqualTo("invalid_status");
    Http.Res wrongType = ag.patch(path, new JsonObject().put("status", 3));
    assertThat(wrongType.status()).isEqualTo(400);
    assertThat(wrongType.json().getJsonObject("error").getString("message")).contains("status");
    assertThat(ag.patch(path, new JsonObject()).status()).isEqualTo(400);
    assertThat(ag.patch("/api/v1/conversations/abc", new JsonObject().put("status", "open")).status()).isEqualTo(404);
    assertThat(ag.get(path).json().getString("status")).as("failed requests changed nothing").isEqualTo("closed");

    // another account: 404, and nothing changes
    assertThat(b.admin().patch(path, new JsonObject().put("status", "open")).status()).isEqualTo(404);
    assertThat(b.admin().get(path).status()).isEqualTo(404);
    assertThat(b.admin().get(path + "/history").status()).isEqualTo(404);
    assertThat(ag.get(path).json().getString("status")).isEqualTo("closed");

    JsonArray history = ag.get(path + "/history").items();
    assertThat(history).hasSize(6);
    JsonObject firstChange = history.getJsonObject(0);
    assertThat(firstChange.getString("fromStatus")).isEqualTo("closed");
    assertThat(firstChange.getString("toStatus")).isEqualTo("assigned");
    assertThat(firstChange.getValue("fromAssignee")).isNull();
    assertThat(firstChange.getJsonObject("toAssignee").getString("id")).isEqualTo(id(g.agentId()));
    assertThat(firstChange.getJsonObject("actor").getString("id")).isEqualTo(id(g.agentId()));
    assertThat(firstChange.getString("createdAt")).isNotBlank();
    JsonObject last = history.getJsonObject(5);
    assertThat(last.getString("fromStatus")).isEqualTo("assigned");
    assertThat(last.getJsonObject("fromAssignee").getString("id")).isEqualTo(id(g.adminId()));
    assertThat(last.getString("toStatus")).isEqualTo("closed");

    List<JsonObject> events = events(g.accountId()).stream().filter(e -> "conversation.updated".equals(e.getString("type"))).toList();
    assertThat(events).hasSize(6);
    assertThat(events.get(0).getString("conversationId")).isEqualTo(id(conv));
    assertThat(events.get(0).getJsonObject("data").getString("status")).isEqualTo("assigned");
    assertThat(events.get(5).getJsonObject("data").getString("status")).isEqualTo("closed");
  }

  @Test
  @DisplayName("bulk changes many conversations in one transaction; an id of another account refuses the whole request")
  void bulk() {
    Party g = party("Zeta");
    long team = team(g, "Night shift");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(id(thread(g, g.whatsapp(), "4930000000" + i, "Bulk " + i, "closed", T0.plusSeconds(i))));
    }
    long foreign = thread(b, b.whatsapp(), "4930111111", "Not yours", "closed", T0);
    Http ag = g.agent();

    Http.Res refused = ag.post("/api/v1/conversations/bulk", new JsonObject().put("ids", new JsonArray(ids).copy().add(id(foreign)))
        .put("assignee", new JsonObject().put("type", "team").put("id", id(team))));
    assertThat(refused.status()).isEqualTo(404);
    assertThat(ids(ag.get("/api/v1/conversations?status=closed"))).as("nothing half-applied").hasSize(3);
    assertThat(b.agent().get("/api/v1/conversations/" + foreign).json().getString("status")).isEqualTo("closed");

    Http.Res r = ag.post("/api/v1/conversations/bulk", new JsonObject().put("ids", new JsonArray(ids))
        .put("assignee", new JsonObject().put("type", "team").put("id", id(team))));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json()).isEqualTo(new JsonObject().put("updated", 3));
    assertThat(ids(ag.get("/api/v1/conversations?teamId=" + team))).hasSize(3);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM conversation_history WHERE account_id = ? AND to_status = 'assigned'", g.accountId())).isEqualTo(3);

    // only the ones that change count
    ag.patch("/api/v1/conversations/" + ids.get(0), new JsonObject().put("status", "open"));
    Http.Res toOpen = ag.post("/api/v1/conversations/bulk", new JsonObject().put("ids", new JsonArray(ids)).put("status", "open"));
    assertThat(toOpen.status()).as(toOpen.text()).isEqualTo(200);
    assertThat(toOpen.json().getInteger("updated")).isEqualTo(2);
    assertThat(ag.get("/api/v1/conversations/counts").json().getInteger("open")).isEqualTo(3);

    Http.Res needsAssignee = ag.post("/api/v1/conversations/bulk", new JsonObject().put("ids", new JsonArray(ids)).put("status", "assigned"));
    assertThat(needsAssignee.errorCode()).isEqualTo("assignee_required");
    assertThat(ag.post("/api/v1/conversations/bulk", new JsonObject().put("ids", new JsonArray(ids))
        .put("assignee", new JsonObject().put("type", "agent").put("id", id(b.agentId())))).errorCode()).isEqualTo("unknown_assignee");
    assertThat(ag.post("/api/v1/conversations/bulk", new JsonObject().put("ids", "1,2").put("status", "open")).status()).isEqualTo(400);
    assertThat(ag.post("/api/v1/conversations/bulk", new JsonObject().put("ids", new JsonArray().add(true)).put("status", "open")).status()).isEqualTo(400);
    assertThat(ag.post("/api/v1/conversations/bulk", new JsonObject().put("ids", new JsonArray().add("x1")).put("status", "open")).status()).isEqualTo(404);
    assertThat(ag.post("/api/v1/conversations/bulk", new JsonObject().put("ids", new JsonArray()).put("status", "open")).status()).isEqualTo(422);
    assertThat(ag.get("/api/v1/conversations/counts").json().getInteger("open")).isEqualTo(3);

    Http.Res closeAll = ag.post("/api/v1/conversations/bulk", new JsonObject().put("ids", new JsonArray(ids)).put("status", "closed"));
    assertThat(closeAll.json().getInteger("updated")).isEqualTo(3);
    assertThat(ag.get("/api/v1/conversations/counts").json().getInteger("closed")).isEqualTo(3);
  }

  @Test
  @DisplayName("reading resets the unread count; messages page backwards with before, oldest first on each page")
  void readAndMessages() {
    Party g = party("Eta");
    long conv = thread(g, g.whatsapp(), "4940000000", "Reader", "open", T0);
    assertThat(g.agent().get("/api/v1/conversations/" + conv).json().getInteger("unreadCount")).isEqualTo(2);
    // the customer's message the count stands for: reading marks up to it
    message(g.accountId(), conv, g.whatsapp(), "in", "incoming", "unread", T0.minusSeconds(60));
    assertThat(b.agent().post("/api/v1/conversations/" + conv + "/read", null).status()).isEqualTo(404);
    JsonObject read = g.agent().post("/api/v1/conversations/" + conv + "/read", null).json();
    assertThat(read.getInteger("unreadCount")).isZero();
    assertThat(events(g.accountId()).stream().anyMatch(e -> "conversation.read".equals(e.getString("type")))).isTrue();

    long pager = thread(g, g.whatsapp(), "4940000009", "Pager", "open", T0);
    List<String> msgs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      msgs.add(id(message(g.accountId(), pager, g.whatsapp(), i % 2 == 0 ? "in" : "out", i % 2 == 0 ? "incoming" : "reply", "m" + i, T0.plusSeconds(i))));
    }
    String path = "/api/v1/conversations/" + pager + "/messages";
    Http.Res newest = g.agent().get(path + "?limit=2");
    assertThat(ids(newest)).containsExactly(msgs.get(3), msgs.get(4));
    JsonObject m4 = newest.items().getJsonObject(1);
    assertThat(m4.getString("text")).isEqualTo("m4");
    assertThat(m4.getString("direction")).isEqualTo("in");
    assertThat(m4.getString("conversationId")).isEqualTo(id(pager));
    Http.Res older = g.agent().get(path + "?limit=2&before=" + newest.json().getString("nextCursor"));
    assertThat(ids(older)).containsExactly(msgs.get(1), msgs.get(2));
    Http.Res oldest = g.agent().get(path + "?limit=2&before=" + older.json().getString("nextCursor"));
    assertThat(ids(oldest)).containsExactly(msgs.get(0));
    assertThat(oldest.json().getValue("nextCursor")).isNull();
    assertThat(ids(g.agent().get(path))).containsExactlyElementsOf(msgs);
    assertThat(b.agent().get(path).status()).isEqualTo(404);
    assertThat(g.agent().get(path + "?before=xyz").status()).isEqualTo(400);
    assertThat(g.agent().get("/api/v1/conversations/0/messages").status()).isEqualTo(404);
  }

  @Test
  @DisplayName("read marks are per agent: unassigned, each agent's own unread; assigned, the assignee's for everyone; a mark never moves back")
  void readStatePerAgent() {
    Party g = party("Theta");
    long other = Seed.user(db, g.accountId(), "Agent Two", "two+" + System.nanoTime() + "@theta.test", "agent-password", "agent");
    Http two = http.as(tokens.issue(other, g.accountId(), "agent", "Agent Two"));
    long conv = thread(g, g.whatsapp(), "4950000001", "Reads", "open", T0);
    Seed.insert(db, "UPDATE conversations SET unread_count = 0 WHERE id = ? RETURNING id", conv);
    long m1 = message(g.accountId(), conv, g.whatsapp(), "in", "incoming", "first", T0);
    long m2 = message(g.accountId(), conv, g.whatsapp(), "in", "incoming", "second", T0.plusSeconds(1));
    long m3 = message(g.accountId(), conv, g.whatsapp(), "in", "incoming", "third", T0.plusSeconds(2));
    String path = "/api/v1/conversations/" + conv;

    JsonObject upTo1 = g.agent().post(path + "/read", new JsonObject().put("messageId", id(m1))).json();
    assertThat(upTo1.getInteger("unreadCount")).isEqualTo(2);
    assertThat(upTo1.getString("lastReadMessageId")).isEqualTo(id(m1));
    assertThat(upTo1.getJsonObject("lastMessage").getString("text")).isEqualTo("third");
    // the other agent has no mark: they see the account's counter, not the first agent's reading
    assertThat(two.get(path).json().getInteger("unreadCount")).isZero();
    assertThat(two.post(path + "/read", new JsonObject().put("messageId", id(m2))).json().getInteger("unreadCount")).isEqualTo(1);
    assertThat(g.agent().get(path).json().getInteger("unreadCount")).isEqualTo(2);
    // the list shows the same count as the single fetch, per agent
    JsonObject listed = g.agent().get("/api/v1/conversations?status=open").items().stream().map(JsonObject.class::cast)
        .filter(c -> c.getString("id").equals(id(conv))).findFirst().orElseThrow();
    assertThat(listed.getInteger("unreadCount")).isEqualTo(2);

    // a stale tab's older mark does not move the mark back
    assertThat(two.post(path + "/read", new JsonObject().put("messageId", id(m1))).json().getString("lastReadMessageId")).isEqualTo(id(m2));
    // assigned to the first agent: their unread is what everyone sees
    g.admin().patch(path, new JsonObject().put("assignee", new JsonObject().put("type", "agent").put("id", id(g.agentId()))));
    assertThat(two.get(path).json().getInteger("unreadCount")).isEqualTo(2);
    assertThat(two.get(path).json().getString("readBy")).isEqualTo(id(g.agentId()));
    g.agent().post(path + "/read", null);
    assertThat(two.get(path).json().getInteger("unreadCount")).isZero();
    assertThat(g.agent().get(path).json().getString("lastReadMessageId")).isEqualTo(id(m3));

    List<JsonObject> reads = events(g.accountId()).stream().filter(e -> "conversation.read".equals(e.getString("type"))).toList();
    assertThat(reads).hasSize(4);
    assertThat(reads.get(3).getString("conversationId")).isEqualTo(id(conv));
    assertThat(reads.get(3).getJsonObject("data").getString("agentId")).isEqualTo(id(g.agentId()));
    assertThat(reads.get(3).getJsonObject("data").getString("lastReadMessageId")).isEqualTo(id(m3));

    long elsewhere = thread(g, g.whatsapp(), "4950000002", "Elsewhere", "open", T0);
    long foreign = message(g.accountId(), elsewhere, g.whatsapp(), "in", "incoming", "x", T0);
    assertThat(g.agent().post(path + "/read", new JsonObject().put("messageId", id(foreign))).errorCode()).isEqualTo("unknown_message");
    assertThat(g.agent().post(path + "/read", new JsonObject().put("messageId", "abc")).status()).isEqualTo(400);
    assertThat(b.agent().post(path + "/read", new JsonObject().put("messageId", id(m1))).status()).isEqualTo(404);
  }
}
