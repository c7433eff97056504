package dev.switchboard.conversation;

import dev.switchboard.events.Event;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one batch of the processor changed, gathered as its steps run and handed to the
 * transaction's events at the end ({@link #publishTo}): conversations created and updated,
 * message events in order, merges, contacts whose shown details changed. Holds no connection.
 */
final class InboundChanges {

  private final Map<Long, Long> createdConversations = new LinkedHashMap<>();
  private final Map<Long, Long> updatedConversations = new LinkedHashMap<>();
  private final Map<Long, Long> changedContacts = new LinkedHashMap<>();
  private final Map<Long, Long> contactConversation = new LinkedHashMap<>();
  private final List<WhatsAppIdentities.Merge> merges = new ArrayList<>();
  private final List<Event> messageEvents = new ArrayList<>();

  /** The conversation of a contact in this batch (named by its {@code contact.updated}). */
  void conversationOf(long contactId, long conversationId) {
    contactConversation.put(contactId, conversationId);
  }

  void created(long conversationId, long accountId) {
    createdConversations.put(conversationId, accountId);
  }

  /** A conversation changed; one this batch created is published as created only. */
  void updated(long conversationId, long accountId) {
    if (!createdConversations.containsKey(conversationId)) {
      updatedConversations.put(conversationId, accountId);
    }
  }

  void contactChanged(long contactId, long accountId) {
    changedContacts.put(contactId, accountId);
  }

  /** WhatsApp identities applied: their changed contacts and merges; a merged-away contact is not published, its surviving conversation is. */
  void identities(Map<Long, Long> changed, List<WhatsAppIdentities.Merge> merged) {
    changedContacts.putAll(changed);
    merges.addAll(merged);
    for (WhatsAppIdentities.Merge mg : merged) {
      changedContacts.remove(mg.loser());
      if (mg.survivingConversation() != null) {
        updatedConversations.put(mg.survivingConversation(), mg.accountId());
      }
    }
  }

  void messageCreated(long accountId, long conversationId, JsonObject view) {
    messageEvents.add(Event.messageCreated(accountId, conversationId, view));
  }

  void messageUpdated(long accountId, long conversationId, JsonObject view) {
    messageEvents.add(Event.messageUpdated(accountId, conversationId, view));
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
}
