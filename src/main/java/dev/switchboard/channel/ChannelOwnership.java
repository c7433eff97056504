package dev.switchboard.channel;

import dev.switchboard.common.ApiException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Proves with the Graph API that a channel's access token owns the id an admin enters, before the
 * channel is stored: whoever stores an id receives its customers, so a claim is not enough, and
 * neither is a token that can merely read the id (any user token with Meta's Page Public Metadata
 * Access reads a public page's {@code id} and {@code name}).
 * <ul>
 *   <li>WhatsApp: {@code GET /{phone-number-id}} must answer that number, and the WABA's
 *       {@code GET /{waba-id}/phone_numbers} must list it (the token could otherwise name a WABA
 *       it manages beside a number of someone else's).</li>
 *   <li>Messenger: the token must be the page's own: {@code GET /me} answers the page itself for a
 *       Page access token, and the user for a user token, so its {@code id} must be the page id.</li>
 *   <li>Instagram (an account connected to a Facebook Page, as the Messenger Platform serves it on
 *       GRAPH_API_URL): the token must be that page's own: {@code GET /me} must answer a page whose
 *       {@code instagram_business_account} is the account id.</li>
 * </ul>
 * None of these needs the app secret. Then the app is subscribed to the WABA's or page's webhooks
 * ({@code POST .../subscribed_apps}): a WhatsApp or Messenger channel whose subscription Meta
 * refuses could receive no message, so it is refused too and nothing is stored. Instagram's call
 * ({@code POST /{ig-id}/subscribed_apps}) may be refused for an account connected through its
 * Facebook Page, whose page is then subscribed in Meta's settings instead; that refusal is kept
 * as the channel's {@code subscribeError}.
 */
public final class ChannelOwnership {

  /** Messenger Platform page fields the gateway reads (messages, echoes, postbacks, referrals, receipts). */
  static final String PAGE_FIELDS = "messages,message_echoes,messaging_postbacks,messaging_referrals,message_deliveries,message_reads";
  /** Instagram messaging fields (Instagram API with Instagram Login names them per account). */
  static final String INSTAGRAM_FIELDS = "messages,messaging_postbacks,messaging_seen,messaging_referral";
  /** A WABA rarely has more than a handful of numbers; past this many pages the number is not looked for further. */
  private static final int MAX_PAGES = 20;

  private final GraphClient graph;

  public ChannelOwnership(GraphClient graph) {
    this.graph = graph;
  }

  /**
   * What connecting established: the object's name (a page's, or a number's verified name) and,
   * for Instagram only, Meta's reason when it refused the webhook subscription (else null).
   */
  public record Proof(String name, String subscribeError) {
  }

  /**
   * Proves the token owns the id, then subscribes the app to its webhooks. Fails with 422
   * {@code channel_not_owned} (Meta's message, or what {@code /me} answered) when the token does
   * not own it or Meta refuses a WhatsApp or Messenger subscription, and with 502 when Meta could
   * not be asked; the caller stores nothing then.
   */
  public Future<Proof> connect(String platform, String externalId, String wabaId, String token) {
    return verify(platform, externalId, wabaId, token)
        .compose(name -> subscribe(platform, externalId, wabaId, token).map(refused -> new Proof(name, refused)));
  }

  /** The object's name when the token owns the id. */
  private Future<String> verify(String platform, String externalId, String wabaId, String token) {
    if ("whatsapp".equals(platform)) {
      return graph.get("/" + externalId + "?fields=id,display_phone_number,verified_name", token)
          .compose(r -> sameId(r, externalId))
          .compose(number -> listed(wabaId, externalId, token, null, 0)
              .map(v -> number.getString("verified_name")));
    }
    if ("messenger".equals(platform)) {
      return graph.get("/me?fields=id,name", token).compose(r -> {
        if (!r.ok()) {
          return Future.failedFuture(refusal(r.error()));
        }
        String me = String.valueOf(r.body().getValue("id"));
        if (!externalId.equals(me)) {
          return Future.failedFuture(notOwned("the access token is not page " + externalId + "'s own: Graph's /me answers "
              + me + " (a user or another page); give a Page access token of page " + externalId));
        }
        return Future.succeededFuture(r.body().getString("name"));
      });
    }
    // A user token has no such field: Graph answers its own (#100) error, passed on as the reason.
    return graph.get("/me?fields=id,name,instagram_business_account", token).compose(r -> {
      if (!r.ok()) {
        return Future.failedFuture(refusal(r.error()));
      }
      JsonObject linked = r.body().getJsonObject("instagram_business_account");
      String account = linked == null ? null : String.valueOf(linked.getValue("id"));
      if (!externalId.equals(account)) {
        return Future.failedFuture(notOwned("the access token is not the token of the Facebook Page linked to Instagram account "
            + externalId + ": Graph's /me answers " + r.body().getValue("id")
            + (account == null ? ", which has no Instagram account linked" : ", linked to Instagram account " + account)
            + "; give the Page access token of the Page connected to " + externalId));
      }
      return Future.succeededFuture(r.body().getString("name"));
    });
  }

  /**
   * Subscribes the app to the object's webhooks: null once Meta confirms; Instagram's refusal as
   * the reason the channel's answer shows; else a failure.
   */
  private Future<String> subscribe(String platform, String externalId, String wabaId, String token) {
    String path = switch (platform) {
      case "whatsapp" -> "/" + wabaId + "/subscribed_apps";
      case "messenger" -> "/" + externalId + "/subscribed_apps?subscribed_fields=" + PAGE_FIELDS;
      default -> "/" + externalId + "/subscribed_apps?subscribed_fields=" + INSTAGRAM_FIELDS;
    };
    return graph.post(path, token, new JsonObject()).compose(r -> {
      if (!r.ok() && r.error().kind() == GraphErrors.Kind.RETRY) {
        return Future.failedFuture(new ApiException(502, "graph_unavailable",
            "the Graph API could not subscribe the app to the channel's webhooks now: " + r.error().message()));
      }
      String refused = !r.ok() ? r.error().message()
          : Boolean.TRUE.equals(r.body().getValue("success")) ? null : "Graph did not confirm the subscription";
      if (refused == null || "instagram".equals(platform)) {
        return Future.succeededFuture(refused);
      }
      String object = "whatsapp".equals(platform) ? "WhatsApp Business Account " + wabaId : "page " + externalId;
      return Future.failedFuture(notOwned("Meta refused to subscribe the app to the webhooks of " + object
          + ", so the channel could receive no message: " + refused));
    });
  }

  private static Future<JsonObject> sameId(GraphClient.Result r, String id) {
    if (!r.ok()) {
      return Future.failedFuture(refusal(r.error()));
    }
    if (!id.equals(String.valueOf(r.body().getValue("id")))) {
      return Future.failedFuture(notOwned("Graph answered another object for id " + id));
    }
    return Future.succeededFuture(r.body());
  }

  // Follows the WABA's pages of numbers until the number is found (Graph pages by cursor).
  private Future<Void> listed(String wabaId, String number, String token, String after, int page) {
    String path = "/" + wabaId + "/phone_numbers?fields=id&limit=100"
        + (after == null ? "" : "&after=" + URLEncoder.encode(after, StandardCharsets.UTF_8));
    return graph.get(path, token).compose(r -> {
      if (!r.ok()) {
        return Future.failedFuture(refusal(r.error()));
      }
      JsonArray data = r.body().getJsonArray("data", new JsonArray());
      for (int i = 0; i < data.size(); i++) {
        if (data.getValue(i) instanceof JsonObject n && number.equals(String.valueOf(n.getValue("id")))) {
          return Future.succeededFuture();
        }
      }
      JsonObject paging = r.body().getJsonObject("paging");
      String next = paging == null || paging.getString("next") == null || paging.getJsonObject("cursors") == null
          ? null : paging.getJsonObject("cursors").getString("after");
      if (next != null && page + 1 < MAX_PAGES) {
        return listed(wabaId, number, token, next, page + 1);
      }
      return Future.failedFuture(notOwned("phone number " + number + " is not a number of WhatsApp Business Account " + wabaId));
    });
  }

  /** Meta could not be asked (no answer, 5xx, a rate limit): nothing is proven either way. */
  private static ApiException refusal(GraphErrors.GraphError e) {
    if (e.kind() == GraphErrors.Kind.RETRY) {
      return new ApiException(502, "graph_unavailable", "the Graph API could not confirm the channel now: " + e.message());
    }
    return notOwned(e.message());
  }

  public static ApiException notOwned(String metaMessage) {
    return ApiException.unprocessable("channel_not_owned", "Meta does not confirm that this access token owns the id: " + metaMessage);
  }
}
