package dev.switchboard.ingress;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;

/**
 * Whether bytes are exactly one JSON object (valid UTF-8, nothing after it), checked with a
 * streaming parser: ingress only needs the verdict, the processor builds the tree later.
 */
public final class JsonCheck {

  private static final JsonFactory FACTORY = new JsonFactory();

  private JsonCheck() {
  }

  public static boolean isObject(byte[] body) {
    try (JsonParser p = FACTORY.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      int depth = 1;
      JsonToken t;
      while (depth > 0 && (t = p.nextToken()) != null) {
        if (t.isStructStart()) {
          depth++;
        } else if (t.isStructEnd()) {
          depth--;
        }
      }
      return depth == 0 && p.nextToken() == null;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
