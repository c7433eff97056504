package dev.switchboard.demo;

import dev.switchboard.support.Await;
import dev.switchboard.store.Db;
import dev.switchboard.support.Fixtures;
import dev.switchboard.support.Http;
import dev.switchboard.web.Browser;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.support.ui.Select;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code demo} from an empty folder: embedded servers, the seeded account, the simulator and its
 * Graph API stand-in, customer and agent talking through HTTP, and a restart that adds nothing.
 * One demo start for the class, plus the restart at the end.
 */
@DisplayName("The demo")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DemoIT {

  @TempDir
  static Path dir;
  static Demo demo;
  static Http http;

  @BeforeAll
  static void start() {
    demo = Demo.start(new Demo.Options(dir, 0, false, null, Map.of()));
    http = new Http(demo.vertx(), "http://127.0.0.1:" + demo.port());
  }

  @AfterAll
  static void stop() {
    if (http != null) {
      http.close();
    }
    if (demo != null) {
      demo.close();
    }
  }

  @Test
  @Order(1)
  @DisplayName("starts from an empty folder on free ports and answers /ready")
  void startsFromNothing() {
    assertThat(demo.port()).isPositive();
    assertThat(demo.servers().postgresPort()).isNotEqualTo(5432);
    assertThat(demo.servers().redisPort()).isNotEqualTo(6379);
    Http.Res ready = http.get("/ready");
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.json().getString("postgres")).isEqualTo("up");
    assertThat(ready.json().getString("redis")).isEqualTo("up");
    assertThat(demo.config().graphApiUrl()).isEqualTo("http://127.0.0.1:" + demo.port() + "/simulator/graph/v21.0");
    assertThat(dir.resolve("jwt-secret")).isRegularFile();
  }

  @Test
  @Order(2)
  @DisplayName("the admin's password is given on the first start, and admin and agents sign in with it")
  void credentialsWork() {
    DemoSeed.Result seed = demo.seed();
    assertThat(seed.created()).isTrue();
    assertThat(seed.password()).hasSizeGreaterThanOrEqualTo(12);
    for (String email : List.of(DemoSeed.ADMIN_EMAIL, DemoSeed.SAM_EMAIL, DemoSeed.JO_EMAIL)) {
      Http.Res login = login(email, seed.password());
      assertThat(login.status()).as(email).isEqualTo(200);
    }
    assertThat(login(DemoSeed.ADMIN_EMAIL, seed.password()).json().getJsonObject("user").getString("role")).isEqualTo("admin");
    assertThat(login(DemoSeed.ADMIN_EMAIL, "wrong").status()).isEqualTo(401);
    assertThat(DemoMain.banner(demo, false)).contains(seed.password()).contains("/simulator/");
  }

  @Test
  @Order(3)
  @DisplayName("seeds a channel per platform, two agents in a team, fields, labels, saved replies with placeholders and two flows")
  void seedsTheAccount() throws SQLException {
    long account = demo.seed().accountId();
    assertThat(count("SELECT count(*) FROM users WHERE account_id = ? AND role = 'agent'", account)).isEqualTo(2);
    assertThat(count("SELECT count(*) FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE t.account_id = ?", account)).isEqualTo(2);
    assertThat(count("SELECT count(DISTINCT platform) FROM channels WHERE account_id = ?", account)).isEqualTo(3);
    assertThat(count("SELECT count(*) FROM saved_replies WHERE account_id = ? AND content LIKE '%{{%}}%'", account)).isEqualTo(2);
    assertThat(count("SELECT count(*) FROM flows WHERE account_id = ? AND enabled", account)).isEqualTo(2);
    assertThat(count("SELECT count(*) FROM channels WHERE account_id = ? AND platform = 'whatsapp' AND waba_id IS NOT NULL", account)).isEqualTo(1);
  }

  @Test
  @Order(4)
  @DisplayName("the Graph API stand-in answers sends like Graph, each with a fresh message id, and shows them to the customer")
  void graphStandInAnswersLikeGraph() {
    String graph = "/simulator/graph/v21.0";
    JsonObject waBody = Fixtures.json("send_request_whatsapp_text.json");
    Http.Res wa1 = graphCall(HttpMethod.POST, graph + "/" + DemoSeed.WHATSAPP_ID + "/messages", "demo-whatsapp-token", waBody);
    Http.Res wa2 = graphCall(HttpMethod.POST, graph + "/" + DemoSeed.WHATSAPP_ID + "/messages", "demo-whatsapp-token", waBody);
    assertThat(wa1.status()).isEqualTo(200);
    assertThat(wa1.json().fieldNames()).containsExactlyInAnyOrderElementsOf(Fixtures.json("send_response_whatsapp_text.json").fieldNames());
    assertThat(wa1.json().getJsonArray("contacts").getJsonObject(0).getString("wa_id")).isEqualTo("14155550123");
    String id1 = wa1.json().getJsonArray("messages").getJsonObject(0).getString("id");
    String id2 = wa2.json().getJsonArray("messages").getJsonObject(0).getString("id");
    assertThat(id1).startsWith("wamid.").isNotEqualTo(id2);

    Http.Res template = graphCall(HttpMethod.POST, graph + "/" + DemoSeed.WHATSAPP_ID + "/messages", "demo-whatsapp-token",
        Fixtures.json("send_request_whatsapp_template.json"));
    assertThat(template.json().getJsonArray("messages").getJsonObject(0).getString("message_status")).isEqualTo("accepted");

    Http.Res messenger = graphCall(HttpMethod.POST, graph + "/me/messages", "demo-messenger-token",
        Fixtures.json("send_request_messenger_response.json"));
    assertThat(messenger.status()).isEqualTo(200);
    assertThat(messenger.json().fieldNames()).containsExactlyInAnyOrder("recipient_id", "message_id");
    assertThat(messenger.json().getString("message_id")).startsWith("m_");

    Http.Res instagram = graphCall(HttpMethod.POST, graph + "/me/messages", "demo-instagram-token",
        Fixtures.json("send_request_instagram_text.json"));
    assertThat(instagram.json().getString("recipient_id")).isEqualTo("1254477777772919");

    Http.Res noToken = graphCall(HttpMethod.POST, graph + "/me/messages", null, Fixtures.json("send_request_messenger_response.json"));
    assertThat(noToken.status()).isEqualTo(400);
    assertThat(noToken.json().getJsonObject("error").getInteger("code")).isNotNull();

    Http.Res templates = graphCall(HttpMethod.GET, graph + "/" + DemoSeed.WABA_ID + "/message_templates", "demo-whatsapp-token", null);
    assertThat(templates.json().getJsonArray("data")).isNotEmpty();
    assertThat(templates.json().getJsonArray("data").getJsonObject(0).getJsonArray("components")).isNotEmpty();

    Http.Res profile = graphCall(HttpMethod.GET, graph + "/7423918830164025?fields=first_name,last_name,profile_pic", "demo-messenger-token", null);
    assertThat(profile.json().getString("first_name")).isEqualTo("Peter");
    assertThat(profile.json().getString("last_name")).isEqualTo("Chang");
    Http.Res igProfile = graphCall(HttpMethod.GET, graph + "/1254477777772919?fields=name,username,profile_pic", "demo-instagram-token", null);
    assertThat(igProfile.json().getString("name")).isEqualTo("Mina Okafor");
    assertThat(igProfile.json().getString("username")).isNotBlank();

    JsonArray feed = http.get("/simulator/api/feed?after=0").json().getJsonArray("items");
    List<String> received = new ArrayList<>();
    for (int i = 0; i < feed.size(); i++) {
      JsonObject e = feed.getJsonObject(i);
      if ("out".equals(e.getString("direction"))) {
        received.add(e.getString("platform") + ":" + e.getString("customerId") + ":" + e.getString("text"));
      }
    }
    assertThat(received).contains(
        "whatsapp:14155550123:Your order #1042 shipped today.",
        "whatsapp:14155550123:Hi! Your order #1042 has shipped. Reply here if you have any question.",
        "messenger:7423918830164025:Yes, we deliver on Sundays.",
        "instagram:1254477777772919:Yes! Size M is in stock.");
  }

  @Test
  @Order(5)
  @DisplayName("the simulator lists the customers and refuses a message without text")
  void simulatorApi() {
    Http.Res customers = http.get("/simulator/api/customers");
    assertThat(customers.status()).isEqualTo(200);
    assertThat(customers.json().getJsonArray("channels")).hasSize(3);
    List<String> names = new ArrayList<>();
    customers.items().forEach(o -> names.add(((JsonObject) o).getString("name")));
    assertThat(names).contains("Dana Whitfield", "Peter Chang", "Mina Okafor");

    Http.Res created = http.post("/simulator/api/customers", new JsonObject().put("platform", "instagram").put("name", "Zoe Park"));
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.json().getString("channelId")).isEqualTo(DemoSeed.INSTAGRAM_ID);

    Http.Res empty = http.post("/simulator/api/messages", new JsonObject()
        .put("platform", "messenger").put("customerId", "7423918830164025").put("text", " "));
    assertThat(empty.status()).isEqualTo(400);
    Http.Res badPlatform = http.post("/simulator/api/messages", new JsonObject()
        .put("platform", "telegram").put("customerId", "1").put("text", "hi"));
    assertThat(badPlatform.status()).isEqualTo(400);
    assertThat(badPlatform.errorCode()).isEqualTo("invalid_field");
  }

  @Test
  @Order(6)
  @DisplayName("the seeded conversations arrived through the webhooks, in every status on every platform")
  void seededConversations() throws SQLException {
    long account = demo.seed().accountId();
    assertThat(demo.seed().conversations()).isEqualTo(DemoSeed.CONVERSATIONS.size());
    for (String status : List.of("open", "assigned", "closed")) {
      assertThat(count("SELECT count(*) FROM conversations WHERE account_id = ? AND status = '" + status + "'", account))
          .as(status).isGreaterThanOrEqualTo(2);
    }
    assertThat(count("SELECT count(DISTINCT ch.platform) FROM conversations cv JOIN channels ch ON ch.id = cv.channel_id WHERE cv.account_id = ?", account))
        .isEqualTo(3);
    assertThat(count("SELECT count(*) FROM messages WHERE account_id = ? AND direction = 'in' AND external_id LIKE 'seed-%'", account))
        .isEqualTo(DemoSeed.CONVERSATIONS.size());
    assertThat(count("SELECT count(*) FROM contact_fields WHERE account_id = ? AND name = 'order num'", account)).isGreaterThanOrEqualTo(3);
    assertThat(count("SELECT count(*) FROM contact_labels WHERE account_id = ?", account)).isGreaterThanOrEqualTo(4);
    // names from the profile API (the stand-in), replies and notes from the agents' API
    assertThat(count("SELECT count(*) FROM contacts WHERE account_id = ? AND platform_user_id = '7423918830164025' "
        + "AND platform_name = 'Peter Chang'", account)).isEqualTo(1);
    assertThat(count("SELECT count(*) FROM messages WHERE account_id = ? AND type = 'reply' AND sender_type = 'agent'", account))
        .isGreaterThanOrEqualTo(1);
    assertThat(count("SELECT count(*) FROM messages WHERE account_id = ? AND type = 'note'", account)).isGreaterThanOrEqualTo(1);
  }

  @Test
  @Order(7)
  @DisplayName("a customer writes in the simulator, the agent sees it in the inbox API, answers, and the answer reaches the customer and turns read")
  void customerAndAgentTalk() {
    String token = login(DemoSeed.SAM_EMAIL, demo.seed().password()).json().getString("token");
    Http agent = http.as(token);

    Http.Res said = http.post("/simulator/api/messages", new JsonObject()
        .put("platform", "messenger").put("customerId", "7423918830164025").put("text", "Where is my parcel? It's been a week"));
    assertThat(said.status()).isEqualTo(201);
    assertThat(said.json().getJsonObject("item").getString("status")).isEqualTo("accepted");

    String conversationId = eventually("Peter's conversation in the inbox API", () -> {
      Http.Res list = agent.get("/api/v1/conversations?platform=messenger&limit=200");
      if (list.status() != 200) {
        return null;
      }
      for (Object o : list.items()) {
        JsonObject c = (JsonObject) o;
        if ("7423918830164025".equals(c.getJsonObject("contact").getString("platformUserId"))) {
          return c.getString("id");
        }
      }
      return null;
    });
    eventually("the customer's message in the inbox", () -> texts(agent, conversationId, "in")
        .contains("Where is my parcel? It's been a week") ? true : null);

    Http.Res reply = agent.send(HttpMethod.POST, "/api/v1/conversations/" + conversationId + "/messages",
        new JsonObject().put("type", "reply").put("text", "It left our warehouse this morning."), Map.of("Idempotency-Key", "demo-test-1"));
    assertThat(reply.status()).isEqualTo(201);
    String messageId = reply.json().getString("id");

    JsonObject received = eventually("the reply at the customer's end, read", () -> {
      JsonArray items = http.get("/simulator/api/feed?after=0").json().getJsonArray("items");
      for (int i = 0; i < items.size(); i++) {
        JsonObject e = items.getJsonObject(i);
        if ("out".equals(e.getString("direction")) && "It left our warehouse this morning.".equals(e.getString("text"))
            && "read".equals(e.getString("status"))) {
          return e;
        }
      }
      return null;
    });
    assertThat(received.getString("customerId")).isEqualTo("7423918830164025");
    assertThat(received.getString("platform")).isEqualTo("messenger");

    eventually("the reply read in the inbox", () -> {
      for (Object o : agent.get("/api/v1/conversations/" + conversationId + "/messages?limit=200").items()) {
        JsonObject m = (JsonObject) o;
        if (messageId.equals(m.getString("id")) && "read".equals(m.getString("status"))) {
          return true;
        }
      }
      return null;
    });
  }

  @Test
  @Order(8)
  @DisplayName("buttons and quick replies the customer receives can be tapped: the gateway gets the platform's button reply")
  void tappedChoicesReachTheGateway() {
    JsonObject interactive = new JsonObject()
        .put("messaging_product", "whatsapp").put("to", "14155550123").put("type", "interactive")
        .put("interactive", new JsonObject().put("type", "button")
            .put("body", new JsonObject().put("text", "Was this helpful?"))
            .put("action", new JsonObject().put("buttons", new JsonArray()
                .add(new JsonObject().put("type", "reply").put("reply", new JsonObject().put("id", "YES").put("title", "Yes")))
                .add(new JsonObject().put("type", "reply").put("reply", new JsonObject().put("id", "NO").put("title", "No"))))));
    Http.Res sent = graphCall(HttpMethod.POST, "/simulator/graph/v21.0/" + DemoSeed.WHATSAPP_ID + "/messages", "demo-whatsapp-token", interactive);
    String wamid = sent.json().getJsonArray("messages").getJsonObject(0).getString("id");
    JsonObject entry = feedEntry(wamid);
    assertThat(entry.getString("text")).isEqualTo("Was this helpful?");
    assertThat(entry.getJsonArray("choices")).hasSize(2);

    Http.Res tapped = http.post("/simulator/api/messages", new JsonObject().put("platform", "whatsapp")
        .put("customerId", "14155550123").put("text", "Yes").put("payload", "YES").put("replyTo", wamid));
    assertThat(tapped.status()).isEqualTo(201);
    String tapId = tapped.json().getJsonObject("item").getString("id");
    eventually("the button reply stored", () -> count("SELECT count(*) FROM messages WHERE external_id = ? AND direction = 'in'", tapId) == 1 ? true : null);

    Http.Res quick = http.post("/simulator/api/messages", new JsonObject().put("platform", "messenger")
        .put("customerId", "7423918830164025").put("text", "Sunday").put("payload", "DELIVERY_SUNDAY"));
    assertThat(quick.status()).isEqualTo(201);
    String quickId = quick.json().getJsonObject("item").getString("id");
    eventually("the quick reply stored", () -> count("SELECT count(*) FROM messages WHERE external_id = ? AND text = 'Sunday'", quickId) == 1 ? true : null);
  }

  @Test
  @Order(9)
  @DisplayName("in two browser tabs: what the customer types in the simulator appears live in the inbox, and the agent's reply reaches the simulator with its ticks moving to read")
  void inboxAndSimulatorInTwoTabs() {
    Browser.REQUIRED.check();
    try (Browser inbox = new Browser("http://127.0.0.1:" + demo.port())) {
      inbox.login(DemoSeed.SAM_EMAIL, demo.seed().password());
      inbox.waitLive();
      inbox.openConversation("Dana Whitfield");
      String inboxTab = inbox.driver.getWindowHandle();

      inbox.driver.switchTo().newWindow(WindowType.TAB);
      String simulatorTab = inbox.driver.getWindowHandle();
      inbox.driver.get("http://127.0.0.1:" + demo.port() + "/simulator/#whatsapp:14155550123");
      inbox.waitUntil("Dana in the simulator", () -> inbox.css("#chat-head").getText().contains("Dana Whitfield"));
      inbox.css("#text").sendKeys("Any news about my parcel?");
      inbox.css("#send").click();
      inbox.waitUntil("the gateway accepted the customer's message", () -> simulatorMessage(inbox, "Any news about my parcel?", "accepted"));

      inbox.driver.switchTo().window(inboxTab);
      inbox.waitUntil("the customer's message live in the open thread", () ->
          inbox.all("[data-testid='message-text']").stream().anyMatch(e -> e.getText().equals("Any news about my parcel?")));
      inbox.type("composer-text", "Yes! It is out for delivery today.");
      inbox.click("send-button");

      inbox.driver.switchTo().window(simulatorTab);
      inbox.waitUntil("the reply at the customer's end, read", () -> simulatorMessage(inbox, "Yes! It is out for delivery today.", "read"));

      inbox.driver.switchTo().window(inboxTab);
      inbox.waitUntil("the reply's ticks read in the inbox", () -> inbox.all("[data-testid='message']").stream()
          .anyMatch(m -> m.getText().contains("Yes! It is out for delivery today.")
              && !m.findElements(By.cssSelector("[data-testid='message-ticks'][data-status='read']")).isEmpty()));
    }
  }

  @Test
  @Order(10)
  @DisplayName("a username customer asked for their phone taps \"Share phone number\" in the simulator page; the inbox API then shows the phone")
  void usernameCustomerSharesPhone() {
    String token = login(DemoSeed.SAM_EMAIL, demo.seed().password()).json().getString("token");
    Http agent = http.as(token);
    Http.Res added = http.post("/simulator/api/customers", new JsonObject()
        .put("platform", "whatsapp").put("name", "Uma Username").put("username", "uma.demo"));
    assertThat(added.status()).isEqualTo(201);
    String bsuid = added.json().getString("id");
    Http.Res said = http.post("/simulator/api/messages", new JsonObject()
        .put("platform", "whatsapp").put("customerId", bsuid).put("text", "Can you call me?"));
    assertThat(said.status()).isEqualTo(201);
    String saidId = said.json().getJsonObject("item").getString("id");
    String conversationId = eventually("Uma's conversation", () -> {
      for (Object o : agent.get("/api/v1/search?q=" + bsuid).items()) {
        return ((JsonObject) o).getString("id");
      }
      return null;
    });
    Http.Res asked = agent.post("/api/v1/conversations/" + conversationId + "/request-phone", null);
    assertThat(asked.status()).as(asked.text()).isEqualTo(201);

    // only the gateway's request can be answered with the phone
    Http.Res notARequest = http.post("/simulator/api/share-phone", new JsonObject().put("customerId", bsuid).put("replyTo", saidId));
    assertThat(notARequest.status()).isEqualTo(422);
    assertThat(notARequest.errorCode()).isEqualTo("no_phone_request");

    try (Browser page = new Browser("http://127.0.0.1:" + demo.port())) {
      page.open("/simulator/#whatsapp:" + bsuid);
      page.waitUntil("the request with its button", () -> page.all("#messages li.msg .choices button").stream()
          .anyMatch(b -> b.getText().equals("Share phone number")));
      page.all("#messages li.msg .choices button").stream().filter(b -> b.getText().equals("Share phone number")).findFirst()
          .orElseThrow().click();
      page.waitUntil("the shared phone accepted by the gateway", () -> page.all("#messages li.msg").stream()
          .anyMatch(li -> li.getText().contains("Shared phone number +1555") && "accepted".equals(li.getAttribute("data-status"))));
      page.waitUntil("no more button once shared", () -> page.all("#messages li.msg .choices button").isEmpty());
    }
    JsonObject contact = eventually("the phone on Uma's contact", () -> {
      JsonObject c = agent.get("/api/v1/conversations/" + conversationId).json().getJsonObject("contact");
      return c.getString("phone") != null ? c : null;
    });
    assertThat(contact.getString("phone")).matches("1555[0-9]{7}");
    assertThat(contact.getString("userId")).isEqualTo(bsuid);
    assertThat(contact.getString("username")).isEqualTo("uma.demo");
  }

  @Test
  @Order(11)
  @DisplayName("a file sent to an Instagram customer (Instagram takes files only by link) reaches the simulator: the demo names its own address as PUBLIC_URL")
  void instagramFileSend() throws IOException {
    String token = login(DemoSeed.SAM_EMAIL, demo.seed().password()).json().getString("token");
    Http agent = http.as(token);
    // the customer writes first, so the conversation's reply window is open whatever the seed left
    Http.Res said = http.post("/simulator/api/messages", new JsonObject()
        .put("platform", "instagram").put("customerId", "1254477777772919").put("text", "Do you have a photo of the back?"));
    assertThat(said.status()).isEqualTo(201);
    String conversationId = eventually("Mina's conversation", () -> {
      for (Object o : agent.get("/api/v1/conversations?platform=instagram&limit=200").items()) {
        JsonObject c = (JsonObject) o;
        if ("1254477777772919".equals(c.getJsonObject("contact").getString("platformUserId"))) {
          return c.getString("id");
        }
      }
      return null;
    });
    eventually("the customer's message in the inbox", () -> texts(agent, conversationId, "in")
        .contains("Do you have a photo of the back?") ? true : null);

    // "+ File": the upload the composer makes, then Send with the kept file's id
    java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(40, 30, java.awt.image.BufferedImage.TYPE_INT_RGB);
    java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
    javax.imageio.ImageIO.write(img, "png", png);
    io.vertx.ext.web.client.WebClient client = io.vertx.ext.web.client.WebClient.create(demo.vertx());
    JsonObject uploaded;
    try {
      var up = client.postAbs("http://127.0.0.1:" + demo.port() + "/api/v1/media?platform=instagram").bearerTokenAuthentication(token)
          .sendMultipartForm(io.vertx.ext.web.multipart.MultipartForm.create()
              .binaryFileUpload("file", "jacket-back.png", io.vertx.core.buffer.Buffer.buffer(png.toByteArray()), "image/png")).await();
      assertThat(up.statusCode()).as(up.bodyAsString()).isEqualTo(201);
      uploaded = up.bodyAsJsonObject();
    } finally {
      client.close();
    }
    Http.Res sent = agent.send(HttpMethod.POST, "/api/v1/conversations/" + conversationId + "/messages",
        new JsonObject().put("type", "reply").put("text", "Here it is")
            .put("attachments", new JsonArray().add(new JsonObject().put("mediaId", uploaded.getString("id")).put("filename", "jacket-back.png"))),
        Map.of("Idempotency-Key", "demo-test-instagram-file"));
    assertThat(sent.status()).as(sent.text()).isEqualTo(201);
    String messageId = sent.json().getString("id");
    JsonObject done = eventually("the file sent (or failed)", () -> {
      for (Object o : agent.get("/api/v1/conversations/" + conversationId + "/messages?limit=200").items()) {
        JsonObject m = (JsonObject) o;
        if (messageId.equals(m.getString("id")) && List.of("sent", "delivered", "read", "failed").contains(m.getString("status"))) {
          return m;
        }
      }
      return null;
    });
    assertThat(done.getString("status")).as(done.encode()).isIn("sent", "delivered", "read");
    String link = eventually("the file at the customer's end, by link", () -> {
      JsonArray items = http.get("/simulator/api/feed?after=0").json().getJsonArray("items");
      for (int i = 0; i < items.size(); i++) {
        JsonObject e = items.getJsonObject(i);
        if ("out".equals(e.getString("direction")) && "instagram".equals(e.getString("platform"))
            && e.encode().contains("/media/")) {
          return e.encode();
        }
      }
      return null;
    });
    assertThat(link).contains("127.0.0.1:" + demo.port());
    assertThat(demo.config().publicUrl()).isEqualTo("http://127.0.0.1:" + demo.port());
  }

  @Test
  @Order(12)
  @DisplayName("an admin connects a WhatsApp number and a Facebook page the demo's Meta confirms, their customers and agents talk through them, "
      + "a new access token is checked and taken, and Meta's refusals answer channel_not_owned with Meta's message")
  void adminConnectsChannels() {
    Http admin = http.as(login(DemoSeed.ADMIN_EMAIL, demo.seed().password()).json().getString("token"));

    Http.Res whatsapp = admin.post("/api/v1/channels", new JsonObject().put("platform", "whatsapp").put("name", "Demo Shop EU")
        .put("externalId", "100200300400600").put("wabaId", "100200300400601").put("accessToken", "demo-whatsapp-token"));
    assertThat(whatsapp.status()).as(whatsapp.text()).isEqualTo(201);
    assertThat(whatsapp.json().getJsonObject("webhook").getBoolean("subscribed")).isTrue();
    Http.Res page = admin.post("/api/v1/channels", new JsonObject().put("platform", "messenger").put("name", "Demo Outlet")
        .put("externalId", "361442100000002").put("accessToken", "EAA361442100000002"));
    assertThat(page.status()).as(page.text()).isEqualTo(201);
    assertThat(page.json().getJsonObject("webhook").getBoolean("subscribed")).isTrue();
    List<String> listed = new ArrayList<>();
    admin.get("/api/v1/channels").items().forEach(o -> listed.add(((JsonObject) o).getString("externalId")));
    assertThat(listed).contains("100200300400600", "361442100000002");

    // a new token for the page: checked with Meta, then the page's sends go out with it
    Http.Res rotated = admin.patch("/api/v1/channels/" + page.json().getString("id"), new JsonObject().put("accessToken", "EAA361442100000002v2"));
    assertThat(rotated.status()).as(rotated.text()).isEqualTo(200);
    assertThat(rotated.json().getJsonObject("webhook").getBoolean("subscribed")).isTrue();
    assertThat(count("SELECT count(*) FROM channels WHERE external_id = '361442100000002' AND access_token = 'EAA361442100000002v2'")).isEqualTo(1);

    talk(admin, "whatsapp", "100200300400600", whatsapp.json().getString("id"), "Ana Lima");
    talk(admin, "messenger", "361442100000002", page.json().getString("id"), "Ben Okoro");

    // where Meta refuses: a number of another WABA, a person's token for a Page, a Page's token for another Page
    assertRefused(admin.post("/api/v1/channels", new JsonObject().put("platform", "whatsapp").put("name", "Not ours")
        .put("externalId", "100200300400700").put("wabaId", "100200300400611").put("accessToken", "demo-whatsapp-token")),
        "is not a number of WhatsApp Business Account 100200300400611");
    assertRefused(admin.post("/api/v1/channels", new JsonObject().put("platform", "messenger").put("name", "A person's token")
        .put("externalId", "361442100000004").put("accessToken", "EAAdemoPersonal")), "is not page 361442100000004's own");
    assertRefused(admin.post("/api/v1/channels", new JsonObject().put("platform", "messenger").put("name", "Borrowed token")
        .put("externalId", "361442100000003").put("accessToken", "demo-messenger-token")), "answers " + DemoSeed.PAGE_ID);
    // a revoked token: refused with Meta's words, and the channel keeps the token it had
    String seededPage = eventually("the seeded page", () -> {
      for (Object o : admin.get("/api/v1/channels").items()) {
        if (DemoSeed.PAGE_ID.equals(((JsonObject) o).getString("externalId"))) {
          return ((JsonObject) o).getString("id");
        }
      }
      return null;
    });
    assertRefused(admin.patch("/api/v1/channels/" + seededPage, new JsonObject().put("accessToken", "EAArevoked1")),
        "The session has been invalidated");
    assertRefused(admin.patch("/api/v1/channels/" + seededPage, new JsonObject().put("accessToken", "not-a-meta-token")),
        "Cannot parse access token");
    assertThat(count("SELECT count(*) FROM channels WHERE external_id = ? AND access_token = 'demo-messenger-token'", DemoSeed.PAGE_ID))
        .isEqualTo(1);
    assertThat(count("SELECT count(*) FROM channels WHERE external_id IN ('100200300400700', '361442100000004', '361442100000003')")).isZero();
  }

  @Test
  @Order(13)
  @DisplayName("in Settings → Channels the admin sees Meta's refusal of a revoked token, connects an Instagram account, "
      + "and a customer added to it in the simulator page reaches the inbox")
  void adminConnectsInTheBrowser() {
    Browser.REQUIRED.check();
    try (Browser b = new Browser("http://127.0.0.1:" + demo.port())) {
      b.login(DemoSeed.ADMIN_EMAIL, demo.seed().password());
      b.click("settings-link");
      b.click("settings-nav-channels");
      b.waitUntil("the channels", () -> b.visible("settings-channels") && b.all("[data-testid='channel-card']").size() >= 3);
      b.click("connect-instagram");
      b.type("cc-name", "Demo Studio");
      b.type("cc-externalId", "17841400000000002");
      b.type("cc-accessToken", "EAArevokedStudio");
      b.click("cc-save");
      String refusal = b.waitFor("the refusal", () -> b.visible("cc-error") && !b.text("cc-error").isBlank() ? b.text("cc-error") : null);
      assertThat(refusal).startsWith("Meta refused").contains("The session has been invalidated");
      b.screenshot("demo-01-connect-refused");
      b.type("cc-accessToken", "EAA17841400000000002");
      b.click("cc-save");
      b.waitUntil("the connected dialog", () -> b.visible("connected"));
      b.screenshot("demo-02-connected");
      b.click("modal-cancel");
      b.waitUntil("the new channel's card", () -> b.all("[data-testid='channel-card']").stream().anyMatch(c ->
          c.findElement(By.cssSelector("[data-testid='channel-external-id']")).getText().equals("17841400000000002")
              && c.findElement(By.cssSelector("[data-testid='channel-status']")).getText().equalsIgnoreCase("Connected")));

      String inboxTab = b.driver.getWindowHandle();
      b.driver.switchTo().newWindow(WindowType.TAB);
      b.driver.get("http://127.0.0.1:" + demo.port() + "/simulator/");
      b.waitUntil("the customers", () -> !b.all("#customers li").isEmpty());
      new Select(b.css("#new-customer select[name=platform]")).selectByValue("instagram");
      b.waitUntil("the new account among the channels", () -> b.all("#new-customer select[name=channel] option").stream()
          .anyMatch(o -> "17841400000000002".equals(o.getAttribute("value"))));
      new Select(b.css("#new-customer select[name=channel]")).selectByValue("17841400000000002");
      b.css("#new-customer input[name=name]").sendKeys("Noa Berg");
      b.css("#new-customer button").click();
      b.waitUntil("Noa on the new account", () -> b.css("#chat-head").getText().contains("Noa Berg")
          && b.css("#chat-head").getText().contains("17841400000000002"));
      b.css("#text").sendKeys("Do you have this print in blue?");
      b.css("#send").click();
      b.waitUntil("the gateway accepted it", () -> simulatorMessage(b, "Do you have this print in blue?", "accepted"));
      b.screenshot("demo-03-simulator-new-channel");

      b.driver.switchTo().window(inboxTab);
      b.open("/");
      b.waitLive();
      b.click("tab-all");
      b.openConversation("Noa Berg");
      b.waitUntil("the message in the thread", () ->
          b.all("[data-testid='message-text']").stream().anyMatch(e -> e.getText().equals("Do you have this print in blue?")));
    }
  }

  /**
   * A new customer of the channel writes in the simulator; the conversation arrives on that channel,
   * the admin answers, and the answer reaches the customer on that channel and turns read.
   */
  private static void talk(Http admin, String platform, String externalId, String channelId, String name) {
    Http.Res customer = http.post("/simulator/api/customers", new JsonObject().put("platform", platform).put("name", name)
        .put("channelId", externalId));
    assertThat(customer.status()).as(customer.text()).isEqualTo(201);
    assertThat(customer.json().getString("channelId")).isEqualTo(externalId);
    String customerId = customer.json().getString("id");
    Http.Res said = http.post("/simulator/api/messages", new JsonObject()
        .put("platform", platform).put("customerId", customerId).put("text", "Hello, this is " + name));
    assertThat(said.status()).as(said.text()).isEqualTo(201);
    JsonObject conversation = eventually(name + "'s conversation", () -> {
      for (Object o : admin.get("/api/v1/conversations?platform=" + platform + "&limit=200").items()) {
        JsonObject c = (JsonObject) o;
        if (customerId.equals(c.getJsonObject("contact").getString("platformUserId"))) {
          return c;
        }
      }
      return null;
    });
    assertThat(conversation.getString("channelId")).isEqualTo(channelId);
    String conversationId = conversation.getString("id");
    eventually(name + "'s message in the inbox", () -> texts(admin, conversationId, "in").contains("Hello, this is " + name) ? true : null);

    String answer = "Welcome, " + name + "!";
    Http.Res reply = admin.send(HttpMethod.POST, "/api/v1/conversations/" + conversationId + "/messages",
        new JsonObject().put("type", "reply").put("text", answer), Map.of("Idempotency-Key", "demo-test-new-" + platform));
    assertThat(reply.status()).as(reply.text()).isEqualTo(201);
    JsonObject received = eventually("the answer at " + name + "'s end, read", () -> {
      JsonArray items = http.get("/simulator/api/feed?after=0&limit=200").json().getJsonArray("items");
      for (int i = 0; i < items.size(); i++) {
        JsonObject e = items.getJsonObject(i);
        if ("out".equals(e.getString("direction")) && answer.equals(e.getString("text")) && "read".equals(e.getString("status"))) {
          return e;
        }
      }
      return null;
    });
    assertThat(received.getString("channelId")).isEqualTo(externalId);
    assertThat(received.getString("customerId")).isEqualTo(customerId);
  }

  /** The gateway's answer to a check Meta refuses: 422 channel_not_owned, with Meta's message. */
  private static void assertRefused(Http.Res res, String metaSays) {
    assertThat(res.status()).as(res.text()).isEqualTo(422);
    assertThat(res.errorCode()).isEqualTo("channel_not_owned");
    assertThat(res.json().getJsonObject("error").getString("message")).contains(metaSays);
  }

  private static boolean simulatorMessage(Browser b, String text, String status) {
    return b.all("#messages li.msg").stream().anyMatch(li ->
        li.findElement(By.cssSelector(".text")).getText().equals(text) && status.equals(li.getAttribute("data-status")));
  }

  @Test
  @Order(100)
  @DisplayName("a restart keeps everything and adds nothing; --short-windows makes the windows minutes")
  void restartAddsNothing() throws Exception {
    // the customers' phones may still owe delivery and read receipts for the last replies
    eventually("the simulator has posted every receipt", () -> demo.simulator().settled() ? true : null);
    eventually("no webhook left to process", () -> count("SELECT count(*) FROM raw_events WHERE status = 'pending'") == 0 ? true : null);
    Map<String, Long> before = tableCounts();
    int customers = demo.simulator().customers().size();
    String firstPassword = demo.seed().password();
    int pg = demo.servers().postgresPort();
    int redis = demo.servers().redisPort();
    http.close();
    demo.close();
    demo = null;
    assertThat(answers(pg)).as("PostgreSQL stopped").isFalse();
    assertThat(answers(redis)).as("Redis stopped").isFalse();

    demo = Demo.start(new Demo.Options(dir, 0, true, null, Map.of()));
    http = new Http(demo.vertx(), "http://127.0.0.1:" + demo.port());
    assertThat(demo.seed().created()).isFalse();
    assertThat(demo.seed().password()).isNull();
    assertThat(DemoMain.banner(demo, true)).doesNotContain(firstPassword).contains("2 min");
    assertThat(tableCounts()).isEqualTo(before);
    assertThat(demo.simulator().customers()).hasSize(customers);
    assertThat(demo.config().windowStandard()).isEqualTo(Duration.ofMinutes(2));
    assertThat(demo.config().windowHumanAgent()).isEqualTo(Duration.ofMinutes(5));
    assertThat(http.get("/ready").status()).isEqualTo(200);
  }

  // ---- helpers ----

  private static Http.Res login(String email, String password) {
    return http.post("/api/v1/auth/login", new JsonObject().put("email", email).put("password", password));
  }

  private static Http.Res graphCall(HttpMethod method, String path, String token, JsonObject body) {
    return http.send(method, path, body, token == null ? Map.of() : Map.of("Authorization", "Bearer " + token));
  }

  private static JsonObject feedEntry(String id) {
    JsonArray items = http.get("/simulator/api/feed?after=0").json().getJsonArray("items");
    for (int i = 0; i < items.size(); i++) {
      if (id.equals(items.getJsonObject(i).getString("id"))) {
        return items.getJsonObject(i);
      }
    }
    throw new AssertionError("no entry " + id + " in the simulator's feed");
  }

  private static List<String> texts(Http agent, String conversationId, String direction) {
    List<String> out = new ArrayList<>();
    Http.Res r = agent.get("/api/v1/conversations/" + conversationId + "/messages?limit=200");
    if (r.status() == 200) {
      for (Object o : r.items()) {
        JsonObject m = (JsonObject) o;
        if (direction.equals(m.getString("direction"))) {
          out.add(m.getString("text"));
        }
      }
    }
    return out;
  }

  private static Connection db() throws SQLException {
    Db.JdbcTarget t = Db.jdbc(demo.config().databaseUrl());
    return DriverManager.getConnection(t.url(), t.user(), t.password());
  }

  private static long count(String sql, Object... args) {
    try (Connection c = db(); PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Rows per table of the schema, Flyway's history aside. */
  private static Map<String, Long> tableCounts() throws SQLException {
    Map<String, Long> counts = new TreeMap<>();
    List<String> tables = new ArrayList<>();
    try (Connection c = db(); PreparedStatement ps = c.prepareStatement(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' "
            + "AND table_name <> 'flyway_schema_history'")) {
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
    }
    for (String t : tables) {
      counts.put(t, count("SELECT count(*) FROM \"" + t + "\""));
    }
    return counts;
  }

  private static boolean answers(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Polls until the supplier answers non-null (or fails after 20 s, naming what it waited for). */
  private static <T> T eventually(String what, Supplier<T> probe) {
    return Await.value(what, Duration.ofSeconds(20), probe);
  }
}
