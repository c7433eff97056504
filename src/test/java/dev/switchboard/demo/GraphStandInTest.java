package dev.switchboard.demo;

import dev.switchboard.demo.GraphStandIn.Holder;
import dev.switchboard.demo.Simulator.GraphAnswer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The Graph stand-in answers a channel's checks for the demo's Meta by its rules, in Graph's shapes")
class GraphStandInTest {

  final CustomerFeed feed = new CustomerFeed();
  final GraphStandIn graph = new GraphStandIn(feed, (platform, channelId, customerId, id, kind, text) -> new JsonObject().put("id", id));

  @Test
  @DisplayName("tokens: the seed's and Meta-shaped ones pass; others cannot be parsed, and a revoked one ends its session (190)")
  void tokens() {
    assertThat(GraphStandIn.refusedToken("demo-whatsapp-token")).isNull();
    assertThat(GraphStandIn.refusedToken("EAAdemo2")).isNull();
    assertThat(GraphStandIn.refusedToken("IGdemo2")).isNull();
    assertError(GraphStandIn.refusedToken("hello"), 190, "Cannot parse access token");
    assertError(GraphStandIn.refusedToken("demo-other-token"), 190, "Cannot parse access token");
    GraphAnswer revoked = GraphStandIn.refusedToken("EAARevokedOne");
    assertError(revoked, 190, "The session has been invalidated");
    assertThat(revoked.body().getJsonObject("error").getInteger("error_subcode")).isEqualTo(460);
    assertThat(revoked.body().getJsonObject("error").getString("type")).isEqualTo("OAuthException");
  }

  @Test
  @DisplayName("GET /{id}: a 15-digit id is a phone number when asked a number's fields, else a Page; 17841… an Instagram account; only the fields asked, and the id")
  void objects() {
    GraphAnswer number = graph.lookup("100200300400600", "id,display_phone_number,verified_name", null, false, null);
    assertThat(number.status()).isEqualTo(200);
    assertThat(number.body().fieldNames()).containsExactlyInAnyOrder("id", "display_phone_number", "verified_name");
    assertThat(number.body().getString("id")).isEqualTo("100200300400600");
    assertThat(number.body().getString("display_phone_number")).isEqualTo("+1 555-040-0600");
    assertThat(graph.lookup(DemoSeed.WHATSAPP_ID, "verified_name", null, false, null).body().getString("verified_name")).isEqualTo("Demo Shop");

    GraphAnswer page = graph.lookup("361442100000002", "id,name", null, false, null);
    assertThat(page.body()).isEqualTo(new JsonObject().put("id", "361442100000002").put("name", "Demo Page 0002"));
    GraphAnswer instagram = graph.lookup("17841400000000002", "id,name,username", null, false, null);
    assertThat(instagram.body().fieldNames()).containsExactlyInAnyOrder("id", "name", "username");

    assertError(graph.lookup("361442100000002", "id,first_name", null, false, null), 100, "nonexisting field (first_name) on node type (Page)");
    assertError(graph.lookup("12345", "id,name", null, false, null), 100, "Object with ID '12345' does not exist");
    assertThat(graph.lookup("12345", "id,name", null, false, null).body().getJsonObject("error").getInteger("error_subcode")).isEqualTo(33);
    assertError(graph.lookup("0123456789012345", "id,name", null, false, null), 100, "does not exist");
  }

  @Test
  @DisplayName("a customer's id still answers the profile, whatever its shape")
  void customersKeepTheirProfiles() {
    feed.add(new Simulator.Customer("messenger", DemoSeed.PAGE_ID, "361442100000009", "Rae Quinn"));
    GraphAnswer profile = graph.lookup("361442100000009", "first_name,last_name,profile_pic", null, false, null);
    assertThat(profile.body().getString("first_name")).isEqualTo("Rae");
    assertThat(graph.lookup("7400000000000002", "first_name,last_name", null, true, "Emma Schultz").body().getString("last_name"))
        .isEqualTo("Schultz");
  }

  @Test
  @DisplayName("a WABA holds the nine numbers whose id differs from its own only in the last digit")
  void wabaNumbers() {
    GraphAnswer list = graph.phoneNumbers(DemoSeed.WABA_ID, "id", null);
    assertThat(list.status()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    list.body().getJsonArray("data").forEach(o -> ids.add(((JsonObject) o).getString("id")));
    assertThat(ids).hasSize(9).contains(DemoSeed.WHATSAPP_ID).doesNotContain(DemoSeed.WABA_ID, "100200300400600");
    assertError(graph.phoneNumbers("42", "id", null), 100, "Object with ID '42' does not exist");
  }

  @Test
  @DisplayName("whose token: a Page's reaches its Page only, a WhatsApp system user's WhatsApp only, a new one any")
  void reach() {
    Holder page = new Holder("messenger", DemoSeed.PAGE_ID);
    Holder whatsapp = new Holder("whatsapp", DemoSeed.WHATSAPP_ID);
    assertThat(graph.lookup(DemoSeed.PAGE_ID, "id,name", page, false, null).status()).isEqualTo(200);
    assertError(graph.lookup("361442100000002", "id,name", page, false, null), 100, "does not exist");
    assertError(graph.lookup("100200300400600", "id,verified_name", page, false, null), 100, "does not exist");
    assertThat(graph.lookup("100200300400600", "id,verified_name", whatsapp, false, null).status()).isEqualTo(200);
    assertError(graph.lookup("361442100000002", "id,name", whatsapp, false, null), 100, "does not exist");
    assertError(graph.phoneNumbers(DemoSeed.WABA_ID, "id", page), 100, "does not exist");

    assertThat(graph.subscribe("100200300400601", whatsapp).body()).isEqualTo(new JsonObject().put("success", true));
    assertThat(graph.subscribe("361442100000002", null).body()).isEqualTo(new JsonObject().put("success", true));
    assertThat(graph.subscribe("17841400000000002", new Holder("instagram", "17841400000000002")).status()).isEqualTo(200);
    assertError(graph.subscribe("361442100000002", page), 100, "Unsupported post request");
    assertError(graph.subscribe("361442100000002", new Holder("instagram", DemoSeed.INSTAGRAM_ID)), 100, "does not exist");
  }

  @Test
  @DisplayName("GET /me: a stored Page token is its Page, an Instagram account's is its linked Page; a new token names its Page or account, else it is a person's")
  void me() {
    JsonObject page = graph.me("demo-messenger-token", "id,name", new Holder("messenger", DemoSeed.PAGE_ID)).body();
    assertThat(page.getString("id")).isEqualTo(DemoSeed.PAGE_ID);
    JsonObject linked = graph.me("demo-instagram-token", "id,name,instagram_business_account",
        new Holder("instagram", DemoSeed.INSTAGRAM_ID)).body();
    assertThat(linked.getJsonObject("instagram_business_account").getString("id")).isEqualTo(DemoSeed.INSTAGRAM_ID);
    assertThat(linked.getString("id")).matches("[1-9][0-9]{14}");
    assertThat(graph.me("EAA361442100000002v2", "id,name", null).body().getString("id")).isEqualTo("361442100000002");
    // a Page with no account linked answers without the field, as Graph does
    assertThat(graph.me("EAA361442100000002", "id,name,instagram_business_account", null).body().fieldNames())
        .containsExactlyInAnyOrder("id", "name");
    assertThat(graph.me("EAA17841400000000002", "id,instagram_business_account", null).body()
        .getJsonObject("instagram_business_account").getString("id")).isEqualTo("17841400000000002");
    // a person's token: not a Page, and a person has no Instagram account field
    assertThat(graph.me("EAAdemoPersonal", "id,name", null).body().getString("name")).isEqualTo("Demo Admin");
    assertError(graph.me("EAAdemoPersonal", "id,name,instagram_business_account", null), 100, "on node type (User)");
    assertThat(graph.me("demo-whatsapp-token", "id,name", new Holder("whatsapp", DemoSeed.WHATSAPP_ID)).body().getString("name"))
        .isEqualTo("Demo Admin");
  }

  private static void assertError(GraphAnswer a, int code, String message) {
    assertThat(a).isNotNull();
    assertThat(a.status()).isEqualTo(400);
    JsonObject error = a.body().getJsonObject("error");
    assertThat(error.fieldNames()).contains("message", "type", "code", "fbtrace_id");
    assertThat(error.getInteger("code")).isEqualTo(code);
    assertThat(error.getString("message")).contains(message);
  }
}
