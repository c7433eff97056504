package dev.switchboard.channel;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

/** Calls the Graph API at GRAPH_API_URL with a channel's bearer token; never fails, answers a {@link Result}. */
public final class GraphClient {

  /** A call's outcome: the parsed body on success, else the classified error. */
  public record Result(JsonObject body, GraphErrors.GraphError error) {
    public boolean ok() {
      return error == null;
    }
  }

  private final WebClient client;
  private final String baseUrl;
  private final long timeoutMs;

  public GraphClient(WebClient client, String baseUrl, long timeoutMs) {
    this.client = client;
    this.baseUrl = baseUrl;
    this.timeoutMs = timeoutMs;
  }

  /** {@code POST path} with a JSON body. */
  public Future<Result> post(String path, String accessToken, JsonObject body) {
    return client.postAbs(baseUrl + path)
        .bearerTokenAuthentication(accessToken)
        .putHeader("Content-Type", "application/json")
        .timeout(timeoutMs)
        .sendBuffer(Buffer.buffer(body.encode()))
        .map(GraphClient::result)
        .otherwise(err -> new Result(null, GraphErrors.noAnswer(err)));
  }

  /** {@code POST path} with a multipart form (WhatsApp's media upload). */
  public Future<Result> postForm(String path, String accessToken, io.vertx.ext.web.multipart.MultipartForm form) {
    return client.postAbs(baseUrl + path)
        .bearerTokenAuthentication(accessToken)
        .timeout(timeoutMs)
        .sendMultipartForm(form)
        .map(GraphClient::result)
        .otherwise(err -> new Result(null, GraphErrors.noAnswer(err)));
  }

  /** {@code GET path?query}. */
  public Future<Result> get(String pathAndQuery, String accessToken) {
    return client.getAbs(baseUrl + pathAndQuery)
        .bearerTokenAuthentication(accessToken)
        .timeout(timeoutMs)
        .send()
        .map(GraphClient::result)
        .otherwise(err -> new Result(null, GraphErrors.noAnswer(err)));
  }

  /** A WhatsApp Business Account's templates (first page of up to 200), as Graph lists them. */
  public Future<Result> templates(String wabaId, String accessToken) {
    return get("/" + wabaId + "/message_templates?fields=name,language,status,category,components&limit=200", accessToken);
  }

  /** Each template's name, language, status and body text; {@code needsPhone: true} where it only goes to a phone. */
  public static JsonArray templateItems(JsonObject graphList, boolean approvedOnly) {
    JsonArray out = new JsonArray();
    JsonArray data = graphList == null ? null : graphList.getJsonArray("data");
    if (data == null) {
      return out;
    }
    for (int i = 0; i < data.size(); i++) {
      JsonObject t = data.getJsonObject(i);
      String status = t.getString("status");
      if (approvedOnly && !"APPROVED".equalsIgnoreCase(status)) {
        continue;
      }
      String body = null;
      JsonArray components = t.getJsonArray("components");
      if (components != null) {
        for (int c = 0; c < components.size(); c++) {
          JsonObject comp = components.getJsonObject(c);
          if ("BODY".equalsIgnoreCase(comp.getString("type"))) {
            body = comp.getString("text");
          }
        }
      }
      JsonObject item = new JsonObject().put("name", t.getString("name")).put("language", t.getString("language"))
          .put("status", status).put("body", body);
      if (needsPhone(t)) {
        item.put("needsPhone", true);
      }
      out.add(item);
    }
    return out;
  }

  /**
   * Whether a template can only go to a phone number: authentication templates whose button
   * copies or fills in a code (copy code, one tap, zero tap). WhatsApp refuses those for a
   * customer known only by BSUID (131062). An authentication template whose components are not
   * listed counts as needing one: refusing early is better than a failed send.
   */
  static boolean needsPhone(JsonObject template) {
    if (!"AUTHENTICATION".equalsIgnoreCase(template.getString("category"))) {
      return false;
    }
    JsonArray components = template.getJsonArray("components");
    if (components == null) {
      return true;
    }
    for (int c = 0; c < components.size(); c++) {
      JsonObject comp = components.getJsonObject(c);
      JsonArray buttons = "BUTTONS".equalsIgnoreCase(comp.getString("type")) ? comp.getJsonArray("buttons") : null;
      for (int b = 0; buttons != null && b < buttons.size(); b++) {
        JsonObject button = buttons.getJsonObject(b);
        String otp = button.getString("otp_type");
        if ("OTP".equalsIgnoreCase(button.getString("type")) || "COPY_CODE".equalsIgnoreCase(button.getString("type")) || otp != null) {
          return true;
        }
      }
    }
    return false;
  }

  private static Result result(HttpResponse<Buffer> r) {
    String text = r.bodyAsString();
    if (r.statusCode() / 100 == 2) {
      try {
        return new Result(text == null || text.isBlank() ? new JsonObject() : new JsonObject(text), null);
      } catch (RuntimeException e) {
        return new Result(new JsonObject(), null);
      }
    }
    return new Result(null, GraphErrors.classify(r.statusCode(), text));
  }
}
