package dev.switchboard.demo;

import io.vertx.sqlclient.Pool;
import io.vertx.core.Vertx;
import dev.switchboard.config.Config;
import dev.switchboard.channel.whatsapp.WaIds;
import dev.switchboard.common.ApiException;
import dev.switchboard.http.Bodies;
import dev.switchboard.http.Errors;
import dev.switchboard.http.ExtraRoutes;
import dev.switchboard.inbox.WebRoutes;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code /simulator}: the customer simulator's page and API, and the Graph API stand-in under
 * {@code /simulator/graph/v21.0} (the demo's GRAPH_API_URL). Mounted only where {@code demo}
 * registered a {@link Simulator} on this Vert.x instance; a production node has none, so
 * nothing here exists there.
 */
public final class SimulatorRoutes implements ExtraRoutes {

  private static final Set<String> PLATFORMS = Set.of("whatsapp", "messenger", "instagram");

  private final Vertx vertx;
  private final Config config;
  private final Pool pool;
  private final Simulator sim;

  /** The instance {@link java.util.ServiceLoader} makes; it mounts a fresh one per server. */
  public SimulatorRoutes() {
    this(null, null, null, null);
  }

  private SimulatorRoutes(Vertx vertx, Config config, Pool pool, Simulator sim) {
    this.vertx = vertx;
    this.config = config;
    this.pool = pool;
    this.sim = sim;
  }

  /** Mounts the simulator if the demo registered one; otherwise does nothing. */
  @Override
  public void mount(Router root, Vertx vertx, Config config, Pool pool) {
    Simulator registered = Simulator.lookup(vertx);
    if (registered != null) {
      new SimulatorRoutes(vertx, config, pool, registered).mountOn(root);
    }
  }

  private void mountOn(Router root) {
    Router r = Router.router(vertx);
    r.route().handler(BodyHandler.create(false).setBodyLimit(config.apiMaxBytes()));

    r.post("/graph/:version/me/messages").handler(this::pageSend);
    r.post("/graph/:version/me/message_attachments").handler(ctx ->
        json(ctx, 200, new JsonObject().put("attachment_id", String.valueOf(System.nanoTime()))));
    r.post("/graph/:version/:phoneNumberId/messages").handler(this::whatsappSend);
    r.post("/graph/:version/:phoneNumberId/media").handler(ctx ->
        json(ctx, 200, new JsonObject().put("id", String.valueOf(System.nanoTime()))));
    r.get("/graph/:version/:wabaId/message_templates").handler(ctx -> {
      if (token(ctx) != null) {
        answer(ctx, sim.templates());
      }
    });
    r.get("/graph/:version/:wabaId/phone_numbers").handler(this::phoneNumbers);
    r.post("/graph/:version/:objectId/subscribed_apps").handler(this::subscribe);
    r.get("/graph/:version/me").handler(this::me);
    r.get("/graph/:version/:objectId").handler(this::lookup);
    r.route("/graph/*").handler(ctx -> answer(ctx, GraphStandIn.error(400,
        "Unsupported " + ctx.request().method().name().toLowerCase() + " request.", 100)));

    r.get("/api/customers").handler(this::customers);
    r.post("/api/customers").handler(this::newCustomer);
    r.post("/api/messages").handler(this::say);
    r.post("/api/share-phone").handler(this::sharePhone);
    r.get("/api/feed").handler(this::feed);
    r.route("/api/*").handler(ctx -> ctx.fail(ApiException.notFound("route")));

    r.route().handler(WebRoutes.files(config, "simulator"));
    r.route().failureHandler(Errors::handle);

    // Vert.x matches "/simulator" for "/simulator/" too: redirect only the bare path
    root.get("/simulator").handler(ctx -> {
      if (ctx.request().path().equals("/simulator")) {
        ctx.redirect("/simulator/");
      } else {
        ctx.next();
      }
    });
    root.route("/simulator/*").subRouter(r);
  }

  // ---- Graph API stand-in ----

  private void whatsappSend(RoutingContext ctx) {
    if (token(ctx) == null) {
      return;
    }
    JsonObject body = graphBody(ctx);
    if (body != null) {
      answer(ctx, sim.graphSend("whatsapp", ctx.pathParam("phoneNumberId"), body));
    }
  }

  /** Messenger and Instagram share {@code /me/messages}: the page token says which channel it is. */
  private void pageSend(RoutingContext ctx) {
    String token = token(ctx);
    if (token == null) {
      return;
    }
    JsonObject body = graphBody(ctx);
    if (body == null) {
      return;
    }
    pool.preparedQuery(SimulatorSql.CHANNEL_BY_TOKEN).execute(Tuple.of(token))
        .onSuccess(rows -> {
          String platform = "messenger";
          String pageId = "unknown";
          if (rows.size() > 0) {
            Row row = rows.iterator().next();
            platform = row.getString("platform");
            pageId = row.getString("external_id");
          } else {
            String recipient = body.getJsonObject("recipient", new JsonObject()).getString("id");
            Simulator.Customer c = recipient == null ? null : sim.customer("instagram", recipient);
            if (c != null) {
              platform = "instagram";
              pageId = c.channelId();
            }
          }
          if ("whatsapp".equals(platform)) {
            answer(ctx, GraphStandIn.error(400, "(#100) A WhatsApp token cannot send to /me/messages.", 100));
            return;
          }
          answer(ctx, sim.graphSend(platform, pageId, body));
        })
        .onFailure(ctx::fail);
  }

  /** {@code GET /{id}}: a customer's profile, or the number, Page or Instagram account a channel's check asks about. */
  private void lookup(RoutingContext ctx) {
    String token = token(ctx);
    if (token == null) {
      return;
    }
    String id = ctx.pathParam("objectId");
    String fields = ctx.request().getParam("fields");
    Future<GraphStandIn.Holder> holder = holder(token);
    Future<RowSet<Row>> contact = pool.preparedQuery(SimulatorSql.CONTACT).execute(Tuple.of(id));
    Future.all(holder, contact)
        .onSuccess(v -> {
          boolean known = contact.result().size() > 0;
          String name = known ? contact.result().iterator().next().getString("name") : null;
          answer(ctx, sim.lookup(id, fields, holder.result(), known, name));
        })
        .onFailure(ctx::fail);
  }

  /** {@code GET /me}: the Page (or user) the token belongs to, which Connect checks against the id typed. */
  private void me(RoutingContext ctx) {
    String token = token(ctx);
    if (token != null) {
      holder(token).onSuccess(h -> answer(ctx, sim.me(token, ctx.request().getParam("fields"), h))).onFailure(ctx::fail);
    }
  }

  private void phoneNumbers(RoutingContext ctx) {
    String token = token(ctx);
    if (token != null) {
      holder(token).onSuccess(h -> answer(ctx, sim.phoneNumbers(ctx.pathParam("wabaId"), ctx.request().getParam("fields"), h)))
          .onFailure(ctx::fail);
    }
  }

  private void subscribe(RoutingContext ctx) {
    String token = token(ctx);
    if (token != null) {
      holder(token).onSuccess(h -> answer(ctx, sim.subscribe(ctx.pathParam("objectId"), h))).onFailure(ctx::fail);
    }
  }

  /** The channel that stores this token, if any: whose token Meta takes it to be. */
  private Future<GraphStandIn.Holder> holder(String token) {
    return pool.preparedQuery(SimulatorSql.CHANNEL_BY_TOKEN).execute(Tuple.of(token)).map(rows -> {
      if (rows.size() == 0) {
        return null;
      }
      Row row = rows.iterator().next();
      return new GraphStandIn.Holder(row.getString("platform"), row.getString("external_id"));
    });
  }

  /** Graph refuses a call without a bearer token, or with one it cannot parse or that was revoked; answers null after answering the error. */
  private String token(RoutingContext ctx) {
    String auth = ctx.request().getHeader("Authorization");
    String token = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : null;
    if (token == null || token.isEmpty()) {
      answer(ctx, GraphStandIn.error(400, "An active access token must be used to query information about the current user.", 2500));
      return null;
    }
    Simulator.GraphAnswer refused = GraphStandIn.refusedToken(token);
    if (refused != null) {
      answer(ctx, refused);
      return null;
    }
    return token;
  }

  private JsonObject graphBody(RoutingContext ctx) {
    try {
      JsonObject body = ctx.body().asJsonObject();
      if (body != null) {
        return body;
      }
    } catch (RuntimeException ignored) {
      // answered below, as Graph does
    }
    answer(ctx, GraphStandIn.error(400, "(#100) The request body must be JSON.", 100));
    return null;
  }

  private static void answer(RoutingContext ctx, Simulator.GraphAnswer a) {
    json(ctx, a.status(), a.body());
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }

  // ---- the simulator's own API (the page) ----

  /** Channels and customers: the gateway's contacts merged with the ones created here. */
  private void customers(RoutingContext ctx) {
    Future<JsonArray> channels = pool.query(SimulatorSql.CHANNELS).execute().map(rows -> {
      JsonArray out = new JsonArray();
      rows.forEach(r -> out.add(new JsonObject()
          .put("platform", r.getString("platform")).put("id", r.getString("external_id")).put("name", r.getString("name"))));
      return out;
    });
    Future<Map<String, JsonObject>> contacts = pool.query(SimulatorSql.CONTACTS).execute().map(rows -> {
      Map<String, JsonObject> out = new LinkedHashMap<>();
      rows.forEach(r -> out.put(r.getString("platform") + ":" + r.getString("platform_user_id"), new JsonObject()
          .put("platform", r.getString("platform")).put("channelId", r.getString("external_id"))
          .put("id", r.getString("platform_user_id")).put("name", r.getString("name")).put("username", r.getString("username"))));
      return out;
    });
    Future.all(channels, contacts).onSuccess(v -> {
      Map<String, JsonObject> merged = contacts.result();
      for (Simulator.Customer c : sim.customers()) {
        JsonObject known = merged.get(c.platform() + ":" + c.id());
        if (known == null) {
          merged.put(c.platform() + ":" + c.id(), c.json());
        } else if (known.getString("name") == null || known.getString("name").equals(c.id())) {
          known.put("name", c.name());
        }
      }
      json(ctx, 200, new JsonObject().put("channels", channels.result()).put("items", new JsonArray(List.copyOf(merged.values()))));
    }).onFailure(ctx::fail);
  }

  private void newCustomer(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx);
    String platform = platform(body);
    String name = Bodies.string(body, "name", true);
    String id = Bodies.string(body, "id", false);
    String channelId = Bodies.string(body, "channelId", false);
    // a WhatsApp customer with a username plays one who hides their number: a BSUID, no phone
    String rawUsername = Bodies.string(body, "username", false);
    String username = rawUsername == null || rawUsername.isBlank() ? null : WaIds.username(rawUsername);
    if (rawUsername != null && !rawUsername.isBlank() && (username == null || !"whatsapp".equals(platform))) {
      throw ApiException.badRequest("invalid_field", "username: letters, digits, '.', '_' or '-', at most 64, WhatsApp only");
    }
    channelFor(platform, channelId).onSuccess(ch -> {
      String customerId = id != null ? id : username != null ? Simulator.newBsuid() : Simulator.newCustomerId(platform);
      Simulator.Customer c = sim.addCustomer(new Simulator.Customer(platform, ch, customerId, name.trim(), username));
      json(ctx, 201, c.json());
    }).onFailure(ctx::fail);
  }

  /** The customer types a message: a signed webhook to the gateway. */
  private void say(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx);
    String platform = platform(body);
    String customerId = Bodies.string(body, "customerId", true);
    String text = Bodies.string(body, "text", true);
    if (text.isBlank()) {
      throw ApiException.badRequest("invalid_field", "text must not be empty");
    }
    // a tapped button / quick reply: its payload, and the message it belongs to
    String choice = Bodies.string(body, "payload", false);
    String replyTo = Bodies.string(body, "replyTo", false);
    customerFor(platform, customerId)
        .compose(c -> sim.say(c, text, choice, replyTo))
        .onSuccess(entry -> accepted(ctx, entry))
        .onFailure(ctx::fail);
  }

  /** 201 with the entry when the gateway took the webhook, else 502 with its answer. */
  private static void accepted(RoutingContext ctx, JsonObject entry) {
    if ("accepted".equals(entry.getString("status"))) {
      json(ctx, 201, new JsonObject().put("item", entry));
    } else {
      json(ctx, 502, Errors.body("gateway_refused", entry.getString("error", "the gateway refused the webhook"))
          .put("item", entry));
    }
  }

  /** The customer answers a request for their phone number with "Share phone number". */
  private void sharePhone(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx);
    String customerId = Bodies.string(body, "customerId", true);
    String requestId = Bodies.string(body, "replyTo", true);
    customerFor("whatsapp", customerId)
        .compose(c -> {
          try {
            return sim.sharePhone(c, requestId);
          } catch (IllegalArgumentException e) {
            throw ApiException.unprocessable("no_phone_request", e.getMessage());
          }
        })
        .onSuccess(entry -> accepted(ctx, entry))
        .onFailure(ctx::fail);
  }

  private void feed(RoutingContext ctx) {
    long after;
    try {
      String raw = ctx.request().getParam("after");
      after = raw == null || raw.isBlank() ? 0 : Long.parseLong(raw);
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("invalid_cursor", "after must be a number");
    }
    json(ctx, 200, sim.feed(after, Bodies.limit(ctx) * 4));
  }

  private static String platform(JsonObject body) {
    String platform = Bodies.string(body, "platform", true);
    if (!PLATFORMS.contains(platform)) {
      throw ApiException.badRequest("invalid_field", "platform must be whatsapp, messenger or instagram");
    }
    return platform;
  }

  /** The customer known here, or a contact of the gateway (e.g. after a restart). */
  private Future<Simulator.Customer> customerFor(String platform, String id) {
    Simulator.Customer known = sim.customer(platform, id);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    return pool.preparedQuery(SimulatorSql.CONTACT).execute(Tuple.of(id)).map(rows -> {
      for (Row r : rows) {
        if (platform.equals(r.getString("platform"))) {
          String name = r.getString("name");
          return sim.addCustomer(new Simulator.Customer(platform, r.getString("external_id"), id, name == null ? id : name));
        }
      }
      throw ApiException.notFound("customer");
    });
  }

  /** The channel to write to: the one named, else the platform's first. */
  private Future<String> channelFor(String platform, String channelId) {
    return pool.query(SimulatorSql.CHANNELS).execute().map(rows -> {
      String first = null;
      for (Row r : rows) {
        if (platform.equals(r.getString("platform"))) {
          if (channelId == null || channelId.equals(r.getString("external_id"))) {
            return r.getString("external_id");
          }
          first = first == null ? r.getString("external_id") : first;
        }
      }
      if (channelId != null || first == null) {
        throw ApiException.unprocessable("no_channel", "the gateway has no " + platform + " channel"
            + (channelId == null ? "" : " with id " + channelId));
      }
      return first;
    });
  }
}
