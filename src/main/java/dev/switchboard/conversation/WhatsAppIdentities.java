package dev.switchboard.conversation;

import dev.switchboard.channel.PlatformEvent;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * WhatsApp customers to contacts, inside the processor's transaction. A contact is keyed by its
 * BSUID when it has one, by its phone otherwise, and keeps both. A person seen with a phone and
 * a BSUID together becomes one contact: records found by either id are merged into the oldest,
 * with their conversations (messages, history) and fields. Identity changes (new BSUID, new
 * phone, a phone learnt) move the contact, merging the same way.
 *
 * <p>Everything a batch touches is locked first (advisory locks per id, one global order), so
 * concurrent batches on several nodes that name one person in different shapes serialise and
 * never create two contacts. The common case (each person known under the same ids, or new) is
 * three or four statements for the whole batch (lock, find, update, insert); merges and identity
 * changes are rare and run statement by statement, then the contacts are looked up once more.
 */
public final class WhatsAppIdentities {

  private static final Logger LOG = LoggerFactory.getLogger(WhatsAppIdentities.class);

  /** What the batch says about one person on one channel (several messages folded into one). */
  static final class Person {
    final long accountId;
    final long channelId;
    String phone;
    String bsuid;
    String parent;
    String username;
    String name;

    Person(long accountId, long channelId) {
      this.accountId = accountId;
      this.channelId = channelId;
    }

    void take(PlatformEvent.WaIdentity id, String profileName) {
      phone = id.phone() != null ? id.phone() : phone;
      bsuid = id.bsuid() != null ? id.bsuid() : bsuid;
      parent = id.parentBsuid() != null ? id.parentBsuid() : parent;
      username = id.username() != null ? id.username() : username;
      name = profileName != null ? profileName : name;
    }

    List<String> ids() {
      List<String> out = new ArrayList<>(2);
      if (bsuid != null) {
        out.add(bsuid);
      }
      if (phone != null) {
        out.add(phone);
      }
      return out;
    }
  }

  /** An identity change on a channel. */
  record Change(long accountId, long channelId, PlatformEvent.IdentityChange change) {
    List<String> ids() {
      List<String> out = new ArrayList<>(4);
      for (String s : new String[] {change.oldBsuid(), change.oldPhone(), change.newBsuid(), change.newPhone()}) {
        if (s != null) {
          out.add(s);
        }
      }
      return out;
    }
  }

  private record Found(long id, long channelId, String waId, String bsuid, String key) {
  }

  /** A merge of {@code loser} into {@code survivor}; conversations are reported so the inbox can follow. */
  public record Merge(long accountId, long survivor, long loser, Long survivingConversation, Long removedConversation) {
  }

  /**
   * The phone {@code phone} belongs to {@code bsuid} (Meta said so answering a send): applied in
   * {@code events}' transaction as a status naming both ids would be, so a contact holding either
   * takes the other, two contacts holding one each merge, and nobody new is created. Publishes the
   * merges, the surviving conversation and the changed contacts, naming {@code conversationId} (the
   * conversation the send belongs to) or what it merged into.
   */
  public static Future<Void> learn(TxEvents events, long accountId, long channelId, String phone, String bsuid, long conversationId) {
    WhatsAppIdentities w = new WhatsAppIdentities(events.conn());
    return w.apply(List.of(), List.of(new Change(accountId, channelId, new PlatformEvent.IdentityChange(null, null, bsuid, phone, null))))
        .map(v -> {
          long conversation = conversationId;
          for (Merge m : w.merges) {
            if (m.removedConversation() != null && m.survivingConversation() != null) {
              events.merged(m.accountId(), m.removedConversation(), m.survivingConversation());
              if (m.removedConversation() == conversation) {
                conversation = m.survivingConversation();
              }
            }
          }
          if (!w.merges.isEmpty()) {
            events.conversationChanged(accountId, conversation);
          }
          for (Map.Entry<Long, Long> changed : w.changed.entrySet()) {
            events.contactChanged(changed.getValue(), changed.getKey(), conversation);
          }
          return null;
        });
  }

  private final SqlConnection tx;
  /** key(channel, id) -> contact id, for every id of the batch after everything is applied. */
  final Map<String, Long> contactByKey = new HashMap<>();
  /** Contacts whose shown details changed (contact.updated). */
  final Map<Long, Long> changed = new LinkedHashMap<>();
  final List<Merge> merges = new ArrayList<>();
  /** Ids a change moved away from, still naming the contact for this batch's earlier messages. */
  private final Map<String, Long> aliases = new HashMap<>();
  /** The contact each person of the batch ended up as (null until resolved). */
  private final Map<Person, Long> contactOf = new HashMap<>();

  WhatsAppIdentities(SqlConnection tx) {
    this.tx = tx;
  }

  static String key(long channelId, String id) {
    return channelId + "\n" + id;
  }

  /** Folds the batch's messages into people: two messages sharing a phone or a BSUID on one channel are one person. */
  static List<Person> people(List<long[]> channelAndAccount, List<PlatformEvent.WaIdentity> ids, List<String> names) {
    Map<String, Person> byId = new HashMap<>();
    List<Person> out = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      long channel = channelAndAccount.get(i)[0];
      PlatformEvent.WaIdentity id = ids.get(i);
      Person p = id.bsuid() == null ? null : byId.get(key(channel, id.bsuid()));
      Person byPhone = id.phone() == null ? null : byId.get(key(channel, id.phone()));
      if (p == null) {
        p = byPhone;
      }
      if (p == null) {
        p = new Person(channelAndAccount.get(i)[1], channel);
        out.add(p);
      } else if (byPhone != null && byPhone != p && (byPhone.bsuid == null || byPhone.bsuid.equals(id.bsuid()))) {
        // the phone's earlier message had no BSUID: the same person
        p.take(new PlatformEvent.WaIdentity(byPhone.phone, null, byPhone.parent, byPhone.username), byPhone.name);
        out.remove(byPhone);
      }
      p.take(id, names.get(i));
      for (String s : p.ids()) {
        byId.put(key(channel, s), p);
      }
    }
    return out;
  }

  /** Resolves people to contacts and applies the changes; fills {@link #contactByKey}. */
  Future<Void> apply(List<Person> people, List<Change> changes) {
    if (people.isEmpty() && changes.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Long> chs = new ArrayList<>();
    List<String> vs = new ArrayList<>();
    for (Person p : people) {
      for (String s : p.ids()) {
        chs.add(p.channelId);
        vs.add(s);
      }
    }
    for (Change c : changes) {
      for (String s : c.ids()) {
        chs.add(c.channelId());
        vs.add(s);
      }
    }
    Long[] chArr = chs.toArray(new Long[0]);
    String[] vArr = vs.toArray(new String[0]);
    return tx.preparedQuery(IdentitySql.LOCK).execute(Tuple.of(chArr, (Object) vArr))
        .compose(v -> find(chArr, vArr))
        .compose(found -> resolve(people, found))
        .compose(v -> changesInOrder(changes, 0))
        .compose(v -> {
          // the common case: every person resolved to one contact and nothing moved; no second look needed
          if (changes.isEmpty() && contactOf.size() == people.size() && !contactOf.containsValue(null)) {
            contactOf.forEach((p, id) -> p.ids().forEach(s -> contactByKey.put(key(p.channelId, s), id)));
            return Future.succeededFuture();
          }
          return find(chArr, vArr).map(this::mapAll);
        });
  }

  /** Every id of the found contacts (and the ids changes moved away from) to its contact. */
  private Void mapAll(Map<Long, Found> found) {
    contactByKey.putAll(aliases);
    for (Found f : found.values()) {
      for (String s : new String[] {f.waId(), f.bsuid(), f.key()}) {
        if (s != null) {
          contactByKey.put(key(f.channelId(), s), f.id());
        }
      }
    }
    return null;
  }

  private Future<Map<Long, Found>> find(Long[] chs, String[] vs) {
    return tx.preparedQuery(IdentitySql.FIND).execute(Tuple.of(chs, (Object) vs)).map(rows -> {
      Map<Long, Found> out = new LinkedHashMap<>();
      for (Row r : rows) {
        out.put(r.getLong("id"), new Found(r.getLong("id"), r.getLong("channel_id"), r.getString("wa_id"), r.getString("bsuid"),
            r.getString("platform_user_id")));
      }
      return out;
    });
  }

  private static boolean names(Found f, String id) {
    return id != null && (id.equals(f.waId()) || id.equals(f.bsuid()) || id.equals(f.key()));
  }

  private Future<Void> resolve(List<Person> people, Map<Long, Found> found) {
    List<Person> fresh = new ArrayList<>();
    List<Long> releasePhone = new ArrayList<>();
    List<Long> survivors = new ArrayList<>();
    List<Person> updates = new ArrayList<>();
    List<long[]> toMerge = new ArrayList<>();
    for (Person p : people) {
      TreeSet<Long> same = new TreeSet<>();
      for (Found f : found.values()) {
        if (f.channelId() != p.channelId) {
          continue;
        }
        boolean byBsuid = names(f, p.bsuid);
        boolean byPhone = names(f, p.phone);
        if (byBsuid) {
          same.add(f.id());
        } else if (byPhone) {
          if (p.bsuid != null && f.bsuid() != null) {
            // this phone now belongs to another BSUID: the number changed hands
            releasePhone.add(f.id());
          } else {
            same.add(f.id());
          }
        }
      }
      if (same.isEmpty()) {
        fresh.add(p);
        continue;
      }
      long survivor = same.first();
      for (long other : same.tailSet(survivor, false)) {
        toMerge.add(new long[] {p.accountId, survivor, other});
      }
      contactOf.put(p, survivor);
      survivors.add(survivor);
      updates.add(p);
    }
    Future<Void> f = releasePhone.isEmpty() ? Future.succeededFuture()
        : tx.preparedQuery(IdentitySql.RELEASE_PHONE).execute(Tuple.of((Object) releasePhone.toArray(new Long[0]))).mapEmpty();
    for (long[] m : toMerge) {
      f = f.compose(v -> merge(m[0], m[1], m[2]));
    }
    return f.compose(v -> update(survivors, updates)).compose(v -> insert(fresh));
  }

  /** The people's phone, BSUID, parent BSUID, username and name, as five UNNEST columns. */
  private static String[][] columns(List<Person> people) {
    String[][] c = new String[5][people.size()];
    for (int i = 0; i < people.size(); i++) {
      Person x = people.get(i);
      c[0][i] = x.phone;
      c[1][i] = x.bsuid;
      c[2][i] = x.parent;
      c[3][i] = x.username;
      c[4][i] = x.name;
    }
    return c;
  }

  private Future<Void> update(List<Long> ids, List<Person> people) {
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    Map<Long, Long> accountOf = new HashMap<>();
    for (int i = 0; i < ids.size(); i++) {
      accountOf.put(ids.get(i), people.get(i).accountId);
    }
    String[][] c = columns(people);
    return tx.preparedQuery(IdentitySql.UPDATE).execute(Tuple.of(ids.toArray(new Long[0]), c[0], c[1], c[2], c[3], c[4])).map(rows -> {
      rows.forEach(r -> changed.put(r.getLong("id"), accountOf.get(r.getLong("id"))));
      return null;
    });
  }

  private Future<Void> insert(List<Person> fresh) {
    if (fresh.isEmpty()) {
      return Future.succeededFuture();
    }
    Long[] a = fresh.stream().map(x -> x.accountId).toArray(Long[]::new);
    Long[] ch = fresh.stream().map(x -> x.channelId).toArray(Long[]::new);
    String[][] c = columns(fresh);
    return tx.preparedQuery(IdentitySql.INSERT).execute(Tuple.from(new Object[] {a, ch, c[0], c[1], c[2], c[3], c[4]})).map(rows -> {
      Map<String, Long> ids = new HashMap<>();
      rows.forEach(r -> ids.put(key(r.getLong("channel_id"), r.getString("platform_user_id")), r.getLong("id")));
      for (Person p : fresh) {
        // null when the row was not inserted (a conflict): the contacts are then looked up again
        contactOf.put(p, ids.get(key(p.channelId, p.bsuid != null ? p.bsuid : p.phone)));
      }
      return null;
    });
  }

  /** Changes one at a time (rare): each sees the contacts as the previous one left them. */
  private Future<Void> changesInOrder(List<Change> changes, int i) {
    if (i >= changes.size()) {
      return Future.succeededFuture();
    }
    Change c = changes.get(i);
    List<String> ids = c.ids();
    Long[] chs = new Long[ids.size()];
    java.util.Arrays.fill(chs, c.channelId());
    return find(chs, ids.toArray(new String[0])).compose(found -> {
      if (found.isEmpty()) {
        // nobody we know: nothing to move (the next message creates the contact with its new ids)
        return Future.succeededFuture();
      }
      PlatformEvent.IdentityChange ch = c.change();
      TreeSet<Long> all = new TreeSet<>(found.keySet());
      long survivor = all.first();
      Found s = found.get(survivor);
      boolean alreadyThere = all.size() == 1 && (ch.newBsuid() == null || ch.newBsuid().equals(s.bsuid()))
          && (ch.newPhone() == null || ch.newPhone().equals(s.waId()))
          && (ch.newParentBsuid() == null);
      if (alreadyThere) {
        return Future.succeededFuture();
      }
      Future<Void> f = Future.succeededFuture();
      for (long other : all.tailSet(survivor, false)) {
        f = f.compose(v -> merge(c.accountId(), survivor, other));
      }
      return f.compose(v -> tx.preparedQuery(IdentitySql.MOVE)
              .execute(Tuple.of(survivor, ch.newBsuid(), ch.newPhone(), ch.newParentBsuid())))
          .map(v -> {
            changed.put(survivor, c.accountId());
            for (String old : new String[] {ch.oldBsuid(), ch.oldPhone()}) {
              if (old != null) {
                aliases.put(key(c.channelId(), old), survivor);
              }
            }
            return null;
          });
    }).compose(v -> changesInOrder(changes, i + 1));
  }

  /** What a merge could not carry over without passing a contact's limit: said in the log, with the names. */
  private static void leftOut(long accountId, long survivor, long loser, String what, int max, RowSet<Row> left) {
    if (left.size() == 0) {
      return;
    }
    List<String> names = new ArrayList<>();
    left.forEach(r -> names.add(r.getString(0)));
    LOG.warn("account {}: merging contact {} into {} left out {} of its {} (a contact carries at most {}): {}",
        accountId, loser, survivor, names.size(), what, max, names);
  }

  /** Merges contact {@code loser} into {@code survivor}: one conversation with both histories, fields and labels united. */
  private Future<Void> merge(long accountId, long survivor, long loser) {
    return tx.preparedQuery(IdentitySql.CONVERSATIONS_OF).execute(Tuple.of((Object) new Long[] {survivor, loser})).compose(rows -> {
      Long keep = null;
      Long gone = null;
      for (Row r : rows) {
        if (r.getLong("contact_id") == survivor) {
          keep = r.getLong("id");
        } else {
          gone = r.getLong("id");
        }
      }
      Long kept = keep;
      Long removed = gone;
      Future<Void> convs;
      if (gone == null) {
        convs = Future.succeededFuture();
      } else if (keep == null) {
        convs = tx.preparedQuery(IdentitySql.REASSIGN_CONVERSATION).execute(Tuple.of(survivor, gone)).mapEmpty();
      } else {
        Tuple t = Tuple.of(keep, gone);
        convs = tx.preparedQuery(IdentitySql.MOVE_MESSAGES).execute(t)
            .compose(v -> tx.preparedQuery(IdentitySql.MOVE_HISTORY).execute(t))
            .compose(v -> tx.preparedQuery(IdentitySql.MOVE_KEYS).execute(t))
            .compose(v -> tx.preparedQuery(IdentitySql.ABSORB_CONVERSATION).execute(t))
            .mapEmpty();
      }
      Tuple pair = Tuple.of(survivor, loser);
      return convs.compose(v -> tx.preparedQuery(IdentitySql.LOCK_SURVIVOR).execute(Tuple.of(survivor)))
          .compose(v -> tx.preparedQuery(IdentitySql.COPY_FIELDS).execute(pair))
          .compose(left -> {
            leftOut(accountId, survivor, loser, "custom fields", ContactService.FIELDS_MAX, left);
            return tx.preparedQuery(IdentitySql.COPY_LABELS).execute(pair);
          })
          .map(left -> {
            leftOut(accountId, survivor, loser, "labels", ContactService.LABELS_MAX, left);
            return null;
          })
          .compose(v -> tx.preparedQuery(IdentitySql.ABSORB_CONTACT).execute(pair))
          .map(v -> {
            merges.add(new Merge(accountId, survivor, loser, kept != null ? kept : removed,
                kept != null && removed != null ? removed : null));
            changed.put(survivor, accountId);
            changed.remove(loser);
            return null;
          });
    });
  }
}
