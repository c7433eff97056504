package dev.switchboard.conversation;

import dev.switchboard.common.InboundHooks;
import dev.switchboard.common.Inbound;
import dev.switchboard.channel.FailureReasons;
import dev.switchboard.channel.ParsedEntry;
import dev.switchboard.channel.PlatformEvent;
import dev.switchboard.channel.WebhookParseException;
import dev.switchboard.channel.WebhookParsers;
import dev.switchboard.common.Times;
import dev.switchboard.events.Event;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns claimed raw webhook rows into contacts, conversations and messages inside the caller's
 * transaction, set-based: each step is one statement over the whole batch. Answers what changed,
 * so the caller can run the after-commit work (hooks, events).
 */
public final class InboundStore {

  /** A claimed {@code raw_events} row. */
  public record RawEvent(long id, String platform, String body, OffsetDateTime receivedAt) {
    public static RawEvent of(Row r) {
      return new RawEvent(r.getLong("id"), r.getString("platform"), r.getString("body"), r.getOffsetDateTime("received_at"));
    }
  }

  /**
   * What a batch stored: rows done and failed, the new customer messages (for the hooks after the
   * commit), the items it could not read (for the one-item pass, which marks its row itself) and
   * how many messages it queued media downloads for (to wake the fetcher).
   */
  public record Outcome(int done, int failed, List<Inbound> inbound, List<String> unreadable, int mediaQueued) {
  }

  /**
   * The dead-letter reason of an entry for a disabled account's channel; enabling the account
   * puts those entries' raw events back to pending ({@code accounts enable}).
   */
  public static final String HELD = "account_disabled";
  /** The dead-letter reason of an entry for a disconnected channel; connecting it again processes them. */
  public static final String DISCONNECTED = "channel_disconnected";

  private record Channel(long id, long accountId, String platform) {
  }

  private record Ctx(RawEvent raw, Channel channel) {
  }

  private record Msg(Ctx ctx, PlatformEvent.Message event, int order) {
    Instant effectiveTime() {
      Instant received = ctx.raw().receivedAt().toInstant();
      Instant t = event.timestamp();
      return t == null || t.isAfter(received) ? received : t;
    }

    boolean countsAsInbound() {
      return !event.echo() && !"reaction".equals(event.contentType());
    }
  }

  private record Dead(long rawId, String platform, String externalId, String reason, JsonObject payload) {
  }

  /** A WhatsApp status for a wamid no message has yet. */
  private record Early(long rawId, long channelId, String wamid, JsonObject payload) {
  }

  private record ConvInfo(long id, long accountId, String status, OffsetDateTime lastInboundBefore, boolean inserted) {
  }

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(InboundStore.class);

  private final InboundHooks hooks;

  public InboundStore(InboundHooks hooks) {
    this.hooks = hooks;
  }

  /**
   * Processes the rows in {@code events}' transaction and writes their events there; a row that
   * cannot be normalised is marked failed, not thrown.
   */
  public Future<Outcome> process(TxEvents events, List<RawEvent> raws) {
    SqlConnection tx = events.conn();
    List<RawEvent> ok = new ArrayList<>();
    Map<Long, List<ParsedEntry>> parsed = new HashMap<>();
    List<Long> failedIds = new ArrayList<>();
    List<String> failedErrors = new ArrayList<>();
    for (RawEvent raw : raws) {
      try {
        parsed.put(raw.id(), WebhookParsers.parse(raw.platform(), raw.body()));
        ok.add(raw);
      } catch (WebhookParseException | IllegalArgumentException | ClassCastException e) {
        failedIds.add(raw.id());
        failedErrors.add(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
      }
    }
    Batch b = new Batch(tx, ok, parsed);
    return b.channels()
        .compose(v -> b.run())
        .compose(v -> markFailed(tx, failedIds, failedErrors))
        .compose(v -> b.markDone())
        .compose(v -> markFailed(tx, new ArrayList<>(b.partlyFailed.keySet()), new ArrayList<>(b.partlyFailed.values())))
        .compose(v -> {
          b.publishTo(events);
          return hooks.inTransaction(events, b.inbound);
        })
        .compose(v -> events.write())
        .map(v -> new Outcome(ok.size(), failedIds.size(), b.inbound, List.copyOf(b.partlyFailed.values()), b.withMedia.size()));
  }

  /** A raw row whatever its status; empty when there is none. */
  public static Future<List<RawEvent>> raw(SqlClient sql, long id) {
    return sql.preparedQuery(InboundSql.RAW_BY_ID).execute(Tuple.of(id)).map(InboundStore::raws);
  }

  /** The items of a raw row, each one entry with one of its events (an entry with none counts once). */
  public static List<ParsedEntry> items(RawEvent raw) {
    List<ParsedEntry> out = new ArrayList<>();
    for (ParsedEntry e : WebhookParsers.parse(raw.platform(), raw.body())) {
      if (e.events().isEmpty()) {
        out.add(e);
      }
      for (PlatformEvent ev : e.events()) {
        out.add(new ParsedEntry(e.channelExternalId(), e.json(), List.of(ev)));
      }
    }
    return out;
  }

  /**
   * Stores one item of a raw row (see {@link #items}) in {@code events}' transaction, without
   * marking the row: the last pass over a row that failed as a whole, so one item the database
   * refuses costs only itself. The caller marks the row once every item had its turn.
   */
  public Future<Outcome> processItem(TxEvents events, RawEvent raw, ParsedEntry item) {
    Batch b = new Batch(events.conn(), List.of(raw), Map.of(raw.id(), List.of(item)));
    return b.channels()
        .compose(v -> b.run())
        .compose(v -> {
          b.publishTo(events);
          return hooks.inTransaction(events, b.inbound);
        })
        .compose(v -> events.write())
        .map(v -> new Outcome(0, 0, b.inbound, List.copyOf(b.partlyFailed.values()), b.withMedia.size()));
  }

  /** Marks a row done, or failed with {@code error} when some of its items could not be stored. */
  public static Future<Void> finish(SqlConnection tx, long rawId, String error) {
    return error == null
        ? tx.preparedQuery(InboundSql.MARK_DONE).execute(Tuple.of((Object) new Long[] {rawId})).mapEmpty()
        : markFailed(tx, List.of(rawId), List.of(error));
  }

  /** Claims up to {@code limit} pending raw rows, oldest first; locked until {@code tx} ends. */
  public static Future<List<RawEvent>> claim(SqlConnection tx, int limit) {
    return tx.preparedQuery(InboundSql.CLAIM).execute(Tuple.of(limit)).map(InboundStore::raws);
  }

  /** Claims one pending raw row (the one-by-one fallback). */
  public static Future<List<RawEvent>> claimOne(SqlConnection tx, long id) {
    return tx.preparedQuery(InboundSql.CLAIM_ONE).execute(Tuple.of(id)).map(InboundStore::raws);
  }

  private static List<RawEvent> raws(RowSet<Row> rows) {
    List<RawEvent> out = new ArrayList<>();
    rows.forEach(r -> out.add(RawEvent.of(r)));
    return out;
  }

  /** Contact views by id (one query), for {@code contact.updated} events. */
  public static Future<List<JsonObject>> contacts(SqlClient sql, java.util.Collection<Long> ids) {
    return sql.preparedQuery(InboundSql.CONTACTS_BY_ID).execute(Tuple.of((Object) ids.toArray(new Long[0]))).map(rows -> {
      List<JsonObject> out = new ArrayList<>();
      rows.forEach(r -> out.add(Views.contact(r)));
      return out;
    });
  }

  /** Marks one row failed with the error (after its own processing rolled back). */
  public static Future<Void> markFailed(SqlConnection tx, List<Long> ids, List<String> errors) {
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    return tx.preparedQuery(InboundSql.MARK_FAILED)
        .execute(Tuple.of(ids.toArray(new Long[0]), (Object) errors.toArray(new String[0]))).mapEmpty();
  }

  /** The state of one batch while it runs (one event loop, no sharing). */
  private static final class Batch {
    final SqlConnection tx;
    final List<RawEvent> raws;
    final Map<Long, List<ParsedEntry>> parsed;
    final Map<String, Channel> channelsByKey = new HashMap<>();
    /** Channels of disabled accounts or disconnected: their entries are held (with this reason), not processed. */
    final Map<String, String> heldKeys = new HashMap<>();
    final List<Dead> dead = new ArrayList<>();
    final List<Early> early = new ArrayList<>();
    final List<Msg> messages = new ArrayList<>();
    final List<Ctx> statusCtx = new ArrayList<>();
    final List<PlatformEvent.Status> statuses = new ArrayList<>();
    final List<Ctx> markCtx = new ArrayList<>();
    final List<PlatformEvent.Watermark> watermarks = new ArrayList<>();
    final List<Ctx> deletionCtx = new ArrayList<>();
    final List<PlatformEvent.Deletion> deletions = new ArrayList<>();
    final List<Ctx> unreactCtx = new ArrayList<>();
    final List<PlatformEvent.Unreact> unreacts = new ArrayList<>();
    final List<WhatsAppIdentities.Change> identityChanges = new ArrayList<>();
    final List<Ctx> adCtx = new ArrayList<>();
    final List<PlatformEvent.AdReferral> adReferrals = new ArrayList<>();
    final List<WhatsAppIdentities.Merge> merges = new ArrayList<>();
    /** Raw events with an unreadable item: stored as far as they go, then marked failed with the reasons. */
    final Map<Long, String> partlyFailed = new LinkedHashMap<>();

    final Map<String, Long> contactIds = new HashMap<>();
    final Map<String, ConvInfo> convByContactKey = new HashMap<>();
    final List<Inbound> inbound = new ArrayList<>();
    final List<Event> messageEvents = new ArrayList<>();
    /** Messages this batch inserted with attachments to fetch. */
    final List<Long> withMedia = new ArrayList<>();
    final Map<Long, Long> createdConversations = new LinkedHashMap<>();
    final Map<Long, Long> updatedConversations = new LinkedHashMap<>();
    final Map<Long, Long> changedContacts = new LinkedHashMap<>();
    final Map<Long, Long> contactConversation = new HashMap<>();

    Batch(SqlConnection tx, List<RawEvent> raws, Map<Long, List<ParsedEntry>> parsed) {
      this.tx = tx;
      this.raws = raws;
      this.parsed = parsed;
    }

    Future<Void> channels() {
      Set<String> keys = new LinkedHashSet<>();
      for (RawEvent raw : raws) {
        for (ParsedEntry e : parsed.get(raw.id())) {
          if (e.channelExternalId() != null) {
            keys.add(raw.platform() + "\n" + e.channelExternalId());
          }
        }
      }
      if (keys.isEmpty()) {
        return Future.succeededFuture();
      }
      String[] platforms = new String[keys.size()];
      String[] ids = new String[keys.size()];
      int i = 0;
      for (String k : keys) {
        int nl = k.indexOf('\n');
        platforms[i] = k.substring(0, nl);
        ids[i++] = k.substring(nl + 1);
      }
      return tx.preparedQuery(InboundSql.CHANNELS).execute(Tuple.of(platforms, (Object) ids)).map(rows -> {
        for (Row r : rows) {
          String key = r.getString("platform") + "\n" + r.getString("external_id");
          if (r.getString("held") != null) {
            heldKeys.put(key, r.getString("held"));
          } else {
            channelsByKey.put(key, new Channel(r.getLong("id"), r.getLong("account_id"), r.getString("platform")));
          }
        }
        return null;
      });
    }

    Future<Void> run() {
      sort();
      return timed("contacts", this::contacts)
          .compose(v -> timed("conversations", this::conversations))
          .compose(v -> timed("messages", this::insertMessages))
          .compose(v -> timed("media", this::enqueueMedia))
          .compose(v -> timed("statuses", this::statuses))
          .compose(v -> timed("watermarks", this::watermarks))
          .compose(v -> timed("deletions", this::deletions))
          .compose(v -> timed("unreacts", this::unreacts))
          .compose(v -> timed("ad referrals", this::adReferrals))
          .compose(v -> timed("dead letters", this::deadLetters));
    }

    private static Future<Void> timed(String step, java.util.function.Supplier<Future<Void>> work) {
      if (!LOG.isDebugEnabled()) {
        return work.get();
      }
      long t0 = System.nanoTime();
      return work.get().onComplete(ar -> LOG.debug("{}: {} ms", step, (System.nanoTime() - t0) / 1_000_000));
    }

    /** Routes each entry to its channel and sorts its events by kind; unknown channels become dead letters. */
    private void sort() {
      Set<String> seenMessages = new HashSet<>();
      int order = 0;
      for (RawEvent raw : raws) {
        for (ParsedEntry entry : parsed.get(raw.id())) {
          String key = raw.platform() + "\n" + entry.channelExternalId();
          if (entry.channelExternalId() != null && heldKeys.containsKey(key)) {
            dead.add(new Dead(raw.id(), raw.platform(), entry.channelExternalId(), heldKeys.get(key), entry.json()));
            continue;
          }
          Channel ch = entry.channelExternalId() == null ? null : channelsByKey.get(key);
          if (ch == null) {
            dead.add(new Dead(raw.id(), raw.platform(), entry.channelExternalId(),
                "unknown channel: no " + raw.platform() + " channel with external id " + entry.channelExternalId(), entry.json()));
            continue;
          }
          Ctx ctx = new Ctx(raw, ch);
          for (PlatformEvent ev : entry.events()) {
            if (ev instanceof PlatformEvent.Message m) {
              if (seenMessages.add(ch.id() + "\n" + m.externalId())) {
                messages.add(new Msg(ctx, m, order++));
              }
            } else if (ev instanceof PlatformEvent.Status s) {
              statusCtx.add(ctx);
              statuses.add(s);
            } else if (ev instanceof PlatformEvent.Watermark w) {
              markCtx.add(ctx);
              watermarks.add(w);
            } else if (ev instanceof PlatformEvent.Deletion d) {
              deletionCtx.add(ctx);
              deletions.add(d);
            } else if (ev instanceof PlatformEvent.Unreact u) {
              unreactCtx.add(ctx);
              unreacts.add(u);
            } else if (ev instanceof PlatformEvent.AdReferral ad) {
              adCtx.add(ctx);
              adReferrals.add(ad);
            } else if (ev instanceof PlatformEvent.IdentityChange c) {
              identityChanges.add(new WhatsAppIdentities.Change(ch.accountId(), ch.id(), c));
            } else if (ev instanceof PlatformEvent.Malformed bad) {
              // the raw body keeps the item; the raw event carries the reason
              partlyFailed.merge(raw.id(), bad.reason(), (a, b) -> a + "; " + b);
            } else if (ev instanceof PlatformEvent.Unhandled u) {
              dead.add(new Dead(raw.id(), raw.platform(), entry.channelExternalId(), u.reason(), u.json()));
            }
          }
        }
      }
    }

    private static String key(long channelId, String uid) {
      return channelId + "\n" + uid;
    }

    private Future<Void> contacts() {
      List<Msg> others = new ArrayList<>();
      List<long[]> waChannels = new ArrayList<>();
      List<PlatformEvent.WaIdentity> waIds = new ArrayList<>();
      List<String> waNames = new ArrayList<>();
      for (Msg m : messages) {
        if (m.event().identity() != null) {
          waChannels.add(new long[] {m.ctx().channel().id(), m.ctx().channel().accountId()});
          waIds.add(m.event().identity());
          waNames.add(m.event().customerName());
        } else {
          others.add(m);
        }
      }
      if (waIds.isEmpty() && identityChanges.isEmpty()) {
        return platformContacts(others);
      }
      WhatsAppIdentities identities = new WhatsAppIdentities(tx);
      return identities.apply(WhatsAppIdentities.people(waChannels, waIds, waNames), identityChanges)
          .compose(v -> {
            contactIds.putAll(identities.contactByKey);
            identities.changed.forEach(changedContacts::put);
            merges.addAll(identities.merges);
            for (WhatsAppIdentities.Merge mg : identities.merges) {
              changedContacts.remove(mg.loser());
              if (mg.survivingConversation() != null) {
                updatedConversations.put(mg.survivingConversation(), mg.accountId());
              }
            }
            return platformContacts(others);
          });
    }

    /** Messenger and Instagram contacts: keyed by the platform's user id alone. */
    private Future<Void> platformContacts(List<Msg> msgs) {
      // the last name seen in the batch wins: profile names are refreshed on every inbound
      Map<String, String[]> byKey = new java.util.TreeMap<>();
      Map<String, Long[]> ids = new HashMap<>();
      for (Msg m : msgs) {
        String k = key(m.ctx().channel().id(), m.event().customerId());
        String[] cur = byKey.get(k);
        String name = m.event().customerName();
        String phone = m.event().phone();
        if (cur == null) {
          byKey.put(k, new String[] {m.event().customerId(), name, phone});
          ids.put(k, new Long[] {m.ctx().channel().accountId(), m.ctx().channel().id()});
        } else {
          if (name != null) {
            cur[1] = name;
          }
          if (phone != null) {
            cur[2] = phone;
          }
        }
      }
      if (byKey.isEmpty()) {
        return Future.succeededFuture();
      }
      int n = byKey.size();
      Long[] accounts = new Long[n];
      Long[] channels = new Long[n];
      String[] uids = new String[n];
      String[] names = new String[n];
      String[] phones = new String[n];
      int i = 0;
      for (Map.Entry<String, String[]> e : byKey.entrySet()) {
        Long[] ac = ids.get(e.getKey());
        accounts[i] = ac[0];
        channels[i] = ac[1];
        uids[i] = e.getValue()[0];
        names[i] = e.getValue()[1];
        phones[i] = e.getValue()[2];
        i++;
      }
      Map<Long, Long> accountOfChannel = new HashMap<>();
      for (int j = 0; j < n; j++) {
        accountOfChannel.put(channels[j], accounts[j]);
      }
      return tx.preparedQuery(InboundSql.INSERT_CONTACTS)
          .execute(Tuple.of(accounts, channels, uids, names, phones))
          .compose(v -> tx.preparedQuery(InboundSql.REFRESH_CONTACTS).execute(Tuple.of(channels, uids, names)))
          .map(rows -> {
            for (Row r : rows) {
              long channelId = r.getLong("channel_id");
              long contactId = r.getLong("id");
              contactIds.put(key(channelId, r.getString("platform_user_id")), contactId);
              if (Boolean.TRUE.equals(r.getBoolean("name_changed"))) {
                changedContacts.put(contactId, accountOfChannel.get(channelId));
              }
            }
            return null;
          });
    }

    private Future<Void> conversations() {
      Map<String, Instant> latest = new java.util.TreeMap<>();
      Map<String, Long[]> ids = new HashMap<>();
      for (Msg m : messages) {
        String k = convKey(m);
        latest.merge(k, m.effectiveTime(), (a, b) -> a.isAfter(b) ? a : b);
        ids.putIfAbsent(k, new Long[] {m.ctx().channel().accountId(), m.ctx().channel().id(), contactOf(m)});
      }
      if (latest.isEmpty()) {
        return Future.succeededFuture();
      }
      int n = latest.size();
      Long[] accounts = new Long[n];
      Long[] channels = new Long[n];
      Long[] contacts = new Long[n];
      OffsetDateTime[] at = new OffsetDateTime[n];
      Map<String, String> keyOfPair = new HashMap<>();
      Map<Long, Long> accountOfChannel = new HashMap<>();
      int i = 0;
      for (Map.Entry<String, Instant> e : latest.entrySet()) {
        Long[] v = ids.get(e.getKey());
        accounts[i] = v[0];
        channels[i] = v[1];
        contacts[i] = v[2];
        at[i] = Times.utc(e.getValue());
        keyOfPair.put(v[1] + "/" + v[2], e.getKey());
        accountOfChannel.put(v[1], v[0]);
        i++;
      }
      Set<Long> inserted = new HashSet<>();
      return tx.preparedQuery(InboundSql.INSERT_CONVERSATIONS)
          .execute(Tuple.of(accounts, channels, contacts, at))
          .compose(rows -> {
            rows.forEach(r -> inserted.add(r.getLong("id")));
            return tx.preparedQuery(InboundSql.LOCK_CONVERSATIONS).execute(Tuple.of(channels, (Object) contacts));
          })
          .map(rows -> {
            for (Row r : rows) {
              String k = keyOfPair.get(r.getLong("channel_id") + "/" + r.getLong("contact_id"));
              long accountId = accountOfChannel.get(r.getLong("channel_id"));
              ConvInfo c = new ConvInfo(r.getLong("id"), accountId, r.getString("status"),
                  r.getOffsetDateTime("last_inbound_at"), inserted.contains(r.getLong("id")));
              convByContactKey.put(k, c);
              contactConversation.put(r.getLong("contact_id"), c.id());
              if (c.inserted()) {
                createdConversations.put(c.id(), accountId);
              }
            }
            return null;
          });
    }

    private Future<Void> insertMessages() {
      if (messages.isEmpty()) {
        return Future.succeededFuture();
      }
      // ids follow (conversation, platform time, arrival): the thread reads in the customer's order
      List<Msg> ordered = new ArrayList<>(messages);
      ordered.sort(Comparator.comparingLong((Msg m) -> conv(m).id())
          .thenComparing(Msg::effectiveTime)
          .thenComparingInt(Msg::order));
      int n = ordered.size();
      Long[] a = new Long[n];
      Long[] cv = new Long[n];
      Long[] ch = new Long[n];
      String[] d = new String[n];
      String[] ty = new String[n];
      String[] ct = new String[n];
      String[] tx2 = new String[n];
      String[] att = new String[n];
      String[] rw = new String[n];
      String[] st = new String[n];
      String[] s = new String[n];
      String[] ext = new String[n];
      String[] rt = new String[n];
      OffsetDateTime[] ts = new OffsetDateTime[n];
      String[] pl = new String[n];
      Map<Long, Msg> byConvExt = new HashMap<>();
      for (int i = 0; i < n; i++) {
        Msg m = ordered.get(i);
        PlatformEvent.Message e = m.event();
        a[i] = m.ctx().channel().accountId();
        cv[i] = conv(m).id();
        ch[i] = m.ctx().channel().id();
        d[i] = e.echo() ? "out" : "in";
        ty[i] = e.echo() ? "echo" : "incoming";
        ct[i] = e.contentType();
        tx2[i] = e.text();
        att[i] = e.attachments() == null ? "[]" : MediaMarks.pending(m.ctx().channel().platform(), e.echo(), e.attachments()).encode();
        rw[i] = e.raw() == null ? null : e.raw().encode();
        st[i] = e.echo() ? "external" : "contact";
        s[i] = e.echo() ? "sent" : "received";
        ext[i] = e.externalId();
        rt[i] = e.replyTo();
        ts[i] = Times.utc(e.timestamp());
        pl[i] = e.payload();
      }
      Map<String, Msg> byExt = new HashMap<>();
      for (Msg m : ordered) {
        byExt.put(m.ctx().channel().id() + "\n" + m.event().externalId(), m);
      }
      return tx.preparedQuery(InboundSql.INSERT_MESSAGES)
          .execute(Tuple.from(new Object[] {a, cv, ch, d, ty, ct, tx2, att, rw, st, s, ext, rt, ts, pl}))
          .compose(rows -> afterInsert(rows, byExt));
    }

    /** Queues the download of every attachment marked pending; the fetcher of any node does it after the commit. */
    private Future<Void> enqueueMedia() {
      if (withMedia.isEmpty()) {
        return Future.succeededFuture();
      }
      return tx.preparedQuery(InboundSql.ENQUEUE_MEDIA).execute(Tuple.of((Object) withMedia.toArray(new Long[0]))).mapEmpty();
    }

    private ConvInfo conv(Msg m) {
      return convByContactKey.get(convKey(m));
    }

    private Long contactOf(Msg m) {
      Long id = contactIds.get(key(m.ctx().channel().id(), m.event().customerId()));
      if (id == null) {
        throw new IllegalStateException("no contact resolved for " + m.ctx().raw().platform() + " customer of message "
            + m.event().externalId());
      }
      return id;
    }

    /** One conversation per (channel, contact): a WhatsApp person may come under a phone in one message and a BSUID in the next. */
    private String convKey(Msg m) {
      return m.ctx().channel().id() + "/" + contactOf(m);
    }

    private Future<Void> afterInsert(RowSet<Row> rows, Map<String, Msg> byExt) {
      List<Row> created = new ArrayList<>();
      rows.forEach(created::add);
      created.sort(Comparator.comparingLong(r -> r.getLong("id")));
      // per conversation: newest activity, newest inbound, how many unread
      Map<Long, Instant[]> times = new LinkedHashMap<>();
      Map<Long, Integer> unread = new HashMap<>();
      Map<Long, Msg> msgOfRow = new HashMap<>();
      for (Row r : created) {
        Msg m = byExt.get(r.getLong("channel_id") + "\n" + r.getString("external_id"));
        msgOfRow.put(r.getLong("id"), m);
        long convId = r.getLong("conversation_id");
        Instant[] t = times.computeIfAbsent(convId, k -> new Instant[2]);
        Instant at = m.effectiveTime();
        t[0] = max(t[0], at);
        if (m.countsAsInbound()) {
          t[1] = max(t[1], at);
          unread.merge(convId, 1, Integer::sum);
        }
        JsonObject view = Views.message(r);
        messageEvents.add(Event.messageCreated(r.getLong("account_id"), convId, view));
        if (MediaMarks.hasPending(view.getJsonArray("attachments"))) {
          withMedia.add(r.getLong("id"));
        }
      }
      if (times.isEmpty()) {
        return Future.succeededFuture();
      }
      int n = times.size();
      Long[] ids = new Long[n];
      OffsetDateTime[] lastAt = new OffsetDateTime[n];
      OffsetDateTime[] lastIn = new OffsetDateTime[n];
      Integer[] counts = new Integer[n];
      int i = 0;
      for (Map.Entry<Long, Instant[]> e : times.entrySet()) {
        ids[i] = e.getKey();
        lastAt[i] = Times.utc(e.getValue()[0]);
        lastIn[i] = Times.utc(e.getValue()[1]);
        counts[i] = unread.getOrDefault(e.getKey(), 0);
        i++;
      }
      return tx.preparedQuery(InboundSql.UPDATE_CONVERSATIONS)
          .execute(Tuple.of(ids, lastAt, lastIn, counts))
          .map(updated -> {
            Map<Long, Row> after = new HashMap<>();
            for (Row r : updated) {
              after.put(r.getLong("id"), r);
            }
            Map<Long, ConvInfo> infoById = new HashMap<>();
            convByContactKey.values().forEach(c -> infoById.put(c.id(), c));
            Set<Long> hadInbound = new HashSet<>();
            for (ConvInfo c : infoById.values()) {
              if (c.lastInboundBefore() != null) {
                hadInbound.add(c.id());
              }
            }
            List<Inbound> fresh = new ArrayList<>();
            for (Row r : created) {
              Msg m = msgOfRow.get(r.getLong("id"));
              long convId = r.getLong("conversation_id");
              ConvInfo c = infoById.get(convId);
              if (!c.inserted()) {
                updatedConversations.put(convId, c.accountId());
              }
              if (!m.countsAsInbound()) {
                continue;
              }
              Row a = after.get(convId);
              OffsetDateTime lastInbound = a == null ? null : a.getOffsetDateTime("last_inbound_at");
              fresh.add(new Inbound(c.accountId(), m.ctx().channel().id(), m.ctx().channel().platform(), convId,
                  contactOf(m), r.getLong("id"),
                  a == null ? c.status() : a.getString("status"), m.event().contentType(), m.event().text(),
                  m.event().payload(), m.event().timestamp(), lastInbound == null ? null : lastInbound.toInstant(),
                  hadInbound.add(convId)));
            }
            fresh.sort(Comparator.comparingLong(Inbound::conversationId).thenComparingLong(Inbound::messageId));
            inbound.addAll(fresh);
            return null;
          });
    }

    private Future<Void> statuses() {
      if (statuses.isEmpty()) {
        return Future.succeededFuture();
      }
      // several statuses of one message in a batch: keep the one that wins under the same rules
      Map<String, Integer> best = new LinkedHashMap<>();
      for (int i = 0; i < statuses.size(); i++) {
        String k = statusCtx.get(i).channel().id() + "\n" + statuses.get(i).externalId();
        Integer cur = best.get(k);
        if (cur == null || MessageStatus.moves(statuses.get(cur).status(), statuses.get(i).status())) {
          best.put(k, i);
        }
      }
      int n = best.size();
      Long[] ch = new Long[n];
      String[] ext = new String[n];
      String[] st = new String[n];
      String[] code = new String[n];
      String[] msg = new String[n];
      String[] pricing = new String[n];
      int j = 0;
      for (int i : best.values()) {
        PlatformEvent.Status s = statuses.get(i);
        ch[j] = statusCtx.get(i).channel().id();
        ext[j] = s.externalId();
        st[j] = s.status();
        code[j] = s.errorCode();
        msg[j] = FailureReasons.describe(s.errorCode(), s.errorMessage());
        pricing[j] = s.pricing() == null ? pricingOf(ch[j], s.externalId()) : s.pricing().encode();
        j++;
      }
      return tx.preparedQuery(InboundSql.APPLY_STATUSES).execute(Tuple.from(new Object[] {ch, ext, st, code, msg, pricing}))
          .compose(rows -> {
            updatedMessages(rows);
            if (rows.rowCount() >= n) {
              return Future.succeededFuture();
            }
            return tx.preparedQuery(InboundSql.UNKNOWN_MESSAGES).execute(Tuple.of(ch, (Object) ext)).map(unknown -> {
              Map<String, Integer> indexOf = new HashMap<>();
              best.forEach((k, i) -> indexOf.put(k, i));
              for (Row r : unknown) {
                Integer i = indexOf.get(r.getLong("channel_id") + "\n" + r.getString("external_id"));
                if (i != null) {
                  Ctx c = statusCtx.get(i);
                  PlatformEvent.Status s = statuses.get(i);
                  JsonObject payload = new JsonObject().put("id", s.externalId()).put("status", s.status())
                      .put("timestamp", Times.iso(s.timestamp())).put("errorCode", s.errorCode())
                      .put("errorMessage", FailureReasons.describe(s.errorCode(), s.errorMessage()))
                      .put("pricing", s.pricing());
                  if (c.channel().platform().equals("whatsapp")) {
                    // most likely one of our sends whose wamid is not recorded yet: the send applies it
                    early.add(new Early(c.raw().id(), c.channel().id(), s.externalId(), payload));
                  } else {
                    dead.add(new Dead(c.raw().id(), c.raw().platform(), null,
                        "status '" + s.status() + "' for an unknown message " + s.externalId(), payload));
                  }
                }
              }
              return null;
            }).compose(v -> earlyStatuses());
          });
    }

    private Future<Void> earlyStatuses() {
      if (early.isEmpty()) {
        return Future.succeededFuture();
      }
      Long[] raw = early.stream().map(Early::rawId).toArray(Long[]::new);
      Long[] ch = early.stream().map(Early::channelId).toArray(Long[]::new);
      String[] wamid = early.stream().map(Early::wamid).toArray(String[]::new);
      String[] payload = early.stream().map(e -> e.payload().encode()).toArray(String[]::new);
      early.clear();
      return tx.preparedQuery(InboundSql.EARLY_STATUSES).execute(Tuple.of(raw, ch, wamid, payload)).mapEmpty();
    }

    /** The pricing any status of this message in the batch carried (the winning one may have none). */
    private String pricingOf(long channelId, String externalId) {
      for (int i = statuses.size() - 1; i >= 0; i--) {
        PlatformEvent.Status s = statuses.get(i);
        if (s.pricing() != null && s.externalId().equals(externalId) && statusCtx.get(i).channel().id() == channelId) {
          return s.pricing().encode();
        }
      }
      return null;
    }


    private Future<Void> watermarks() {
      if (watermarks.isEmpty()) {
        return Future.succeededFuture();
      }
      Map<String, Instant[]> marks = new LinkedHashMap<>();
      Map<String, Object[]> keys = new HashMap<>();
      for (int i = 0; i < watermarks.size(); i++) {
        PlatformEvent.Watermark w = watermarks.get(i);
        String k = key(markCtx.get(i).channel().id(), w.customerId());
        Instant[] m = marks.computeIfAbsent(k, x -> new Instant[2]);
        keys.putIfAbsent(k, new Object[] {markCtx.get(i).channel().id(), w.customerId()});
        int slot = "read".equals(w.level()) ? 1 : 0;
        m[slot] = max(m[slot], w.watermark());
      }
      int n = marks.size();
      Long[] ch = new Long[n];
      String[] uid = new String[n];
      OffsetDateTime[] delivered = new OffsetDateTime[n];
      OffsetDateTime[] read = new OffsetDateTime[n];
      int i = 0;
      for (Map.Entry<String, Instant[]> e : marks.entrySet()) {
        Object[] k = keys.get(e.getKey());
        ch[i] = (Long) k[0];
        uid[i] = (String) k[1];
        delivered[i] = Times.utc(e.getValue()[0]);
        read[i] = Times.utc(e.getValue()[1]);
        i++;
      }
      return tx.preparedQuery(InboundSql.APPLY_WATERMARKS).execute(Tuple.of(ch, uid, delivered, read))
          .map(rows -> {
            updatedMessages(rows);
            return null;
          });
    }

    private Future<Void> deletions() {
      if (deletions.isEmpty()) {
        return Future.succeededFuture();
      }
      int n = deletions.size();
      Long[] ch = new Long[n];
      String[] ext = new String[n];
      for (int i = 0; i < n; i++) {
        ch[i] = deletionCtx.get(i).channel().id();
        ext[i] = deletions.get(i).externalId();
      }
      return tx.preparedQuery(InboundSql.DELETE_MESSAGES).execute(Tuple.of(ch, (Object) ext)).map(rows -> {
        updatedMessages(rows);
        return null;
      });
    }

    private Future<Void> unreacts() {
      if (unreacts.isEmpty()) {
        return Future.succeededFuture();
      }
      int n = unreacts.size();
      Long[] ch = new Long[n];
      String[] uid = new String[n];
      String[] reacted = new String[n];
      OffsetDateTime[] at = new OffsetDateTime[n];
      for (int i = 0; i < n; i++) {
        ch[i] = unreactCtx.get(i).channel().id();
        uid[i] = unreacts.get(i).customerId();
        reacted[i] = unreacts.get(i).reactedId();
        at[i] = null;
      }
      return tx.preparedQuery(InboundSql.UNREACT).execute(Tuple.of(ch, uid, reacted, at)).map(rows -> {
        updatedMessages(rows);
        return null;
      });
    }

    /** Threads begun from an ad: their conversation remembers when (the window policy gives it 7 days). */
    private Future<Void> adReferrals() {
      if (adReferrals.isEmpty()) {
        return Future.succeededFuture();
      }
      int n = adReferrals.size();
      Long[] ch = new Long[n];
      String[] uid = new String[n];
      OffsetDateTime[] at = new OffsetDateTime[n];
      for (int i = 0; i < n; i++) {
        ch[i] = adCtx.get(i).channel().id();
        uid[i] = adReferrals.get(i).customerId();
        // never later than we received it: a clock ahead of ours must not stretch the window
        Instant received = adCtx.get(i).raw().receivedAt().toInstant();
        Instant t = adReferrals.get(i).at();
        at[i] = Times.utc(t.isAfter(received) ? received : t);
      }
      return tx.preparedQuery(InboundSql.AD_REFERRALS).execute(Tuple.of(ch, uid, at)).map(rows -> {
        for (Row r : rows) {
          Long account = r.getLong("account_id");
          if (!createdConversations.containsKey(r.getLong("id"))) {
            updatedConversations.put(r.getLong("id"), account);
          }
        }
        return null;
      });
    }

    /** Hands what this batch changed to the transaction's events. */
    void publishTo(TxEvents events) {
      createdConversations.forEach((conv, account) -> events.conversationCreated(account, conv));
      events.addAll(messageEvents);
      updatedConversations.forEach((conv, account) -> events.conversationChanged(account, conv));
      for (WhatsAppIdentities.Merge m : merges) {
        if (m.removedConversation() != null && m.survivingConversation() != null) {
          // the inbox drops the merged conversation (it is gone) and shows the surviving one
          events.merged(m.accountId(), m.removedConversation(), m.survivingConversation());
        }
      }
      changedContacts.forEach((contact, account) -> events.contactChanged(account, contact, contactConversation.get(contact)));
    }

    private void updatedMessages(RowSet<Row> rows) {
      for (Row r : rows) {
        JsonObject view = Views.message(r);
        OffsetDateTime deleted = r.getOffsetDateTime("deleted_at");
        if (deleted != null) {
          view.put("deletedAt", Times.iso(deleted));
        }
        messageEvents.add(Event.messageUpdated(r.getLong("account_id"), r.getLong("conversation_id"), view));
      }
    }

    private Future<Void> deadLetters() {
      if (dead.isEmpty()) {
        return Future.succeededFuture();
      }
      int n = dead.size();
      Long[] raw = new Long[n];
      String[] platform = new String[n];
      String[] ext = new String[n];
      String[] reason = new String[n];
      String[] payload = new String[n];
      for (int i = 0; i < n; i++) {
        Dead d = dead.get(i);
        raw[i] = d.rawId();
        platform[i] = d.platform();
        ext[i] = d.externalId();
        reason[i] = d.reason();
        payload[i] = d.payload() == null ? "{}" : d.payload().encode();
      }
      return tx.preparedQuery(InboundSql.DEAD_LETTERS).execute(Tuple.of(raw, platform, ext, reason, payload)).mapEmpty();
    }

    Future<Void> markDone() {
      if (raws.isEmpty()) {
        return Future.succeededFuture();
      }
      Long[] ids = raws.stream().map(RawEvent::id).toArray(Long[]::new);
      return tx.preparedQuery(InboundSql.MARK_DONE).execute(Tuple.of((Object) ids)).mapEmpty();
    }

    private static Instant max(Instant a, Instant b) {
      if (a == null) {
        return b;
      }
      if (b == null) {
        return a;
      }
      return a.isAfter(b) ? a : b;
    }
  }
}
