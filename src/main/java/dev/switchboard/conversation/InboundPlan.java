package dev.switchboard.conversation;

import dev.switchboard.channel.ParsedEntry;
import dev.switchboard.channel.PlatformEvent;
import dev.switchboard.common.Inbound;
import dev.switchboard.common.Times;
import dev.switchboard.conversation.InboundRows.At;
import dev.switchboard.conversation.InboundRows.Channel;
import dev.switchboard.conversation.InboundRows.ChannelKey;
import dev.switchboard.conversation.InboundRows.ContactRow;
import dev.switchboard.conversation.InboundRows.Conversation;
import dev.switchboard.conversation.InboundRows.ConversationRow;
import dev.switchboard.conversation.InboundRows.ConversationTouch;
import dev.switchboard.conversation.InboundRows.Ctx;
import dev.switchboard.conversation.InboundRows.Dead;
import dev.switchboard.conversation.InboundRows.Inserted;
import dev.switchboard.conversation.InboundRows.MessageRow;
import dev.switchboard.conversation.InboundRows.Msg;
import dev.switchboard.conversation.InboundRows.Touched;
import dev.switchboard.conversation.InboundStore.RawEvent;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a batch of parsed webhook rows writes, decided without a database: routing to channels,
 * de-duplication, the contacts and conversations its messages need, the order messages get their
 * ids in, what each conversation's new messages move, which customer messages the hooks see and
 * what is kept as a dead letter; {@link InboundUpdates} decides the updates of existing rows
 * (statuses, watermarks, deletions, unreacts, ad referrals). Each step is a function of the batch and of the rows
 * {@link InboundStore} read or got back from the step before (ids are the database's), so the
 * store only reads, calls these and writes; the steps are tested without a server.
 */
final class InboundPlan {

  private InboundPlan() {
  }

  /**
   * The dead-letter reason of an entry for a disabled account's channel; enabling the account
   * puts those entries' raw events back to pending ({@code accounts enable}).
   */
  static final String HELD = "account_disabled";
  static final String DISCONNECTED = "channel_disconnected";

  /** The batch's events by kind, each with its channel; what has no channel is a dead letter already. */
  record Routed(List<Msg> messages, List<At<PlatformEvent.Status>> statuses, List<At<PlatformEvent.Watermark>> watermarks,
                List<At<PlatformEvent.Deletion>> deletions, List<At<PlatformEvent.Unreact>> unreacts,
                List<At<PlatformEvent.AdReferral>> adReferrals, List<WhatsAppIdentities.Change> identityChanges,
                List<Dead> dead, Map<Long, String> partlyFailed) {
  }

  /** The channels the batch's entries name, once each, in the order first named. */
  static List<ChannelKey> channelKeys(List<RawEvent> raws, Map<Long, List<ParsedEntry>> parsed) {
    Set<ChannelKey> keys = new LinkedHashSet<>();
    for (RawEvent raw : raws) {
      for (ParsedEntry e : parsed.get(raw.id())) {
        if (e.channelExternalId() != null) {
          keys.add(new ChannelKey(raw.platform(), e.channelExternalId()));
        }
      }
    }
    return new ArrayList<>(keys);
  }

  /**
   * Routes each entry to its channel and sorts its events by kind. Entries of a disabled
   * account's or a disconnected channel are held (dead letters with the reason {@code held} gives,
   * processed again when it is enabled or connected), of an unknown channel dead; a message id seen twice on one channel
   * is stored once; an unreadable item marks its raw row partly failed.
   */
  static Routed route(List<RawEvent> raws, Map<Long, List<ParsedEntry>> parsed, Map<ChannelKey, Channel> channels,
                      Map<ChannelKey, String> held) {
    Routed r = new Routed(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
        new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new LinkedHashMap<>());
    Set<String> seenMessages = new HashSet<>();
    for (RawEvent raw : raws) {
      for (ParsedEntry entry : parsed.get(raw.id())) {
        ChannelKey key = new ChannelKey(raw.platform(), entry.channelExternalId());
        if (entry.channelExternalId() != null && held.containsKey(key)) {
          r.dead().add(new Dead(raw.id(), raw.platform(), entry.channelExternalId(), held.get(key), entry.json()));
          continue;
        }
        Channel ch = entry.channelExternalId() == null ? null : channels.get(key);
        if (ch == null) {
          r.dead().add(new Dead(raw.id(), raw.platform(), entry.channelExternalId(),
              "unknown channel: no " + raw.platform() + " channel with external id " + entry.channelExternalId(), entry.json()));
          continue;
        }
        Ctx ctx = new Ctx(raw, ch);
        for (PlatformEvent ev : entry.events()) {
          if (ev instanceof PlatformEvent.Message m) {
            if (seenMessages.add(key(ch.id(), m.externalId()))) {
              r.messages().add(new Msg(ctx, m, r.messages().size()));
            }
          } else if (ev instanceof PlatformEvent.Status s) {
            r.statuses().add(new At<>(ctx, s));
          } else if (ev instanceof PlatformEvent.Watermark w) {
            r.watermarks().add(new At<>(ctx, w));
          } else if (ev instanceof PlatformEvent.Deletion d) {
            r.deletions().add(new At<>(ctx, d));
          } else if (ev instanceof PlatformEvent.Unreact u) {
            r.unreacts().add(new At<>(ctx, u));
          } else if (ev instanceof PlatformEvent.AdReferral ad) {
            r.adReferrals().add(new At<>(ctx, ad));
          } else if (ev instanceof PlatformEvent.IdentityChange c) {
            r.identityChanges().add(new WhatsAppIdentities.Change(ch.accountId(), ch.id(), c));
          } else if (ev instanceof PlatformEvent.Malformed bad) {
            // the raw body keeps the item; the raw event carries the reason
            r.partlyFailed().merge(raw.id(), bad.reason(), (a, b) -> a + "; " + b);
          } else if (ev instanceof PlatformEvent.Unhandled u) {
            r.dead().add(new Dead(raw.id(), raw.platform(), entry.channelExternalId(), u.reason(), u.json()));
          }
        }
      }
    }
    return r;
  }

  /** The key of a customer or a message on a channel (the same as {@link WhatsAppIdentities#key}). */
  static String key(long channelId, String id) {
    return channelId + "\n" + id;
  }

  /** One conversation per (channel, contact): a WhatsApp person may come under a phone in one message and a BSUID in the next. */
  static String conversationKey(long channelId, long contactId) {
    return channelId + "/" + contactId;
  }

  // ---------- contacts ----------

  /** WhatsApp customers, who are people with a phone and/or a BSUID ({@link WhatsAppIdentities}). */
  static List<WhatsAppIdentities.Person> people(List<Msg> messages) {
    List<long[]> channels = new ArrayList<>();
    List<PlatformEvent.WaIdentity> ids = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (Msg m : messages) {
      if (m.event().identity() != null) {
        channels.add(new long[] {m.channelId(), m.accountId()});
        ids.add(m.event().identity());
        names.add(m.event().customerName());
      }
    }
    return WhatsAppIdentities.people(channels, ids, names);
  }

  /** Messenger and Instagram contacts, by key: the last name and phone seen in the batch win (profile names refresh on every inbound). */
  static List<ContactRow> contactRows(List<Msg> messages) {
    Map<String, ContactRow> byKey = new TreeMap<>();
    for (Msg m : messages) {
      if (m.event().identity() != null) {
        continue;
      }
      PlatformEvent.Message e = m.event();
      byKey.merge(key(m.channelId(), e.customerId()), new ContactRow(m.accountId(), m.channelId(), e.customerId(), e.customerName(), e.phone()),
          (cur, next) -> new ContactRow(cur.accountId(), cur.channelId(), cur.uid(),
              next.name() != null ? next.name() : cur.name(), next.phone() != null ? next.phone() : cur.phone()));
    }
    return new ArrayList<>(byKey.values());
  }

  /** The contact a message's customer resolved to. */
  static long contactOf(Msg m, Map<String, Long> contactIds) {
    Long id = contactIds.get(key(m.channelId(), m.event().customerId()));
    if (id == null) {
      throw new IllegalStateException("no contact resolved for " + m.ctx().raw().platform() + " customer of message "
          + m.event().externalId());
    }
    return id;
  }

  // ---------- conversations ----------

  /** One conversation row per (channel, contact) of the batch's messages, with its newest activity. */
  static List<ConversationRow> conversationRows(List<Msg> messages, Map<String, Long> contactIds) {
    Map<String, ConversationRow> byKey = new TreeMap<>();
    for (Msg m : messages) {
      long contact = contactOf(m, contactIds);
      Instant at = m.effectiveTime();
      byKey.merge(conversationKey(m.channelId(), contact), new ConversationRow(m.accountId(), m.channelId(), contact, Times.utc(at)),
          (cur, next) -> next.lastMessageAt().isAfter(cur.lastMessageAt()) ? next : cur);
    }
    return new ArrayList<>(byKey.values());
  }

  /** The batch's conversations by {@link #conversationKey}. */
  static Map<String, Conversation> byKey(Collection<Conversation> locked) {
    Map<String, Conversation> out = new HashMap<>();
    for (Conversation c : locked) {
      out.put(conversationKey(c.channelId(), c.contactId()), c);
    }
    return out;
  }

  // ---------- messages ----------

  /**
   * The messages in the order they get their ids: per conversation, then platform time, then
   * arrival, so a thread reads in the customer's order.
   */
  static List<MessageRow> messageRows(List<Msg> messages, Map<String, Long> contactIds, Map<String, Conversation> conversations) {
    record Placed(Msg m, long conversationId) {
    }
    List<Placed> ordered = new ArrayList<>(messages.size());
    for (Msg m : messages) {
      ordered.add(new Placed(m, conversations.get(conversationKey(m.channelId(), contactOf(m, contactIds))).id()));
    }
    ordered.sort(Comparator.comparingLong(Placed::conversationId).thenComparing(p -> p.m().effectiveTime())
        .thenComparingInt(p -> p.m().order()));
    List<MessageRow> rows = new ArrayList<>(ordered.size());
    for (Placed p : ordered) {
      Msg m = p.m();
      PlatformEvent.Message e = m.event();
      boolean echo = e.echo();
      rows.add(new MessageRow(m.accountId(), p.conversationId(), m.channelId(), echo ? "out" : "in", echo ? "echo" : "incoming",
          e.contentType(), e.text(),
          e.attachments() == null ? "[]" : MediaMarks.pending(m.ctx().channel().platform(), echo, e.attachments()).encode(),
          e.raw() == null ? null : e.raw().encode(), echo ? "external" : "contact", echo ? "sent" : "received",
          e.externalId(), e.replyTo(), Times.utc(e.timestamp()), e.payload()));
    }
    return rows;
  }

  /** The batch's messages by {@link #key}(channel, platform id), to match the rows the insert returns. */
  static Map<String, Msg> byExternalId(List<Msg> messages) {
    Map<String, Msg> out = new HashMap<>();
    for (Msg m : messages) {
      out.put(key(m.channelId(), m.event().externalId()), m);
    }
    return out;
  }

  /** What the created messages move per conversation, in order of the conversations' first new message. */
  static List<ConversationTouch> touches(List<Inserted> created, Map<String, Msg> byExt) {
    Map<Long, Instant[]> times = new LinkedHashMap<>();
    Map<Long, Integer> unread = new HashMap<>();
    for (Inserted r : created) {
      Msg m = byExt.get(key(r.channelId(), r.externalId()));
      Instant[] t = times.computeIfAbsent(r.conversationId(), k -> new Instant[2]);
      Instant at = m.effectiveTime();
      t[0] = later(t[0], at);
      if (m.countsAsInbound()) {
        t[1] = later(t[1], at);
        unread.merge(r.conversationId(), 1, Integer::sum);
      }
    }
    List<ConversationTouch> out = new ArrayList<>(times.size());
    times.forEach((id, t) -> out.add(new ConversationTouch(id, Times.utc(t[0]), Times.utc(t[1]), unread.getOrDefault(id, 0))));
    return out;
  }

  /** The created messages that have an attachment to fetch. */
  static List<Long> withMedia(List<Inserted> created) {
    List<Long> out = new ArrayList<>();
    for (Inserted r : created) {
      if (MediaMarks.hasPending(r.view().getJsonArray("attachments"))) {
        out.add(r.id());
      }
    }
    return out;
  }

  /**
   * The new customer messages for the hooks, in order per conversation; {@code firstMessage} only
   * for the first of a conversation that had no inbound before.
   */
  static List<Inbound> inbound(List<Inserted> created, Map<String, Msg> byExt, Map<String, Long> contactIds,
                               Collection<Conversation> conversations, Map<Long, Touched> after) {
    Map<Long, Conversation> byId = new HashMap<>();
    Set<Long> hadInbound = new HashSet<>();
    for (Conversation c : conversations) {
      byId.put(c.id(), c);
      if (c.lastInboundBefore() != null) {
        hadInbound.add(c.id());
      }
    }
    List<Inbound> out = new ArrayList<>();
    for (Inserted r : created) {
      Msg m = byExt.get(key(r.channelId(), r.externalId()));
      if (!m.countsAsInbound()) {
        continue;
      }
      Conversation c = byId.get(r.conversationId());
      Touched a = after.get(r.conversationId());
      PlatformEvent.Message e = m.event();
      out.add(new Inbound(c.accountId(), m.channelId(), m.ctx().channel().platform(), c.id(), contactOf(m, contactIds), r.id(),
          a == null ? c.status() : a.status(), e.contentType(), e.text(), e.payload(), e.timestamp(),
          a == null ? null : Times.instant(a.lastInbound()), hadInbound.add(c.id())));
    }
    out.sort(Comparator.comparingLong(Inbound::conversationId).thenComparingLong(Inbound::messageId));
    return out;
  }

  /** The later of two times, either of which may be null. */
  static <T extends Comparable<? super T>> T later(T a, T b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return a.compareTo(b) >= 0 ? a : b;
  }


}
