package dev.switchboard.bot;

import dev.switchboard.common.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Flows to and from JSON (the API body and the stored {@code trigger}/{@code actions} columns).
 * Reading validates everything and fails with 422 {@code invalid_flow} naming the problem, so
 * whatever is stored can be run; ids of channels and teams are checked against the account by
 * {@link FlowService}.
 */
public final class FlowJson {

  public static final int MAX_NAME = 200;
  public static final int MAX_KEYWORDS = 100;
  public static final int MAX_KEYWORD = 200;
  public static final int MAX_PATTERN = 1_000;
  public static final int MAX_PAYLOADS = 100;
  public static final int MAX_PAYLOAD = 1_000;
  public static final int MAX_ACTIONS = 20;
  /** Messenger's limit for a text message, the smallest of the three platforms. */
  public static final int MAX_REPLY = 2_000;
  /** WhatsApp's limit for the body of an interactive button message. */
  public static final int MAX_REPLY_WITH_BUTTONS = 1_024;
  /** WhatsApp allows three reply buttons; a flow may serve every channel, so three everywhere. */
  public static final int MAX_QUICK_REPLIES = 3;
  /** WhatsApp button titles and Messenger quick-reply titles are both cut at 20 characters. */
  public static final int MAX_QUICK_REPLY_TITLE = 20;
  /** WhatsApp button ids are at most 256 characters. */
  public static final int MAX_QUICK_REPLY_PAYLOAD = 256;
  public static final int MAX_LABEL = 100;
  public static final int MAX_FIELD_NAME = 100;
  public static final int MAX_FIELD_VALUE = 1_000;

  private FlowJson() {
  }

  /** A 422 naming what is wrong with a flow. */
  public static ApiException invalid(String message) {
    return ApiException.unprocessable("invalid_flow", message);
  }

  public static Trigger trigger(Object raw) {
    if (raw == null) {
      throw invalid("trigger is required");
    }
    if (!(raw instanceof JsonObject t)) {
      throw invalid("trigger must be an object");
    }
    String type = type(t, "trigger");
    return switch (type) {
      case "keyword" -> new Trigger.Keyword(strings(t, "keywords", "trigger.keywords", MAX_KEYWORDS, MAX_KEYWORD));
      case "regex" -> {
        String pattern = text(t, "pattern", "trigger.pattern", MAX_PATTERN);
        try {
          yield new Trigger.Regex(pattern, Pattern.compile(pattern));
        } catch (PatternSyntaxException e) {
          throw invalid("trigger.pattern is not a valid regular expression: " + e.getDescription()
              + (e.getIndex() >= 0 ? " near index " + e.getIndex() : ""));
        }
      }
      case "any" -> new Trigger.Any();
      case "first_message" -> new Trigger.FirstMessage();
      case "payload" -> new Trigger.Payload(strings(t, "payloads", "trigger.payloads", MAX_PAYLOADS, MAX_PAYLOAD));
      default -> throw invalid("trigger.type '" + type + "' is unknown (keyword, regex, any, first_message, payload)");
    };
  }

  public static List<Action> actions(Object raw) {
    if (raw == null) {
      throw invalid("actions is required");
    }
    if (!(raw instanceof JsonArray a)) {
      throw invalid("actions must be an array");
    }
    if (a.isEmpty()) {
      throw invalid("actions must hold at least one action");
    }
    if (a.size() > MAX_ACTIONS) {
      throw invalid("actions may hold at most " + MAX_ACTIONS + " actions");
    }
    List<Action> out = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      String where = "actions[" + i + "]";
      if (!(a.getValue(i) instanceof JsonObject o)) {
        throw invalid(where + " must be an object");
      }
      String type = type(o, where);
      out.add(switch (type) {
        case "reply" -> reply(o, where);
        case "label" -> new Action.Label(text(o, "name", where + ".name", MAX_LABEL).strip());
        case "field" -> new Action.Field(text(o, "name", where + ".name", MAX_FIELD_NAME).strip(), value(o, where));
        case "handoff" -> new Action.Handoff(optionalId(o.getValue("teamId"), where + ".teamId"));
        default -> throw invalid(where + ".type '" + type + "' is unknown (reply, label, field, handoff)");
      });
    }
    return out;
  }

  /** Parses an id given as a string or a number; null stays null. */
  public static Long optionalId(Object raw, String where) {
    if (raw == null) {
      return null;
    }
    String s = raw instanceof Number n && !(raw instanceof Double || raw instanceof Float) ? String.valueOf(n.longValue()) : raw.toString();
    if (!(raw instanceof String || raw instanceof Number) || !s.matches("[0-9]{1,18}") || Long.parseLong(s) <= 0) {
      throw invalid(where + " must be an id");
    }
    return Long.parseLong(s);
  }

  public static JsonObject toJson(Trigger t) {
    JsonObject o = new JsonObject().put("type", t.type());
    if (t instanceof Trigger.Keyword k) {
      o.put("keywords", new JsonArray(new ArrayList<>(k.keywords())));
    } else if (t instanceof Trigger.Regex r) {
      o.put("pattern", r.source());
    } else if (t instanceof Trigger.Payload p) {
      o.put("payloads", new JsonArray(new ArrayList<>(p.payloads())));
    }
    return o;
  }

  public static JsonArray toJson(List<Action> actions) {
    JsonArray out = new JsonArray();
    for (Action a : actions) {
      JsonObject o = new JsonObject().put("type", a.type());
      if (a instanceof Action.Reply r) {
        o.put("text", r.text());
        if (!r.quickReplies().isEmpty()) {
          JsonArray q = new JsonArray();
          r.quickReplies().forEach(b -> q.add(new JsonObject().put("title", b.title()).put("payload", b.payload())));
          o.put("quickReplies", q);
        }
      } else if (a instanceof Action.Label l) {
        o.put("name", l.name());
      } else if (a instanceof Action.Field f) {
        o.put("name", f.name()).put("value", f.value());
      } else if (a instanceof Action.Handoff h) {
        o.put("teamId", h.teamId() == null ? null : String.valueOf(h.teamId()));
      }
      out.add(o);
    }
    return out;
  }

  /** The team ids the actions hand off to (to check they belong to the account). */
  public static Set<Long> teamIds(List<Action> actions) {
    Set<Long> ids = new LinkedHashSet<>();
    for (Action a : actions) {
      if (a instanceof Action.Handoff h && h.teamId() != null) {
        ids.add(h.teamId());
      }
    }
    return ids;
  }

  private static Action.Reply reply(JsonObject o, String where) {
    String text = text(o, "text", where + ".text", MAX_REPLY);
    Object raw = o.getValue("quickReplies");
    List<Action.QuickReply> buttons = new ArrayList<>();
    if (raw != null) {
      if (!(raw instanceof JsonArray a)) {
        throw invalid(where + ".quickReplies must be an array");
      }
      if (a.size() > MAX_QUICK_REPLIES) {
        throw invalid(where + ".quickReplies may hold at most " + MAX_QUICK_REPLIES + " buttons");
      }
      Set<String> titles = new HashSet<>();
      Set<String> payloads = new HashSet<>();
      for (int i = 0; i < a.size(); i++) {
        String w = where + ".quickReplies[" + i + "]";
        Object b = a.getValue(i);
        String title;
        String payload;
        if (b instanceof String s) {
          title = s;
          payload = s;
        } else if (b instanceof JsonObject bo) {
          title = text(bo, "title", w + ".title", Integer.MAX_VALUE);
          Object p = bo.getValue("payload");
          if (p != null && !(p instanceof String)) {
            throw invalid(w + ".payload must be a string");
          }
          payload = p == null || ((String) p).isBlank() ? title : (String) p;
        } else {
          throw invalid(w + " must be a string or {title, payload}");
        }
        title = title.strip();
        if (title.isEmpty()) {
          throw invalid(w + ".title must not be empty");
        }
        if (title.codePointCount(0, title.length()) > MAX_QUICK_REPLY_TITLE) {
          throw invalid(w + ".title may have at most " + MAX_QUICK_REPLY_TITLE + " characters");
        }
        if (payload.length() > MAX_QUICK_REPLY_PAYLOAD) {
          throw invalid(w + ".payload may have at most " + MAX_QUICK_REPLY_PAYLOAD + " characters");
        }
        if (!titles.add(title) || !payloads.add(payload)) {
          throw invalid(w + " repeats the title or payload of another button");
        }
        buttons.add(new Action.QuickReply(title, payload));
      }
      if (!buttons.isEmpty() && text.length() > MAX_REPLY_WITH_BUTTONS) {
        throw invalid(where + ".text may have at most " + MAX_REPLY_WITH_BUTTONS + " characters with quick replies");
      }
    }
    return new Action.Reply(text, buttons);
  }

  private static String value(JsonObject o, String where) {
    Object v = o.getValue("value");
    if (v == null) {
      throw invalid(where + ".value is required");
    }
    if (!(v instanceof String s)) {
      throw invalid(where + ".value must be a string");
    }
    if (s.length() > MAX_FIELD_VALUE) {
      throw invalid(where + ".value may have at most " + MAX_FIELD_VALUE + " characters");
    }
    return s;
  }

  private static String type(JsonObject o, String where) {
    Object v = o.getValue("type");
    if (v == null) {
      throw invalid(where + ".type is required");
    }
    if (!(v instanceof String s)) {
      throw invalid(where + ".type must be a string");
    }
    return s;
  }

  private static String text(JsonObject o, String key, String where, int max) {
    Object v = o.getValue(key);
    if (v == null) {
      throw invalid(where + " is required");
    }
    if (!(v instanceof String s)) {
      throw invalid(where + " must be a string");
    }
    if (s.isBlank()) {
      throw invalid(where + " must not be empty");
    }
    if (s.length() > max) {
      throw invalid(where + " may have at most " + max + " characters");
    }
    return s;
  }

  private static List<String> strings(JsonObject o, String key, String where, int maxItems, int maxLength) {
    Object v = o.getValue(key);
    if (v == null) {
      throw invalid(where + " is required");
    }
    if (!(v instanceof JsonArray a)) {
      throw invalid(where + " must be an array of strings");
    }
    if (a.isEmpty()) {
      throw invalid(where + " must not be empty");
    }
    if (a.size() > maxItems) {
      throw invalid(where + " may hold at most " + maxItems + " entries");
    }
    Set<String> out = new LinkedHashSet<>();
    for (int i = 0; i < a.size(); i++) {
      if (!(a.getValue(i) instanceof String s)) {
        throw invalid(where + "[" + i + "] must be a string");
      }
      String t = s.strip();
      if (t.isEmpty()) {
        throw invalid(where + "[" + i + "] must not be empty");
      }
      if (t.length() > maxLength) {
        throw invalid(where + "[" + i + "] may have at most " + maxLength + " characters");
      }
      out.add(t);
    }
    return new ArrayList<>(out);
  }
}
