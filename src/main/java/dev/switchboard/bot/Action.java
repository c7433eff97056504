package dev.switchboard.bot;

import java.util.List;

/** What a flow does when its trigger matches (reply, label, field, handoff; docs/openapi.yaml). */
public sealed interface Action {

  String type();

  /** A button offered with a reply: WhatsApp interactive button, Messenger/Instagram quick reply. */
  record QuickReply(String title, String payload) {
  }

  /** Sends {@code text} (with {@code {{field}}} placeholders) as a bot message. */
  record Reply(String text, List<QuickReply> quickReplies) implements Action {
    public Reply {
      quickReplies = quickReplies == null ? List.of() : List.copyOf(quickReplies);
    }

    @Override
    public String type() {
      return "reply";
    }
  }

  /** Adds a label to the contact. */
  record Label(String name) implements Action {
    @Override
    public String type() {
      return "label";
    }
  }

  /** Sets a custom field of the contact. */
  record Field(String name, String value) implements Action {
    @Override
    public String type() {
      return "field";
    }
  }

  /** Hands the conversation to humans: Closed to Open, or to Assigned (to the team) when {@code teamId} is set. */
  record Handoff(Long teamId) implements Action {
    @Override
    public String type() {
      return "handoff";
    }

    public String toStatus() {
      return teamId == null ? "open" : "assigned";
    }
  }
}
