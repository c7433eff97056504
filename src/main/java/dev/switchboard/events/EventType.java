package dev.switchboard.events;

/** Every type of event the log carries, with the name clients see ({@code type} at GET /events and on the bridge). */
public enum EventType {
  MESSAGE_CREATED("message.created"),
  MESSAGE_UPDATED("message.updated"),
  CONVERSATION_CREATED("conversation.created"),
  CONVERSATION_UPDATED("conversation.updated"),
  /** Two records of one WhatsApp customer became one: the conversation {@code id} went into {@code into}. */
  CONVERSATION_MERGED("conversation.merged"),
  CONVERSATION_WINDOW_CHANGED("conversation.window_changed"),
  /** A conversation that needs a reply reaches WINDOW_WARN_BEFORE before its human-reply deadline (once per deadline). */
  CONVERSATION_WINDOW_EXPIRING("conversation.window_expiring"),
  /** An agent read a conversation up to a message: the agent's other tabs follow. */
  CONVERSATION_READ("conversation.read"),
  CONTACT_UPDATED("contact.updated"),
  CHANNEL_UPDATED("channel.updated"),
  /** An outgoing webhook endpoint failed past the retry horizon and was disabled: the admins are told. */
  WEBHOOK_ENDPOINT_DISABLED("webhook_endpoint.disabled"),
  /** An admin renamed, merged or deleted a label or a field name on every contact of the account. */
  NAMES_CHANGED("names.changed"),
  /** An admin created, changed or deleted an agent, a team, a saved reply or a bot flow: open Settings pages and menus reload it. */
  SETTINGS_CHANGED("settings.changed");

  private final String wire;

  EventType(String wire) {
    this.wire = wire;
  }

  /** The name on the wire. */
  public String wire() {
    return wire;
  }
}
