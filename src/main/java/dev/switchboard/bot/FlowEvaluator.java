package dev.switchboard.bot;

import dev.switchboard.conversation.Placeholders;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The bot's decision as a pure function: for one customer message, the conversation's status,
 * the contact's fields and labels and the account's flows in order, which flow runs and what it
 * does. No I/O, no clock of its own: {@link BotHook} feeds it and carries the actions out.
 */
public final class FlowEvaluator {

  /** The only status in which the bot speaks; Open and Assigned belong to humans. */
  public static final String BOT_STATUS = "closed";

  private FlowEvaluator() {
  }

  /** What the evaluator needs to know about the message. */
  public record Message(long channelId, String contentType, String text, String payload, boolean firstMessage) {
  }

  /**
   * The flow that runs and its actions, ready to carry out: reply texts rendered, labels the
   * contact already has and field values it already holds left out (no empty updates), at most
   * one hand-off. {@code notes} says what was left out and why (for the log).
   */
  public record Decision(Flow flow, List<Action> actions, List<String> notes) {
    public Decision {
      actions = List.copyOf(actions);
      notes = List.copyOf(notes);
    }
  }

  /** Runs the first enabled flow (of this channel or of all channels) whose trigger matches, if the bot may speak at all. */
  public static Optional<Decision> evaluate(Message message, String conversationStatus, Map<String, String> fields,
                                            Set<String> labels, List<Flow> flows) {
    if (!BOT_STATUS.equals(conversationStatus) || !answerable(message.contentType())) {
      return Optional.empty();
    }
    for (Flow flow : flows) {
      if (flow.enabled() && flow.covers(message.channelId()) && matches(flow.trigger(), message)) {
        return Optional.of(resolve(flow, fields, labels));
      }
    }
    return Optional.empty();
  }

  /** Reactions (and their removal) are not messages to answer. */
  public static boolean answerable(String contentType) {
    return !"reaction".equals(contentType);
  }

  /**
   * Whether a message is still inside the automation window: a message whose window has already
   * closed (Meta redelivering an old one, a backlog after an outage) gets no bot answer.
   */
  public static boolean withinAutomationWindow(Instant platformTimestamp, Instant now, Duration window) {
    return platformTimestamp == null || platformTimestamp.plus(window).isAfter(now);
  }

  public static boolean matches(Trigger trigger, Message m) {
    if (trigger instanceof Trigger.Keyword k) {
      return k.keywords().stream().anyMatch(word -> TextMatch.containsKeyword(m.text(), word));
    }
    if (trigger instanceof Trigger.Regex r) {
      return TextMatch.findRegex(r.pattern(), m.text());
    }
    if (trigger instanceof Trigger.FirstMessage) {
      return m.firstMessage();
    }
    if (trigger instanceof Trigger.Payload p) {
      return m.payload() != null && p.payloads().contains(m.payload());
    }
    return trigger instanceof Trigger.Any;
  }

  // Actions run in order against a working copy of the contact, so a reply after a field action
  // can use the value just set.
  private static Decision resolve(Flow flow, Map<String, String> fields, Set<String> labels) {
    Map<String, String> f = new HashMap<>(fields);
    Set<String> l = new HashSet<>(labels);
    List<Action> out = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    boolean handedOff = false;
    for (Action a : flow.actions()) {
      if (a instanceof Action.Reply r) {
        try {
          out.add(new Action.Reply(Placeholders.render(r.text(), f), r.quickReplies()));
        } catch (Placeholders.MissingFieldsException e) {
          notes.add("reply skipped: " + e.getMessage());
        }
      } else if (a instanceof Action.Label lb) {
        if (l.add(lb.name())) {
          out.add(lb);
        }
      } else if (a instanceof Action.Field fd) {
        if (!fd.value().equals(f.put(fd.name(), fd.value()))) {
          out.add(fd);
        }
      } else if (a instanceof Action.Handoff h) {
        if (handedOff) {
          notes.add("second hand-off ignored");
        } else {
          handedOff = true;
          out.add(h);
        }
      }
    }
    return new Decision(flow, out, notes);
  }
}
