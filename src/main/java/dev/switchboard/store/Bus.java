package dev.switchboard.store;

/** Event types and event-bus addresses, in one place (dotted names). */
public final class Bus {

  private Bus() {
  }

  // event types (the `type` of an event in the log, on the bus and at GET /events)
  public static final String MESSAGE_CREATED = "message.created";
  public static final String MESSAGE_UPDATED = "message.updated";
  public static final String CONVERSATION_CREATED = "conversation.created";
  public static final String CONVERSATION_UPDATED = "conversation.updated";
  public static final String CONTACT_UPDATED = "contact.updated";
  /** Two records of one WhatsApp customer became one: the conversation {@code id} went into {@code into}. */
  public static final String CONVERSATION_MERGED = "conversation.merged";
  /** An agent read a conversation up to a message (their other tabs follow). */
  public static final String CONVERSATION_READ = "conversation.read";
  public static final String WINDOW_CHANGED = "conversation.window_changed";
  public static final String CHANNEL_UPDATED = "channel.updated";
  public static final String NAMES_CHANGED = "names.changed";

  // local event-bus addresses
  /** The address a browser registers for its account's events (the log's events reach it through LiveHub). */
  public static String accountAddress(long accountId) {
    return ACCOUNT_ADDRESS_PREFIX + accountId;
  }

  public static final String ACCOUNT_ADDRESS_PREFIX = "inbox.account.";
  /** Nudges the processor: raw events were committed. */
  public static final String RAW_STORED = "switchboard.raw.stored";
  /** Nudges the send pipeline: pending outbound messages were committed. */
  public static final String OUTBOUND_PENDING = "switchboard.outbound.pending";
  /**
   * Local, after a commit: conversations that came to need a reply ({@code [[id, deadline ms], ...]}),
   * for the window timer to arm their expiring warnings.
   */
  public static final String REPLY_NEEDED = "switchboard.reply.needed";
  /** Local nudge: media downloads were queued (the processor committed messages with attachments). */
  public static final String MEDIA_PENDING = "switchboard.media.pending";
}
