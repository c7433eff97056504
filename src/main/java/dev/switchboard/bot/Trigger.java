package dev.switchboard.bot;

import java.util.List;
import java.util.regex.Pattern;

/** What makes a flow run (keyword, regex, any, first_message, payload; docs/openapi.yaml). */
public sealed interface Trigger {

  String type();

  /** Any of the keywords appears as whole words, ignoring case and accents. */
  record Keyword(List<String> keywords) implements Trigger {
    public Keyword {
      keywords = List.copyOf(keywords);
    }

    @Override
    public String type() {
      return "keyword";
    }
  }

  /** The pattern is found somewhere in the text; compiled once when the flow is read. */
  record Regex(String source, Pattern pattern) implements Trigger {
    @Override
    public String type() {
      return "regex";
    }
  }

  /** Every customer message. */
  record Any() implements Trigger {
    @Override
    public String type() {
      return "any";
    }
  }

  /** The first inbound message of a conversation. */
  record FirstMessage() implements Trigger {
    @Override
    public String type() {
      return "first_message";
    }
  }

  /** A button, quick-reply, postback or ice-breaker payload equal to one of these. */
  record Payload(List<String> payloads) implements Trigger {
    public Payload {
      payloads = List.copyOf(payloads);
    }

    @Override
    public String type() {
      return "payload";
    }
  }
}
