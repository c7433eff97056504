package dev.switchboard.conversation;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders {@code {{field name}}} placeholders with a contact's custom field values. Names are
 * exact (case-sensitive) after trimming the spaces inside the braces; every unknown field is
 * reported by name, so nothing half-rendered is ever sent.
 */
public final class Placeholders {

  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([^{}]*?)\\s*}}");

  private Placeholders() {
  }

  /** Renders {@code text}; throws {@link MissingFieldsException} naming every field the contact lacks. */
  public static String render(String text, Map<String, String> fields) {
    if (text == null || text.indexOf("{{") < 0) {
      return text;
    }
    Set<String> missing = new LinkedHashSet<>();
    Matcher m = PLACEHOLDER.matcher(text);
    StringBuilder out = new StringBuilder(text.length() + 32);
    while (m.find()) {
      String name = m.group(1);
      String value = name.isEmpty() ? null : fields.get(name);
      if (value == null) {
        missing.add(name);
        m.appendReplacement(out, "");
      } else {
        m.appendReplacement(out, Matcher.quoteReplacement(value));
      }
    }
    if (!missing.isEmpty()) {
      throw new MissingFieldsException(new ArrayList<>(missing));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** The field names a text refers to, in order of first use. */
  public static List<String> names(String text) {
    Set<String> names = new LinkedHashSet<>();
    if (text != null) {
      Matcher m = PLACEHOLDER.matcher(text);
      while (m.find()) {
        names.add(m.group(1));
      }
    }
    return new ArrayList<>(names);
  }

  /**
   * {@code text} with every placeholder of field {@code from} naming {@code to} instead (written
   * {@code {{to}}}); the same instance when no placeholder names {@code from}.
   */
  public static String rename(String text, String from, String to) {
    if (text == null || text.indexOf("{{") < 0) {
      return text;
    }
    Matcher m = PLACEHOLDER.matcher(text);
    StringBuilder out = new StringBuilder(text.length() + 16);
    boolean changed = false;
    while (m.find()) {
      if (m.group(1).equals(from)) {
        m.appendReplacement(out, Matcher.quoteReplacement("{{" + to + "}}"));
        changed = true;
      }
    }
    if (!changed) {
      return text;
    }
    m.appendTail(out);
    return out.toString();
  }

  /** The contact lacks fields the text needs. */
  public static final class MissingFieldsException extends RuntimeException {
    private final List<String> fields;

    public MissingFieldsException(List<String> fields) {
      super("the contact has no value for " + String.join(", ", fields.stream().map(f -> "{{" + f + "}}").toList()), null, false, false);
      this.fields = List.copyOf(fields);
    }

    public List<String> fields() {
      return fields;
    }
  }
}
