package dev.switchboard.conversation;

import dev.switchboard.common.TxChanges;
import dev.switchboard.events.Event;
import dev.switchboard.events.EventType;
import dev.switchboard.store.Bus;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The events of one transaction, collected while it runs and written to the event outbox just
 * before it commits ({@link #write}). Conversations and contacts are only marked as changed; their
 * views are read once, at the end, inside the transaction, so each event shows the state this
 * transaction commits and a conversation changed five times in a batch is published once.
 *
 * <p>The order a client sees: conversations created, then the events added here in their order
 * (messages and their updates), then conversations updated, conversations merged, contacts updated.
 * So a client never sees a message of a conversation it does not know.
 */
public final class TxEvents implements TxChanges {

  private final Transactions tx;
  private final SqlConnection conn;
  private final Map<Long, Long> created = new LinkedHashMap<>();
  private final Map<Long, Long> changed = new LinkedHashMap<>();
  private final List<Event> events = new ArrayList<>();
  private final List<Event> merges = new ArrayList<>();
  private final Map<Long, long[]> contacts = new LinkedHashMap<>();
  private final Map<Long, JsonObject> views = new LinkedHashMap<>();
  private List<long[]> replyNeeded = List.of();
  private boolean outbound;
  private boolean written;

  TxEvents(Transactions tx, SqlConnection conn) {
    this.tx = tx;
    this.conn = conn;
  }

  @Override
  public SqlConnection conn() {
    return conn;
  }

  /** A conversation this transaction inserted: {@code conversation.created} with its view. */
  public TxEvents conversationCreated(long accountId, long conversationId) {
    created.put(conversationId, accountId);
    changed.remove(conversationId);
    return this;
  }

  /** A conversation this transaction changed: one {@code conversation.updated} with its final view. */
  @Override
  public TxEvents conversationChanged(long accountId, long conversationId) {
    if (!created.containsKey(conversationId)) {
      changed.put(conversationId, accountId);
    }
    return this;
  }

  /** A contact this transaction changed: {@code contact.updated}, naming its conversation when known. */
  @Override
  public TxEvents contactChanged(long accountId, long contactId, Long conversationId) {
    long[] prior = contacts.get(contactId);
    contacts.put(contactId, new long[] {accountId, conversationId != null ? conversationId : prior != null ? prior[1] : -1});
    return this;
  }

  /** Two conversations became one. */
  public TxEvents merged(long accountId, long removed, long into) {
    merges.add(Event.conversationMerged(accountId, removed, into));
    changed.remove(removed);
    created.remove(removed);
    return this;
  }

  /**
   * An event whose data this transaction already holds (a message and its updates), in order. A
   * message that failed marks its conversation changed: a reply that never reached the customer
   * no longer answers them ({@link ReplyState}), whichever path recorded the failure.
   */
  @Override
  public TxEvents add(Event event) {
    events.add(event);
    if (event.type() == EventType.MESSAGE_UPDATED && event.conversationId() != null
        && "failed".equals(event.data().getString("status")) && "out".equals(event.data().getString("direction"))) {
      conversationChanged(event.accountId(), event.conversationId());
    }
    return this;
  }

  public TxEvents addAll(List<Event> more) {
    more.forEach(this::add);
    return this;
  }

  /** A message waits for the send pipeline: it is nudged after the commit. */
  @Override
  public TxEvents outboundQueued() {
    outbound = true;
    return this;
  }

  public boolean isEmpty() {
    return created.isEmpty() && changed.isEmpty() && events.isEmpty() && merges.isEmpty() && contacts.isEmpty();
  }

  /** The conversation views the events carry, by id (after {@link #write}). */
  public JsonObject view(long conversationId) {
    return views.get(conversationId);
  }

  /** Reads the views in this transaction and writes every event to the outbox. Once. */
  public Future<Void> write() {
    if (written) {
      return Future.failedFuture(new IllegalStateException("events already written"));
    }
    written = true;
    if (isEmpty()) {
      return Future.succeededFuture();
    }
    List<Long> convIds = new ArrayList<>(created.keySet());
    convIds.addAll(changed.keySet());
    Future<List<JsonObject>> convViews = ReplyState.refresh(conn, convIds, tx.windows())
        .compose(needed -> {
          replyNeeded = needed;
          return Views.conversations(conn, convIds, tx.windows(), tx.clock().instant());
        });
    Future<List<JsonObject>> contactViews = contacts.isEmpty() ? Future.succeededFuture(List.of())
        : InboundStore.contacts(conn, contacts.keySet());
    return convViews.compose(cv -> contactViews.compose(ct -> {
      List<Event> first = new ArrayList<>();
      List<Event> last = new ArrayList<>();
      for (JsonObject v : cv) {
        long id = Long.parseLong(v.getString("id"));
        long account = Long.parseLong(v.getString("accountId"));
        views.put(id, v);
        if (created.containsKey(id)) {
          first.add(Event.conversationCreated(account, id, v));
        } else {
          last.add(Event.conversationUpdated(account, id, v));
        }
      }
      last.addAll(merges);
      for (JsonObject c : ct) {
        long[] at = contacts.get(Long.parseLong(c.getString("id")));
        Long conversation = at[1] < 0 ? null : at[1];
        if (conversation != null) {
          c.put("conversationId", String.valueOf(conversation));
        }
        last.add(Event.contactUpdated(at[0], conversation, c));
      }
      List<Event> all = new ArrayList<>(first.size() + events.size() + last.size());
      all.addAll(first);
      all.addAll(events);
      all.addAll(last);
      return tx.publisher().write(conn, all);
    }));
  }

  /** After the commit: wakes the relay, and the send pipeline when something waits to be sent. */
  public void committed() {
    if (!isEmpty()) {
      tx.publisher().committed();
    }
    afterCommit();
  }

  /** What follows a commit besides the relay's wake: the send pipeline and the warnings re-armed. */
  void afterCommit() {
    nudgeOutbound();
    armWarnings();
  }

  // A conversation that needs a reply again without a new customer message (its reply failed)
  // has no warning armed, or one that already fired and found it answered: the window timer arms
  // it again. Lost with the node between commit and here, the next timer rebuild arms it.
  private void armWarnings() {
    if (!replyNeeded.isEmpty()) {
      JsonArray due = new JsonArray();
      replyNeeded.forEach(r -> due.add(new JsonArray().add(r[0]).add(r[1])));
      tx.vertx().eventBus().publish(Bus.REPLY_NEEDED, due);
    }
  }

  private void nudgeOutbound() {
    if (outbound) {
      tx.vertx().eventBus().publish(Bus.OUTBOUND_PENDING, null);
    }
  }
}
