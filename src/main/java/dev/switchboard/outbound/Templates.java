package dev.switchboard.outbound;

import dev.switchboard.store.RedisStore;
import dev.switchboard.conversation.Transactions;
import dev.switchboard.channel.GraphClient;
import dev.switchboard.channel.GraphErrors;
import dev.switchboard.common.ApiException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Approved WhatsApp templates of a channel from the Graph API, cached briefly in Redis (shared by all nodes). */
final class Templates {

  private static final Pattern PARAM = Pattern.compile("\\{\\{\\s*(\\d+)\\s*}}");

  private final RedisStore redis;
  private final Transactions tx;
  private final GraphClient graph;
  private final int cacheSeconds;

  Templates(RedisStore redis, Transactions tx, GraphClient graph, int cacheSeconds) {
    this.redis = redis;
    this.tx = tx;
    this.graph = graph;
    this.cacheSeconds = cacheSeconds;
  }

  /** The approved templates ({name, language, status, body}) of one WhatsApp channel. */
  Future<JsonArray> approved(long channelId, String platform, String wabaId, String accessToken) {
    if (!"whatsapp".equals(platform)) {
      return Future.failedFuture(ApiException.unprocessable("unsupported_platform", "templates exist only on WhatsApp channels"));
    }
    if (wabaId == null || wabaId.isBlank()) {
      return Future.failedFuture(ApiException.unprocessable("waba_missing", "the channel has no WhatsApp Business Account id (wabaId)"));
    }
    String key = redis.key("templates:" + channelId);
    return redis.api().get(key)
        .map(r -> r == null ? null : new JsonArray(r.toString()))
        .recover(err -> Future.succeededFuture(null))
        .compose(cached -> cached != null ? Future.succeededFuture(cached) : fetch(channelId, wabaId, accessToken, key));
  }

  private Future<JsonArray> fetch(long channelId, String wabaId, String accessToken, String key) {
    return graph.templates(wabaId, accessToken).compose(result -> {
      if (!result.ok()) {
        if (result.error().kind() == GraphErrors.Kind.TOKEN) {
          return ChannelAttention.tokenRefused(tx, channelId, result.error().message())
              .transform(v -> Future.failedFuture(ApiException.badGateway("channel_token_invalid", result.error().message())));
        }
        return Future.failedFuture(ApiException.badGateway("graph_error", "the Graph API refused the template list: "
            + result.error().message()));
      }
      JsonArray items = GraphClient.templateItems(result.body(), true);
      return redis.api().setex(key, String.valueOf(cacheSeconds), items.encode())
          .map(items)
          .otherwise(items);
    });
  }

  /** Finds a template by name and language; 422 template_not_found. */
  static JsonObject find(JsonArray approved, String name, String language) {
    for (int i = 0; i < approved.size(); i++) {
      JsonObject t = approved.getJsonObject(i);
      if (name.equals(t.getString("name")) && language.equals(t.getString("language"))) {
        return t;
      }
    }
    throw ApiException.unprocessable("template_not_found", "no approved template " + name + " in " + language);
  }

  /**
   * The body with {{1}}, {{2}}... replaced by the parameters. Their count must match the
   * template's, and none may be blank (the customer would read "Your order  has shipped"):
   * otherwise 422 invalid_parameters naming which.
   */
  static String render(String body, List<String> parameters) {
    if (body == null) {
      return null;
    }
    int needed = 0;
    Matcher m = PARAM.matcher(body);
    while (m.find()) {
      needed = Math.max(needed, Integer.parseInt(m.group(1)));
    }
    if (needed != parameters.size()) {
      throw ApiException.unprocessable("invalid_parameters", "the template needs " + needed + " parameters, got " + parameters.size());
    }
    List<String> blank = new java.util.ArrayList<>();
    for (int i = 0; i < parameters.size(); i++) {
      if (parameters.get(i) == null || parameters.get(i).isBlank()) {
        blank.add("{{" + (i + 1) + "}}");
      }
    }
    if (!blank.isEmpty()) {
      throw ApiException.unprocessable("invalid_parameters", "template parameter " + String.join(", ", blank) + " must not be empty");
    }
    m.reset();
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      int n = Integer.parseInt(m.group(1));
      m.appendReplacement(out, Matcher.quoteReplacement(n >= 1 ? parameters.get(n - 1) : m.group()));
    }
    m.appendTail(out);
    return out.toString();
  }
}
