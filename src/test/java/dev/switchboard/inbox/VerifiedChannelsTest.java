package dev.switchboard.inbox;

import dev.switchboard.support.FakeGraph;
import dev.switchboard.support.Http;
import dev.switchboard.support.Seed;
import dev.switchboard.support.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Channels are proven with the Graph API before they are stored, and subscribed to their webhooks")
class VerifiedChannelsTest extends InboxTestBase {

  private static final AtomicLong IDS = new AtomicLong(System.nanoTime() % 1_000_000_000L * 1_000);

  /** A fresh numeric Meta id, so tests never meet each other's objects in the shared fake. */
  static String metaId() {
    return String.valueOf(IDS.incrementAndGet());
  }

  /** A WhatsApp number in its WABA, both owned (in the fake) by its own token. */
  record Owned(String phone, String waba, String token) {
    static Owned number() {
      Owned o = new Owned(metaId(), metaId(), "EAAG-wa-" + metaId());
      graph.ownsWhatsApp(o.token(), o.waba(), o.phone());
      return o;
    }
  }

  static JsonObject whatsapp(String phone, String waba, String token) {
    return new JsonObject().put("platform", "whatsapp").put("name", "Support").put("externalId", phone)
        .put("wabaId", waba).put("accessToken", token);
  }

  static JsonObject page(String platform, String id, String token) {
    return new JsonObject().put("platform", platform).put("name", "Page").put("externalId", id).put("accessToken", token);
  }

  static long stored(String externalId) {
    return Seed.scalar(db, "SELECT count(*) FROM channels WHERE external_id = ?", externalId);
  }

  /** The token's first GET /me (the fake is shared by the class's tests). */
  static FakeGraph.Call me(String token) {
    return graph.calls("GET", "/me").stream().filter(c -> ("Bearer " + token).equals(c.headers().get("authorization")))
        .findFirst().orElseThrow();
  }

  static void notOwned(Http.Res r) {
    assertThat(r.status()).as(r.text()).isEqualTo(422);
    assertThat(r.errorCode()).isEqualTo("channel_not_owned");
  }

  @Test
  @DisplayName("WhatsApp: the number and its WABA are read with the token, the WABA is subscribed, the answer shows the webhook URL and verify token")
  void whatsappOwned() {
    Owned owned = Owned.number();
    String phone = owned.phone();
    String waba = owned.waba();
    String token = owned.token();
    Http.Res r = a.admin().post("/api/v1/channels", whatsapp(phone, waba, token));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    JsonObject webhook = r.json().getJsonObject("webhook");
    assertThat(webhook.getString("path")).isEqualTo("/webhooks/whatsapp");
    assertThat(webhook.getString("url")).isEqualTo("https://inbox.example.test/webhooks/whatsapp");
    assertThat(webhook.getString("verifyToken")).isEqualTo(TestNode.VERIFY_TOKEN);
    assertThat(webhook.getBoolean("subscribed")).isTrue();
    assertThat(r.text()).doesNotContain(token);
    assertThat(stored(phone)).isEqualTo(1);

    FakeGraph.Call number = graph.calls("GET", "/" + phone).get(0);
    assertThat(number.headers().get("authorization")).isEqualTo("Bearer " + token);
    assertThat(graph.calls("GET", "/" + waba + "/phone_numbers")).hasSize(1);
    List<FakeGraph.Call> subscribe = graph.calls("POST", "/" + waba + "/subscribed_apps");
    assertThat(subscribe).hasSize(1);
    assertThat(subscribe.get(0).headers().get("authorization")).isEqualTo("Bearer " + token);

    // admins see the webhook settings on every read; agents never see the verify token
    JsonObject listed = a.admin().get("/api/v1/channels/" + r.json().getString("id")).json();
    assertThat(listed.getJsonObject("webhook").getString("verifyToken")).isEqualTo(TestNode.VERIFY_TOKEN);
    assertThat(a.agent().get("/api/v1/channels").text()).doesNotContain(TestNode.VERIFY_TOKEN);
    assertThat(a.agent().get("/api/v1/channels/" + r.json().getString("id")).json().containsKey("webhook")).isFalse();
  }

  @Test
  @DisplayName("WhatsApp: a number the token cannot read is 422 channel_not_owned with Meta's message; nothing stored, nothing subscribed")
  void whatsappUnowned() {
    Owned mine = Owned.number();
    String waba = mine.waba();
    String theirs = metaId();
    Http.Res r = a.admin().post("/api/v1/channels", whatsapp(theirs, waba, mine.token()));
    notOwned(r);
    assertThat(r.json().getJsonObject("error").getString("message"))
        .contains("Object with ID '" + theirs + "' does not exist, cannot be loaded due to missing permissions");
    assertThat(stored(theirs)).isZero();
    assertThat(graph.calls("POST", "/" + waba + "/subscribed_apps")).isEmpty();
  }

  @Test
  @DisplayName("WhatsApp: a number the token can read but that is not in the named WABA is refused")
  void whatsappOtherWaba() {
    String phone = metaId();
    String wabaOfPhone = metaId();
    String otherWaba = metaId();
    String otherPhone = metaId();
    String token = "EAAG-two-" + phone;
    graph.ownsWhatsApp(token, wabaOfPhone, phone).ownsWhatsApp(token, otherWaba, otherPhone);
    Http.Res r = a.admin().post("/api/v1/channels", whatsapp(phone, otherWaba, token));
    notOwned(r);
    assertThat(r.json().getJsonObject("error").getString("message")).contains("is not a number of WhatsApp Business Account " + otherWaba);
    assertThat(stored(phone)).isZero();
  }

  @Test
  @DisplayName("WhatsApp: a WABA with more numbers than one page lists is followed page by page to the number")
  void whatsappPaged() {
    String waba = metaId();
    String token = "EAAG-big-" + waba;
    String last = null;
    for (int i = 0; i < 130; i++) {
      last = metaId();
      graph.ownsWhatsApp(token, waba, last);
    }
    Http.Res r = a.admin().post("/api/v1/channels", whatsapp(last, waba, token));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    List<FakeGraph.Call> pages = graph.calls("GET", "/" + waba + "/phone_numbers");
    assertThat(pages).hasSize(2);
    assertThat(pages.get(1).query()).contains("after=");
  }

  @Test
  @DisplayName("WhatsApp without wabaId is 422 invalid_waba_id before any Graph call")
  void whatsappNeedsWaba() {
    String phone = metaId();
    Http.Res r = a.admin().post("/api/v1/channels", whatsapp(phone, null, "EAAG-x"));
    assertThat(r.status()).isEqualTo(422);
    assertThat(r.errorCode()).isEqualTo("invalid_waba_id");
    assertThat(graph.calls("GET", "/" + phone)).isEmpty();
  }

  @Test
  @DisplayName("Messenger: the page's own token is accepted (GET /me answers the page) and the page is subscribed to messaging fields")
  void messengerOwnToken() {
    String id = metaId();
    String token = "EAAG-page-" + id;
    graph.ownsPage(token, id, "Shop");
    Http.Res r = a.admin().post("/api/v1/channels", page("messenger", id, token));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    assertThat(r.json().getJsonObject("webhook").getString("url")).isEqualTo("https://inbox.example.test/webhooks/messenger");
    assertThat(me(token).query()).isEqualTo("fields=id,name");
    FakeGraph.Call sub = graph.calls("POST", "/" + id + "/subscribed_apps").get(0);
    assertThat(sub.query()).startsWith("subscribed_fields=messages");
    assertThat(sub.headers().get("authorization")).isEqualTo("Bearer " + token);
    assertThat(stored(id)).isEqualTo(1);
  }

  @Test
  @DisplayName("Messenger: a user token that can read the page (Page Public Metadata Access) is 422 channel_not_owned; nothing stored, nothing subscribed")
  void messengerUserToken() {
    String id = metaId();
    String user = metaId();
    String token = "EAAG-user-" + user;
    graph.userToken(token, user, "Mallory").readsPage(token, id, "Someone else's shop");
    Http.Res r = a.admin().post("/api/v1/channels", page("messenger", id, token));
    notOwned(r);
    assertThat(r.json().getJsonObject("error").getString("message"))
        .contains("not page " + id + "'s own").contains("/me answers " + user).contains("Page access token");
    assertThat(stored(id)).isZero();
    assertThat(graph.calls("POST", "/" + id + "/subscribed_apps")).isEmpty();
  }

  @Test
  @DisplayName("Messenger: another page's token, even one that can read this page, is 422 channel_not_owned; nothing stored, nothing subscribed")
  void messengerOtherPagesToken() {
    String id = metaId();
    String other = metaId();
    String token = "EAAG-other-" + other;
    graph.ownsPage(token, other, "Other shop").readsPage(token, id, "This shop");
    Http.Res r = a.admin().post("/api/v1/channels", page("messenger", id, token));
    notOwned(r);
    assertThat(r.json().getJsonObject("error").getString("message")).contains("/me answers " + other);
    assertThat(stored(id)).isZero();
    assertThat(graph.calls("POST", "/" + id + "/subscribed_apps")).isEmpty();
  }

  @Test
  @DisplayName("Instagram: a user token, another page's token or a page with no or another account linked is refused; the token of the page linked to the account is accepted")
  void instagram() {
    String victim = metaId();
    String user = metaId();
    String userToken = "EAAG-user-" + user;
    graph.userToken(userToken, user, "Mallory").readsPage(userToken, victim, "victim");
    Http.Res byUser = a.admin().post("/api/v1/channels", page("instagram", victim, userToken));
    notOwned(byUser);
    assertThat(byUser.json().getJsonObject("error").getString("message")).contains("nonexisting field (instagram_business_account) on node type (User)");

    // the token of a page linked to another account, and of a page with none linked
    String otherPageToken = "EAAG-ig-other-" + victim;
    String bareToken = "EAAG-bare-" + victim;
    graph.ownsInstagram(otherPageToken, metaId(), metaId(), "Other IG").readsPage(otherPageToken, victim, "victim");
    graph.ownsPage(bareToken, metaId(), "No IG").readsPage(bareToken, victim, "victim");
    Http.Res byOtherPage = a.admin().post("/api/v1/channels", page("instagram", victim, otherPageToken));
    notOwned(byOtherPage);
    assertThat(byOtherPage.json().getJsonObject("error").getString("message")).contains("linked to Instagram account ");
    Http.Res byBarePage = a.admin().post("/api/v1/channels", page("instagram", victim, bareToken));
    notOwned(byBarePage);
    assertThat(byBarePage.json().getJsonObject("error").getString("message")).contains("has no Instagram account linked");
    assertThat(stored(victim)).isZero();
    assertThat(graph.calls("POST", "/" + victim + "/subscribed_apps")).isEmpty();

    // the token of the page linked to the account
    String account = metaId();
    String pageOfAccount = metaId();
    String token = "EAAG-ig-" + account;
    graph.ownsInstagram(token, pageOfAccount, account, "Shop IG");
    Http.Res r = a.admin().post("/api/v1/channels", page("instagram", account, token));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    assertThat(me(token).query()).isEqualTo("fields=id,name,instagram_business_account");
    assertThat(graph.calls("POST", "/" + account + "/subscribed_apps").get(0).headers().get("authorization")).isEqualTo("Bearer " + token);
  }

  @Test
  @DisplayName("an id connected in another account answers exactly what any unowned id answers: 422, never 409")
  void connectedElsewhereRevealsNothing() {
    String id = metaId();
    String tokenA = "EAAG-a-" + id;
    graph.ownsPage(tokenA, id, "Alpha's page");
    assertThat(a.admin().post("/api/v1/channels", page("messenger", id, tokenA)).status()).isEqualTo(201);

    // B guesses with a token of its own: the connected id and a never-connected one answer alike
    String tokenB = "EAAG-b-" + id;
    String never = metaId();
    graph.ownsPage(tokenB, metaId(), "Beta's page");
    Http.Res connected = b.admin().post("/api/v1/channels", page("messenger", id, tokenB));
    Http.Res unknown = b.admin().post("/api/v1/channels", page("messenger", never, tokenB));
    notOwned(connected);
    notOwned(unknown);
    assertThat(connected.text().replace(id, "ID")).isEqualTo(unknown.text().replace(never, "ID"));

    // even the page's own token cannot move it to a second account
    String pageTokenB = "EAAG-b2-" + id;
    graph.ownsPage(pageTokenB, id, "Alpha's page");
    Http.Res owner = b.admin().post("/api/v1/channels", page("messenger", id, pageTokenB));
    notOwned(owner);
    assertThat(owner.text()).doesNotContain("Alpha").doesNotContain(String.valueOf(a.accountId()));
    assertThat(Seed.scalar(db, "SELECT account_id FROM channels WHERE platform = 'messenger' AND external_id = ?", id)).isEqualTo(a.accountId());

    // the account's own duplicate is said plainly
    Http.Res again = a.admin().post("/api/v1/channels", page("messenger", id, tokenA));
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.errorCode()).isEqualTo("channel_exists");
  }

  @Test
  @DisplayName("Graph not answering is 502 graph_unavailable and stores nothing")
  void graphTrouble() {
    String id = metaId();
    String token = "EAAG-t-" + id;
    graph.ownsPage(token, id, "Page");
    graph.enqueue("GET", "/me", unavailable());
    Http.Res down = a.admin().post("/api/v1/channels", page("messenger", id, token));
    assertThat(down.status()).isEqualTo(502);
    assertThat(down.errorCode()).isEqualTo("graph_unavailable");
    assertThat(stored(id)).isZero();

    graph.enqueue("POST", "/" + id + "/subscribed_apps", unavailable());
    Http.Res subscribing = a.admin().post("/api/v1/channels", page("messenger", id, token));
    assertThat(subscribing.status()).isEqualTo(502);
    assertThat(subscribing.errorCode()).isEqualTo("graph_unavailable");
    assertThat(stored(id)).isZero();

    assertThat(a.admin().post("/api/v1/channels", page("messenger", id, token)).status()).isEqualTo(201);
  }

  static FakeGraph.Answer unavailable() {
    return FakeGraph.Answer.json(503, new JsonObject().put("error", new JsonObject()
        .put("message", "An unexpected error has occurred. Please retry your request later.").put("type", "OAuthException").put("code", 2)));
  }

  static FakeGraph.Answer needsPagesMessaging() {
    return FakeGraph.Answer.json(403, new JsonObject().put("error", new JsonObject()
        .put("message", "(#200) Requires pages_messaging permission to manage the object").put("type", "OAuthException").put("code", 200)));
  }

  @Test
  @DisplayName("a refused webhook subscription stores nothing (WhatsApp, Messenger): 422 channel_not_owned with Meta's reason; Instagram keeps it as subscribeError")
  void refusedSubscription() {
    String id = metaId();
    String token = "EAAG-s-" + id;
    graph.ownsPage(token, id, "Page");
    graph.enqueue("POST", "/" + id + "/subscribed_apps", needsPagesMessaging());
    Http.Res page = a.admin().post("/api/v1/channels", page("messenger", id, token));
    notOwned(page);
    assertThat(page.json().getJsonObject("error").getString("message"))
        .contains("refused to subscribe the app to the webhooks of page " + id).contains("could receive no message").contains("pages_messaging");
    assertThat(stored(id)).isZero();

    Owned number = Owned.number();
    graph.enqueue("POST", "/" + number.waba() + "/subscribed_apps", FakeGraph.Answer.json(403, new JsonObject().put("error", new JsonObject()
        .put("message", "(#200) Permissions error").put("type", "OAuthException").put("code", 200))));
    Http.Res wa = a.admin().post("/api/v1/channels", whatsapp(number.phone(), number.waba(), number.token()));
    notOwned(wa);
    assertThat(wa.json().getJsonObject("error").getString("message")).contains("WhatsApp Business Account " + number.waba());
    assertThat(stored(number.phone())).isZero();

    // an Instagram account connected through its page may be subscribed in Meta's settings instead
    String account = metaId();
    String igToken = "EAAG-ig-s-" + account;
    graph.ownsInstagram(igToken, metaId(), account, "Shop IG");
    graph.enqueue("POST", "/" + account + "/subscribed_apps", needsPagesMessaging());
    Http.Res ig = a.admin().post("/api/v1/channels", page("instagram", account, igToken));
    assertThat(ig.status()).as(ig.text()).isEqualTo(201);
    assertThat(ig.json().getJsonObject("webhook").getBoolean("subscribed")).isFalse();
    assertThat(ig.json().getJsonObject("webhook").getString("subscribeError")).contains("pages_messaging");
  }

  @Test
  @DisplayName("a new token (PATCH) or connecting again whose subscription Meta refuses is 422: the old token is kept, the channel stays disconnected")
  void refusedSubscriptionOnNewToken() {
    String id = metaId();
    String oldToken = "EAAG-old-" + id;
    String newToken = "EAAG-new-" + id;
    graph.ownsPage(oldToken, id, "Shop").ownsPage(newToken, id, "Shop");
    String channel = a.admin().post("/api/v1/channels", page("messenger", id, oldToken)).json().getString("id");
    long channelId = Long.parseLong(channel);

    graph.enqueue("POST", "/" + id + "/subscribed_apps", needsPagesMessaging());
    Http.Res rotated = a.admin().patch("/api/v1/channels/" + channel, new JsonObject().put("accessToken", newToken));
    notOwned(rotated);
    assertThat(rotated.json().getJsonObject("error").getString("message")).contains("pages_messaging");
    assertThat(Seed.strings(db, "SELECT access_token FROM channels WHERE id = ?", channelId)).containsExactly(oldToken);

    assertThat(a.admin().post("/api/v1/channels/" + channel + "/disconnect", new JsonObject()).status()).isEqualTo(200);
    graph.enqueue("POST", "/" + id + "/subscribed_apps", needsPagesMessaging());
    Http.Res again = a.admin().post("/api/v1/channels/" + channel + "/reconnect", new JsonObject().put("accessToken", newToken));
    notOwned(again);
    assertThat(Seed.strings(db, "SELECT access_token FROM channels WHERE id = ? AND disconnected_at IS NOT NULL", channelId))
        .containsExactly(oldToken);

    Http.Res reconnected = a.admin().post("/api/v1/channels/" + channel + "/reconnect", new JsonObject().put("accessToken", newToken));
    assertThat(reconnected.status()).as(reconnected.text()).isEqualTo(200);
    assertThat(reconnected.json().containsKey("subscribeError")).isFalse();
    assertThat(Seed.strings(db, "SELECT access_token FROM channels WHERE id = ? AND disconnected_at IS NULL", channelId)).containsExactly(newToken);
  }

  @Test
  @DisplayName("PATCH: a new name needs no Graph call; a new token is proven (else 422, old token kept), then clears needsAttention and subscribes again")
  void update() {
    String id = metaId();
    String pageId = metaId();
    String oldToken = "EAAG-old-" + id;
    String newToken = "EAAG-new-" + id;
    graph.ownsInstagram(oldToken, pageId, id, "Insta").ownsInstagram(newToken, pageId, id, "Insta");
    String channel = a.admin().post("/api/v1/channels", page("instagram", id, oldToken)).json().getString("id");
    Seed.exec(db, "UPDATE channels SET needs_attention = 'token_expired' WHERE id = ?", Long.parseLong(channel));
    int before = graph.calls().size();

    Http.Res renamed = a.admin().patch("/api/v1/channels/" + channel, new JsonObject().put("name", "  Insta  "));
    assertThat(renamed.status()).isEqualTo(200);
    assertThat(renamed.json().getString("name")).isEqualTo("Insta");
    assertThat(graph.calls()).hasSize(before);

    Http.Res stolen = a.admin().patch("/api/v1/channels/" + channel, new JsonObject().put("accessToken", "EAAG-unknown"));
    notOwned(stolen);
    assertThat(Seed.strings(db, "SELECT access_token FROM channels WHERE id = ?", Long.parseLong(channel))).containsExactly(oldToken);

    Http.Res rotated = a.admin().patch("/api/v1/channels/" + channel, new JsonObject().put("accessToken", newToken));
    assertThat(rotated.status()).as(rotated.text()).isEqualTo(200);
    assertThat(rotated.json().getString("needsAttention")).isNull();
    assertThat(rotated.json().getJsonObject("webhook").getBoolean("subscribed")).isTrue();
    assertThat(Seed.strings(db, "SELECT access_token FROM channels WHERE id = ?", Long.parseLong(channel))).containsExactly(newToken);
    assertThat(graph.calls("POST", "/" + id + "/subscribed_apps")).hasSize(2);

    assertThat(a.agent().patch("/api/v1/channels/" + channel, new JsonObject().put("name", "x")).status()).isEqualTo(403);
    assertThat(b.admin().patch("/api/v1/channels/" + channel, new JsonObject().put("name", "x")).status()).isEqualTo(404);
  }

  @Test
  @DisplayName("New access token (PATCH) and connecting again: a user token that reads the page or another page's token is refused and the old token kept; the page's own new token is taken")
  void newTokenMustBeThePages() {
    String id = metaId();
    String oldToken = "EAAG-old-" + id;
    String ownNew = "EAAG-own-new-" + id;
    String user = metaId();
    String userToken = "EAAG-user-" + user;
    String other = metaId();
    String otherToken = "EAAG-other-" + other;
    graph.ownsPage(oldToken, id, "Shop").ownsPage(ownNew, id, "Shop");
    graph.userToken(userToken, user, "Mallory").readsPage(userToken, id, "Shop");
    graph.ownsPage(otherToken, other, "Other shop").readsPage(otherToken, id, "Shop");
    String channel = a.admin().post("/api/v1/channels", page("messenger", id, oldToken)).json().getString("id");
    long channelId = Long.parseLong(channel);
    int subscriptions = graph.calls("POST", "/" + id + "/subscribed_apps").size();

    for (String refused : List.of(userToken, otherToken)) {
      Http.Res r = a.admin().patch("/api/v1/channels/" + channel, new JsonObject().put("accessToken", refused));
      notOwned(r);
      assertThat(r.json().getJsonObject("error").getString("message")).contains("not page " + id + "'s own");
      assertThat(Seed.strings(db, "SELECT access_token FROM channels WHERE id = ?", channelId)).containsExactly(oldToken);
    }
    assertThat(graph.calls("POST", "/" + id + "/subscribed_apps")).hasSize(subscriptions);

    // connecting a disconnected channel again proves the new token the same way
    assertThat(a.admin().post("/api/v1/channels/" + channel + "/disconnect", new JsonObject()).status()).isEqualTo(200);
    Http.Res again = a.admin().post("/api/v1/channels/" + channel + "/reconnect", new JsonObject().put("accessToken", userToken));
    notOwned(again);
    assertThat(Seed.scalar(db, "SELECT count(*) FROM channels WHERE id = ? AND disconnected_at IS NOT NULL", channelId)).isEqualTo(1);
    assertThat(a.admin().post("/api/v1/channels/" + channel + "/reconnect", new JsonObject()).status()).isEqualTo(200);

    Http.Res rotated = a.admin().patch("/api/v1/channels/" + channel, new JsonObject().put("accessToken", ownNew));
    assertThat(rotated.status()).as(rotated.text()).isEqualTo(200);
    assertThat(Seed.strings(db, "SELECT access_token FROM channels WHERE id = ?", channelId)).containsExactly(ownNew);
  }

  @Test
  @DisplayName("an e-mail already used in another account is refused without naming that account")
  void emailElsewhere() {
    String email = "shared+" + metaId() + "@example.test";
    assertThat(a.admin().post("/api/v1/agents", new JsonObject().put("name", "Ana").put("email", email).put("password", "password-123")).status())
        .isEqualTo(201);
    Http.Res r = b.admin().post("/api/v1/agents", new JsonObject().put("name", "Ana").put("email", email.toUpperCase()).put("password", "password-123"));
    assertThat(r.status()).isEqualTo(409);
    assertThat(r.errorCode()).isEqualTo("email_taken");
    assertThat(r.text()).doesNotContain("Alpha").doesNotContain(String.valueOf(a.accountId()));
  }
}
