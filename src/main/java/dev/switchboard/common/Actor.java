package dev.switchboard.common;

/**
 * Who made a change, as history ({@code conversation_history.actor_type/actor_id}) and messages
 * ({@code sender_type/sender_id}) record it: an agent (a user's id) or an API key (the key's id).
 */
public record Actor(String type, long id) {

  public static final String AGENT = "agent";
  public static final String API = "api";

  public static Actor agent(long userId) {
    return new Actor(AGENT, userId);
  }
}
