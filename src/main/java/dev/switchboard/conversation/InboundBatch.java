package dev.switchboard.conversation;

import dev.switchboard.channel.ParsedEntry;
import dev.switchboard.common.Inbound;
import dev.switchboard.common.Times;
import dev.switchboard.conversation.InboundRows.AdReferralRow;
import dev.switchboard.conversation.InboundRows.Channel;
import dev.switchboard.conversation.InboundRows.ChannelKey;
import dev.switchboard.conversation.InboundRows.ContactRow;
import dev.switchboard.conversation.InboundRows.Conversation;
import dev.switchboard.conversation.InboundRows.ConversationRow;
import dev.switchboard.conversation.InboundRows.ConversationTouch;
import dev.switchboard.conversation.InboundRows.Dead;
import dev.switchboard.conversation.InboundRows.DeletionRow;
import dev.switchboard.conversation.InboundRows.Early;
import dev.switchboard.conversation.InboundRows.Inserted;
import dev.switchboard.conversation.InboundRows.MessageRow;
import dev.switchboard.conversation.InboundRows.Msg;
import dev.switchboard.conversation.InboundRows.StatusRow;
import dev.switchboard.conversation.InboundRows.Touched;
import dev.switchboard.conversation.InboundRows.UnreactRow;
import dev.switchboard.conversation.InboundRows.WatermarkRow;
import dev.switchboard.conversation.InboundStore.RawEvent;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Runs one batch's {@link InboundPlan} in the caller's transaction: each step reads what the plan
 * needs, asks the plan what to write and writes it with one set-based statement of
 * {@link InboundSql} (the plan's rows become the statement's arrays). One event loop, no sharing.
 */
final class InboundBatch {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(InboundBatch.class);

  private final SqlConnection tx;
  private final List<RawEvent> raws;
  private final Map<Long, List<ParsedEntry>> parsed;
  private InboundPlan.Routed routed;
  private final Map<String, Long> contactIds = new HashMap<>();
  private Map<String, Conversation> conversations = Map.of();
  private final List<Dead> unmatchedDead = new ArrayList<>();
  final InboundChanges changes = new InboundChanges();
  final List<Inbound> inbound = new ArrayList<>();
  /** Messages this batch inserted with attachments to fetch. */
  final List<Long> withMedia = new ArrayList<>();

  InboundBatch(SqlConnection tx, List<RawEvent> raws, Map<Long, List<ParsedEntry>> parsed) {
    this.tx = tx;
    this.raws = raws;
    this.parsed = parsed;
  }

  /** Raw events with an unreadable item: stored as far as they go, then marked failed with the reasons. */
  Map<Long, String> partlyFailed() {
    return routed == null ? Map.of() : routed.partlyFailed();
  }

  Future<Void> run() {
    return channels()
        .compose(v -> timed("contacts", this::contacts))
        .compose(v -> timed("conversations", this::conversations))
        .compose(v -> timed("messages", this::messages))
        .compose(v -> timed("media", this::enqueueMedia))
        .compose(v -> timed("statuses", this::statuses))
        .compose(v -> timed("watermarks", this::watermarks))
        .compose(v -> timed("deletions", this::deletions))
        .compose(v -> timed("unreacts", this::unreacts))
        .compose(v -> timed("ad referrals", this::adReferrals))
        .compose(v -> timed("dead letters", this::deadLetters));
  }

  private static Future<Void> timed(String step, Supplier<Future<Void>> work) {
    if (!LOG.isDebugEnabled()) {
      return work.get();
    }
    long t0 = System.nanoTime();
    return work.get().onComplete(ar -> LOG.debug("{}: {} ms", step, (System.nanoTime() - t0) / 1_000_000));
  }

  private Future<Void> channels() {
    List<ChannelKey> keys = InboundPlan.channelKeys(raws, parsed);
    Map<ChannelKey, Channel> found = new HashMap<>();
    Map<ChannelKey, String> held = new HashMap<>();
    Future<Void> read = keys.isEmpty() ? Future.succeededFuture()
        : tx.preparedQuery(InboundSql.CHANNELS).execute(Tuple.of(col(keys, ChannelKey::platform, String[]::new),
            (Object) col(keys, ChannelKey::externalId, String[]::new))).map(rows -> {
              for (Row r : rows) {
                ChannelKey key = new ChannelKey(r.getString("platform"), r.getString("external_id"));
                if (r.getString("held") != null) {
                  held.put(key, r.getString("held"));
                } else {
                  found.put(key, new Channel(r.getLong("id"), r.getLong("account_id"), r.getString("platform")));
                }
              }
              return null;
            });
    return read.map(v -> {
      routed = InboundPlan.route(raws, parsed, found, held);
      return null;
    });
  }

  private Future<Void> contacts() {
    List<WhatsAppIdentities.Person> people = InboundPlan.people(routed.messages());
    if (people.isEmpty() && routed.identityChanges().isEmpty()) {
      return platformContacts();
    }
    WhatsAppIdentities identities = new WhatsAppIdentities(tx);
    return identities.apply(people, routed.identityChanges()).compose(v -> {
      contactIds.putAll(identities.contactByKey);
      changes.identities(identities.changed, identities.merges);
      return platformContacts();
    });
  }

  /** Messenger and Instagram contacts: inserted where new, their names refreshed, all looked up in one statement. */
  private Future<Void> platformContacts() {
    List<ContactRow> rows = InboundPlan.contactRows(routed.messages());
    if (rows.isEmpty()) {
      return Future.succeededFuture();
    }
    Map<Long, Long> accountOfChannel = new HashMap<>();
    rows.forEach(c -> accountOfChannel.put(c.channelId(), c.accountId()));
    Long[] channels = col(rows, ContactRow::channelId, Long[]::new);
    String[] uids = col(rows, ContactRow::uid, String[]::new);
    String[] names = col(rows, ContactRow::name, String[]::new);
    return tx.preparedQuery(InboundSql.INSERT_CONTACTS)
        .execute(Tuple.of(col(rows, ContactRow::accountId, Long[]::new), channels, uids, names, col(rows, ContactRow::phone, String[]::new)))
        .compose(v -> tx.preparedQuery(InboundSql.REFRESH_CONTACTS).execute(Tuple.of(channels, uids, names)))
        .map(found -> {
          for (Row r : found) {
            long channelId = r.getLong("channel_id");
            long contactId = r.getLong("id");
            contactIds.put(InboundPlan.key(channelId, r.getString("platform_user_id")), contactId);
            if (Boolean.TRUE.equals(r.getBoolean("name_changed"))) {
              changes.contactChanged(contactId, accountOfChannel.get(channelId));
            }
          }
          return null;
        });
  }

  private Future<Void> conversations() {
    List<ConversationRow> rows = InboundPlan.conversationRows(routed.messages(), contactIds);
    if (rows.isEmpty()) {
      return Future.succeededFuture();
    }
    Map<Long, Long> accountOfChannel = new HashMap<>();
    rows.forEach(c -> accountOfChannel.put(c.channelId(), c.accountId()));
    Long[] channels = col(rows, ConversationRow::channelId, Long[]::new);
    Long[] contacts = col(rows, ConversationRow::contactId, Long[]::new);
    Set<Long> inserted = new HashSet<>();
    return tx.preparedQuery(InboundSql.INSERT_CONVERSATIONS)
        .execute(Tuple.of(col(rows, ConversationRow::accountId, Long[]::new), channels, contacts,
            col(rows, ConversationRow::lastMessageAt, OffsetDateTime[]::new)))
        .compose(ins -> {
          ins.forEach(r -> inserted.add(r.getLong("id")));
          return tx.preparedQuery(InboundSql.LOCK_CONVERSATIONS).execute(Tuple.of(channels, (Object) contacts));
        })
        .map(locked -> {
          List<Conversation> found = new ArrayList<>();
          for (Row r : locked) {
            long id = r.getLong("id");
            long account = accountOfChannel.get(r.getLong("channel_id"));
            Conversation c = new Conversation(id, account, r.getLong("channel_id"), r.getLong("contact_id"),
                r.getString("status"), r.getOffsetDateTime("last_inbound_at"), inserted.contains(id));
            found.add(c);
            changes.conversationOf(c.contactId(), id);
            if (c.inserted()) {
              changes.created(id, account);
            }
          }
          conversations = InboundPlan.byKey(found);
          return null;
        });
  }

  private Future<Void> messages() {
    if (routed.messages().isEmpty()) {
      return Future.succeededFuture();
    }
    List<MessageRow> rows = InboundPlan.messageRows(routed.messages(), contactIds, conversations);
    Map<String, Msg> byExt = InboundPlan.byExternalId(routed.messages());
    Object[] columns = {col(rows, MessageRow::accountId, Long[]::new), col(rows, MessageRow::conversationId, Long[]::new),
        col(rows, MessageRow::channelId, Long[]::new), col(rows, MessageRow::direction, String[]::new),
        col(rows, MessageRow::type, String[]::new), col(rows, MessageRow::contentType, String[]::new),
        col(rows, MessageRow::text, String[]::new), col(rows, MessageRow::attachments, String[]::new),
        col(rows, MessageRow::raw, String[]::new), col(rows, MessageRow::senderType, String[]::new),
        col(rows, MessageRow::status, String[]::new), col(rows, MessageRow::externalId, String[]::new),
        col(rows, MessageRow::replyTo, String[]::new), col(rows, MessageRow::platformTimestamp, OffsetDateTime[]::new),
        col(rows, MessageRow::payload, String[]::new)};
    return tx.preparedQuery(InboundSql.INSERT_MESSAGES).execute(Tuple.from(columns)).compose(ins -> {
      List<Inserted> created = new ArrayList<>();
      for (Row r : ins) {
        created.add(new Inserted(r.getLong("id"), r.getLong("account_id"), r.getLong("conversation_id"),
            r.getLong("channel_id"), r.getString("external_id"), Views.message(r)));
      }
      created.sort(Comparator.comparingLong(Inserted::id));
      for (Inserted r : created) {
        changes.messageCreated(r.accountId(), r.conversationId(), r.view());
      }
      withMedia.addAll(InboundPlan.withMedia(created));
      return touch(created, byExt);
    });
  }

  /** Moves each conversation's times and unread count; then the new customer messages are known with their conversation's state. */
  private Future<Void> touch(List<Inserted> created, Map<String, Msg> byExt) {
    List<ConversationTouch> touches = InboundPlan.touches(created, byExt);
    if (touches.isEmpty()) {
      return Future.succeededFuture();
    }
    return tx.preparedQuery(InboundSql.UPDATE_CONVERSATIONS)
        .execute(Tuple.of(col(touches, ConversationTouch::id, Long[]::new), col(touches, ConversationTouch::lastAt, OffsetDateTime[]::new),
            col(touches, ConversationTouch::lastIn, OffsetDateTime[]::new), col(touches, ConversationTouch::unread, Integer[]::new)))
        .map(updated -> {
          Map<Long, Touched> after = new HashMap<>();
          for (Row r : updated) {
            after.put(r.getLong("id"), new Touched(r.getLong("id"), r.getString("status"), r.getOffsetDateTime("last_inbound_at")));
          }
          for (Inserted r : created) {
            changes.updated(r.conversationId(), r.accountId());
          }
          inbound.addAll(InboundPlan.inbound(created, byExt, contactIds, conversations.values(), after));
          return null;
        });
  }

  /** Queues the download of every attachment marked pending; the fetcher of any node does it after the commit. */
  private Future<Void> enqueueMedia() {
    if (withMedia.isEmpty()) {
      return Future.succeededFuture();
    }
    return tx.preparedQuery(InboundSql.ENQUEUE_MEDIA).execute(Tuple.of((Object) withMedia.toArray(new Long[0]))).mapEmpty();
  }

  private Future<Void> statuses() {
    List<StatusRow> rows = InboundUpdates.statusRows(routed.statuses());
    if (rows.isEmpty()) {
      return Future.succeededFuture();
    }
    Long[] channels = col(rows, StatusRow::channelId, Long[]::new);
    String[] ids = col(rows, StatusRow::externalId, String[]::new);
    return tx.preparedQuery(InboundSql.APPLY_STATUSES).execute(Tuple.from(new Object[] {channels, ids,
            col(rows, StatusRow::status, String[]::new), col(rows, StatusRow::code, String[]::new),
            col(rows, StatusRow::message, String[]::new), col(rows, StatusRow::pricing, String[]::new)}))
        .compose(applied -> {
          updatedMessages(applied);
          if (applied.rowCount() >= rows.size()) {
            return Future.succeededFuture();
          }
          return tx.preparedQuery(InboundSql.UNKNOWN_MESSAGES).execute(Tuple.of(channels, (Object) ids)).compose(unknown -> {
            Set<String> keys = new HashSet<>();
            unknown.forEach(r -> keys.add(InboundPlan.key(r.getLong("channel_id"), r.getString("external_id"))));
            InboundUpdates.Unmatched u = InboundUpdates.unmatched(rows, keys);
            unmatchedDead.addAll(u.dead());
            return earlyStatuses(u.early());
          });
        });
  }

  private Future<Void> earlyStatuses(List<Early> early) {
    if (early.isEmpty()) {
      return Future.succeededFuture();
    }
    return tx.preparedQuery(InboundSql.EARLY_STATUSES).execute(Tuple.of(col(early, Early::rawId, Long[]::new),
        col(early, Early::channelId, Long[]::new), col(early, Early::wamid, String[]::new),
        col(early, e -> e.payload().encode(), String[]::new))).mapEmpty();
  }

  private Future<Void> watermarks() {
    List<WatermarkRow> rows = InboundUpdates.watermarkRows(routed.watermarks());
    return rows.isEmpty() ? Future.succeededFuture()
        : updating(InboundSql.APPLY_WATERMARKS, Tuple.of(col(rows, WatermarkRow::channelId, Long[]::new),
            col(rows, WatermarkRow::uid, String[]::new), col(rows, WatermarkRow::delivered, OffsetDateTime[]::new),
            col(rows, WatermarkRow::read, OffsetDateTime[]::new)));
  }

  private Future<Void> deletions() {
    List<DeletionRow> rows = InboundUpdates.deletionRows(routed.deletions());
    return rows.isEmpty() ? Future.succeededFuture()
        : updating(InboundSql.DELETE_MESSAGES, Tuple.of(col(rows, DeletionRow::channelId, Long[]::new),
            (Object) col(rows, DeletionRow::externalId, String[]::new)));
  }

  private Future<Void> unreacts() {
    List<UnreactRow> rows = InboundUpdates.unreactRows(routed.unreacts());
    // the unreact's own time is not known: every earlier reaction of the customer to that message goes
    return rows.isEmpty() ? Future.succeededFuture()
        : updating(InboundSql.UNREACT, Tuple.of(col(rows, UnreactRow::channelId, Long[]::new), col(rows, UnreactRow::uid, String[]::new),
            col(rows, UnreactRow::reactedId, String[]::new), new OffsetDateTime[rows.size()]));
  }

  private Future<Void> updating(String sql, Tuple args) {
    return tx.preparedQuery(sql).execute(args).map(rows -> {
      updatedMessages(rows);
      return null;
    });
  }

  private Future<Void> adReferrals() {
    List<AdReferralRow> rows = InboundUpdates.adReferralRows(routed.adReferrals());
    if (rows.isEmpty()) {
      return Future.succeededFuture();
    }
    return tx.preparedQuery(InboundSql.AD_REFERRALS).execute(Tuple.of(col(rows, AdReferralRow::channelId, Long[]::new),
        col(rows, AdReferralRow::uid, String[]::new), col(rows, AdReferralRow::at, OffsetDateTime[]::new))).map(updated -> {
          updated.forEach(r -> changes.updated(r.getLong("id"), r.getLong("account_id")));
          return null;
        });
  }

  private void updatedMessages(RowSet<Row> rows) {
    for (Row r : rows) {
      JsonObject view = Views.message(r);
      OffsetDateTime deleted = r.getOffsetDateTime("deleted_at");
      if (deleted != null) {
        view.put("deletedAt", Times.iso(deleted));
      }
      changes.messageUpdated(r.getLong("account_id"), r.getLong("conversation_id"), view);
    }
  }

  private Future<Void> deadLetters() {
    List<Dead> dead = new ArrayList<>(routed.dead());
    dead.addAll(unmatchedDead);
    if (dead.isEmpty()) {
      return Future.succeededFuture();
    }
    return tx.preparedQuery(InboundSql.DEAD_LETTERS).execute(Tuple.of(col(dead, Dead::rawId, Long[]::new),
        col(dead, Dead::platform, String[]::new), col(dead, Dead::externalId, String[]::new), col(dead, Dead::reason, String[]::new),
        col(dead, d -> d.payload() == null ? "{}" : d.payload().encode(), String[]::new))).mapEmpty();
  }

  Future<Void> markDone() {
    if (raws.isEmpty()) {
      return Future.succeededFuture();
    }
    return tx.preparedQuery(InboundSql.MARK_DONE).execute(Tuple.of((Object) col(raws, RawEvent::id, Long[]::new))).mapEmpty();
  }

  /** One column of the rows, as the array a statement's UNNEST takes. */
  private static <R, T> T[] col(List<R> rows, Function<R, T> column, IntFunction<T[]> array) {
    T[] out = array.apply(rows.size());
    for (int i = 0; i < out.length; i++) {
      out[i] = column.apply(rows.get(i));
    }
    return out;
  }
}
