package dev.switchboard.conversation;

import dev.switchboard.channel.ParsedEntry;
import dev.switchboard.channel.PlatformEvent;
import dev.switchboard.common.Inbound;
import dev.switchboard.conversation.InboundRows.Channel;
import dev.switchboard.conversation.InboundRows.ChannelKey;
import dev.switchboard.conversation.InboundRows.Conversation;
import dev.switchboard.conversation.InboundRows.ConversationTouch;
import dev.switchboard.conversation.InboundRows.Inserted;
import dev.switchboard.conversation.InboundRows.MessageRow;
import dev.switchboard.conversation.InboundRows.Msg;
import dev.switchboard.conversation.InboundRows.StatusRow;
import dev.switchboard.conversation.InboundRows.Touched;
import dev.switchboard.conversation.InboundStore.RawEvent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("The processor's plan, without a database: routing, de-duplication, precedence, ordering, what the hooks see")
class InboundPlanTest {

  static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");
  static final Channel MESSENGER = new Channel(7, 1, "messenger");
  static final Channel WHATSAPP = new Channel(8, 1, "whatsapp");

  static RawEvent raw(long id, String platform, Instant receivedAt) {
    return new RawEvent(id, platform, "{}", receivedAt.atOffset(ZoneOffset.UTC));
  }

  static PlatformEvent.Message message(String customer, String name, String id, Instant at) {
    return new PlatformEvent.Message(customer, name, null, false, id, at, "text", "hi " + id, null, null, null, null);
  }

  static PlatformEvent.Message echo(String customer, String id, Instant at) {
    return new PlatformEvent.Message(customer, null, null, true, id, at, "text", "echo " + id, null, null, null, null);
  }

  static ParsedEntry entry(String channel, PlatformEvent... events) {
    return new ParsedEntry(channel, new JsonObject().put("id", channel), List.of(events));
  }

  /** Routes one raw row per list of entries, all on the Messenger page "page-1" and WhatsApp number "wa-1". */
  static InboundPlan.Routed route(Map<RawEvent, List<ParsedEntry>> rows, Map<ChannelKey, String> held) {
    Map<Long, List<ParsedEntry>> parsed = new HashMap<>();
    rows.forEach((r, e) -> parsed.put(r.id(), e));
    Map<ChannelKey, Channel> channels = Map.of(new ChannelKey("messenger", "page-1"), MESSENGER,
        new ChannelKey("whatsapp", "wa-1"), WHATSAPP);
    return InboundPlan.route(new ArrayList<>(rows.keySet()), parsed, channels, held);
  }

  /** One Messenger raw row received at {@code receivedAt}, its events all for the page "page-1". */
  static InboundPlan.Routed onPage(Instant receivedAt, PlatformEvent... events) {
    return route(rows(raw(1, "messenger", receivedAt), List.of(entry("page-1", events))), Map.of());
  }

  static Map<RawEvent, List<ParsedEntry>> rows(Object... rawAndEntries) {
    Map<RawEvent, List<ParsedEntry>> out = new LinkedHashMap<>();
    for (int i = 0; i < rawAndEntries.length; i += 2) {
      @SuppressWarnings("unchecked")
      List<ParsedEntry> entries = (List<ParsedEntry>) rawAndEntries[i + 1];
      out.put((RawEvent) rawAndEntries[i], entries);
    }
    return out;
  }

  @Test
  @DisplayName("entries go to their channel; unknown and disabled accounts' channels become dead letters; a message redelivered in the batch is stored once; an unreadable item marks only its row")
  void routing() {
    RawEvent a = raw(1, "messenger", T0);
    RawEvent b = raw(2, "messenger", T0);
    RawEvent c = raw(3, "messenger", T0);
    InboundPlan.Routed r = route(rows(
        a, List.of(entry("page-1", message("u1", "Ann", "m1", T0), new PlatformEvent.Malformed("no sender", new JsonObject()))),
        b, List.of(entry("page-1", message("u1", "Ann", "m1", T0), message("u1", "Ann", "m2", T0)), entry("page-404", message("u2", "Bo", "m3", T0))),
        c, List.of(entry("page-held", message("u3", "Cy", "m4", T0)))),
        Map.of(new ChannelKey("messenger", "page-held"), InboundPlan.HELD));

    assertThat(r.messages()).extracting(m -> m.event().externalId()).containsExactly("m1", "m2");
    assertThat(r.messages()).extracting(Msg::order).containsExactly(0, 1);
    assertThat(r.messages().get(1).ctx().raw().id()).as("the first delivery of m1 counts, the second row's m2 keeps its row").isEqualTo(2);
    assertThat(r.dead()).extracting(InboundRows.Dead::rawId, InboundRows.Dead::externalId, InboundRows.Dead::reason).containsExactly(
        org.assertj.core.groups.Tuple.tuple(2L, "page-404", "unknown channel: no messenger channel with external id page-404"),
        org.assertj.core.groups.Tuple.tuple(3L, "page-held", InboundPlan.HELD));
    assertThat(r.partlyFailed()).containsExactly(Map.entry(1L, "no sender"));
    assertThat(InboundPlan.channelKeys(List.of(a, b, c), Map.of(1L, List.of(entry("page-1")), 2L, List.of(entry("page-1"), entry("page-404")),
        3L, List.of(new ParsedEntry(null, new JsonObject(), List.of())))))
        .containsExactly(new ChannelKey("messenger", "page-1"), new ChannelKey("messenger", "page-404"));
  }

  @Test
  @DisplayName("Messenger contacts: one row per customer and channel, the last name seen wins, a later nameless message keeps it; WhatsApp customers are left to the identities")
  void contacts() {
    InboundPlan.Routed r = onPage(T0, message("u1", "Ann", "m1", T0), message("u2", "Bo", "m2", T0),
        message("u1", "Ann B.", "m3", T0), message("u1", null, "m4", T0));
    assertThat(InboundPlan.contactRows(r.messages())).containsExactly(
        new InboundRows.ContactRow(1, 7, "u1", "Ann B.", null), new InboundRows.ContactRow(1, 7, "u2", "Bo", null));
    assertThat(InboundPlan.people(r.messages())).isEmpty();
    assertThatThrownBy(() -> InboundPlan.contactOf(r.messages().get(0), Map.of())).isInstanceOf(IllegalStateException.class);
  }

  @Test
  @DisplayName("a conversation's time is its newest message's, never later than received; messages get ids per conversation, then by platform time, then by arrival")
  void conversationsAndOrder() {
    Instant received = T0.plusSeconds(60);
    InboundPlan.Routed r = onPage(received,
        message("u1", "Ann", "late", T0.plusSeconds(30)),
        message("u2", "Bo", "future", T0.plusSeconds(3600)),
        message("u1", "Ann", "early", T0.plusSeconds(10)),
        message("u1", "Ann", "same-time", T0.plusSeconds(10)));
    Map<String, Long> contacts = Map.of(InboundPlan.key(7, "u1"), 100L, InboundPlan.key(7, "u2"), 200L);

    assertThat(InboundPlan.conversationRows(r.messages(), contacts)).containsExactly(
        new InboundRows.ConversationRow(1, 7, 100, T0.plusSeconds(30).atOffset(ZoneOffset.UTC)),
        new InboundRows.ConversationRow(1, 7, 200, received.atOffset(ZoneOffset.UTC)));

    Map<String, Conversation> convs = InboundPlan.byKey(List.of(
        new Conversation(50, 1, 7, 200, "closed", null, true), new Conversation(60, 1, 7, 100, "open", null, false)));
    List<MessageRow> rows = InboundPlan.messageRows(r.messages(), contacts, convs);
    assertThat(rows).extracting(MessageRow::externalId).containsExactly("future", "early", "same-time", "late");
    assertThat(rows).extracting(MessageRow::conversationId).containsExactly(50L, 60L, 60L, 60L);
    assertThat(rows.get(0)).extracting(MessageRow::direction, MessageRow::type, MessageRow::senderType, MessageRow::status, MessageRow::attachments)
        .containsExactly("in", "incoming", "contact", "received", "[]");
  }

  @Test
  @DisplayName("echoes are outbound and sent; a customer's photo is marked for download, an echo's is not")
  void echoesAndMedia() {
    JsonArray photo = new JsonArray().add(new JsonObject().put("type", "image").put("url", "https://cdn.example/p.jpg"));
    PlatformEvent.Message in = new PlatformEvent.Message("u1", "Ann", null, false, "in", T0, "image", null, photo, null, null, null);
    PlatformEvent.Message out = new PlatformEvent.Message("u1", null, null, true, "out", T0.plusSeconds(1), "image", null, photo, null, null, null);
    InboundPlan.Routed r = onPage(T0, in, out);
    Map<String, Long> contacts = Map.of(InboundPlan.key(7, "u1"), 100L);
    Map<String, Conversation> convs = InboundPlan.byKey(List.of(new Conversation(60, 1, 7, 100, "open", null, false)));
    List<MessageRow> rows = InboundPlan.messageRows(r.messages(), contacts, convs);
    assertThat(new JsonArray(rows.get(0).attachments()).getJsonObject(0).getString("status")).isEqualTo("pending");
    assertThat(rows.get(1)).extracting(MessageRow::direction, MessageRow::type, MessageRow::senderType, MessageRow::status)
        .containsExactly("out", "echo", "external", "sent");
    assertThat(new JsonArray(rows.get(1).attachments()).getJsonObject(0).containsKey("status")).isFalse();

    List<Inserted> created = List.of(
        new Inserted(11, 1, 60, 7, "in", new JsonObject().put("attachments", new JsonArray(rows.get(0).attachments()))),
        new Inserted(12, 1, 60, 7, "out", new JsonObject().put("attachments", new JsonArray(rows.get(1).attachments()))));
    assertThat(InboundPlan.withMedia(created)).containsExactly(11L);
  }

  @Test
  @DisplayName("new messages move their conversation: newest activity, newest inbound and unread count from customer messages only; the hooks get customer messages in order, 'first' once per conversation without inbound before")
  void touchesAndInbound() {
    PlatformEvent.Message reaction = new PlatformEvent.Message("u1", "Ann", null, false, "r1", T0.plusSeconds(40), "reaction", "👍", null, null, "m1", null);
    InboundPlan.Routed r = onPage(T0.plusSeconds(100),
        message("u1", "Ann", "m1", T0.plusSeconds(10)), message("u1", "Ann", "m2", T0.plusSeconds(20)), echo("u1", "e1", T0.plusSeconds(30)),
        reaction, message("u2", "Bo", "m3", T0.plusSeconds(5)));
    Map<String, Long> contacts = Map.of(InboundPlan.key(7, "u1"), 100L, InboundPlan.key(7, "u2"), 200L);
    List<Conversation> convs = List.of(new Conversation(60, 1, 7, 100, "closed", null, true),
        new Conversation(70, 1, 7, 200, "open", T0.minusSeconds(3600).atOffset(ZoneOffset.UTC), false));
    // m1 was a redelivery (not created); the rest are new, ids in the plan's order
    List<Inserted> created = List.of(new Inserted(21, 1, 60, 7, "m2", new JsonObject()), new Inserted(22, 1, 60, 7, "e1", new JsonObject()),
        new Inserted(23, 1, 60, 7, "r1", new JsonObject()), new Inserted(31, 1, 70, 7, "m3", new JsonObject()));
    Map<String, Msg> byExt = InboundPlan.byExternalId(r.messages());

    assertThat(InboundPlan.touches(created, byExt)).containsExactly(
        new ConversationTouch(60, utc(T0.plusSeconds(40)), utc(T0.plusSeconds(20)), 1),
        new ConversationTouch(70, utc(T0.plusSeconds(5)), utc(T0.plusSeconds(5)), 1));

    Map<Long, Touched> after = Map.of(60L, new Touched(60, "open", utc(T0.plusSeconds(20))));
    List<Inbound> inbound = InboundPlan.inbound(created, byExt, contacts, convs, after);
    assertThat(inbound).extracting(Inbound::messageId, Inbound::conversationId, Inbound::contactId, Inbound::conversationStatus, Inbound::firstMessage)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(21L, 60L, 100L, "open", true),
            org.assertj.core.groups.Tuple.tuple(31L, 70L, 200L, "open", false));
    assertThat(inbound.get(0).lastInboundAt()).isEqualTo(T0.plusSeconds(20));
    assertThat(inbound.get(1).lastInboundAt()).as("no row after the update: none known").isNull();
  }

  @Test
  @DisplayName("statuses: per message the one that wins (read beats a later delivered, failed never undoes delivered), with the pricing any of them carried; unknown wamids are early statuses, other platforms' dead letters")
  void statuses() {
    RawEvent a = raw(1, "whatsapp", T0);
    RawEvent b = raw(2, "messenger", T0);
    JsonObject pricing = new JsonObject().put("billable", true);
    InboundPlan.Routed r = route(rows(
        a, List.of(entry("wa-1",
            new PlatformEvent.Status("w1", "sent", T0, null, null, pricing),
            new PlatformEvent.Status("w1", "read", T0, null, null),
            new PlatformEvent.Status("w1", "delivered", T0, null, null),
            new PlatformEvent.Status("w2", "delivered", T0, null, null),
            new PlatformEvent.Status("w2", "failed", T0, "131047", "Re-engagement message"))),
        b, List.of(entry("page-1", new PlatformEvent.Status("m9", "read", T0, null, null)))), Map.of());
    List<StatusRow> rows = InboundUpdates.statusRows(r.statuses());
    assertThat(rows).extracting(StatusRow::externalId, StatusRow::status, StatusRow::pricing).containsExactly(
        org.assertj.core.groups.Tuple.tuple("w1", "read", pricing.encode()),
        org.assertj.core.groups.Tuple.tuple("w2", "delivered", null),
        org.assertj.core.groups.Tuple.tuple("m9", "read", null));

    InboundUpdates.Unmatched u = InboundUpdates.unmatched(rows, Set.of(InboundPlan.key(8, "w2"), InboundPlan.key(7, "m9")));
    assertThat(u.early()).extracting(InboundRows.Early::rawId, InboundRows.Early::channelId, InboundRows.Early::wamid)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(1L, 8L, "w2"));
    assertThat(u.early().get(0).payload().getString("status")).isEqualTo("delivered");
    assertThat(u.dead()).extracting(InboundRows.Dead::rawId, InboundRows.Dead::reason)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(2L, "status 'read' for an unknown message m9"));
  }

  @Test
  @DisplayName("watermarks fold to the newest delivered and read per thread; ad referrals never later than received; deletions and unreacts one row each")
  void theRest() {
    Instant received = T0.plusSeconds(60);
    InboundPlan.Routed r = onPage(received,
        new PlatformEvent.Watermark("u1", "delivery", T0.plusSeconds(5)),
        new PlatformEvent.Watermark("u1", "read", T0.plusSeconds(3)),
        new PlatformEvent.Watermark("u1", "delivery", T0.plusSeconds(9)),
        new PlatformEvent.Watermark("u2", "read", T0),
        new PlatformEvent.AdReferral("u1", T0.plusSeconds(10)),
        new PlatformEvent.AdReferral("u2", T0.plusSeconds(600)),
        new PlatformEvent.Deletion("u1", "m1"),
        new PlatformEvent.Unreact("u1", "m2"));
    assertThat(InboundUpdates.watermarkRows(r.watermarks())).containsExactly(
        new InboundRows.WatermarkRow(7, "u1", utc(T0.plusSeconds(9)), utc(T0.plusSeconds(3))),
        new InboundRows.WatermarkRow(7, "u2", null, utc(T0)));
    assertThat(InboundUpdates.adReferralRows(r.adReferrals())).containsExactly(
        new InboundRows.AdReferralRow(7, "u1", utc(T0.plusSeconds(10))), new InboundRows.AdReferralRow(7, "u2", utc(received)));
    assertThat(InboundUpdates.deletionRows(r.deletions())).containsExactly(new InboundRows.DeletionRow(7, "m1"));
    assertThat(InboundUpdates.unreactRows(r.unreacts())).containsExactly(new InboundRows.UnreactRow(7, "u1", "m2"));
  }

  static OffsetDateTime utc(Instant t) {
    return t.atOffset(ZoneOffset.UTC);
  }
}
