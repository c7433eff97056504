package dev.switchboard.demo;

import dev.switchboard.channel.whatsapp.WaIds;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The customer's side of the demo. Customers "type" here: each message becomes a webhook in
 * Meta's shape ({@link MetaPayloads}), signed with the app secret and POSTed to the gateway's own
 * {@code /webhooks}. The gateway's sends arrive at the Graph API stand-in ({@link GraphStandIn}),
 * are recorded as what the customer receives ({@link CustomerFeed}, which the page polls), and a
 * moment later the customer's phone "delivers" and "reads" them, which goes back to the gateway
 * as status webhooks.
 *
 * <p>One instance per demo, shared by every HTTP verticle through a local map; nothing in it
 * blocks: its state is {@link CustomerFeed}'s atomically swapped snapshot and a counter.
 */
public final class Simulator implements Shareable {

  private static final Logger LOG = LoggerFactory.getLogger(Simulator.class);
  private static final String MAP = "switchboard.demo";
  private static final String KEY = "simulator";

  /**
   * A customer of one channel: WhatsApp phone number, Messenger PSID or Instagram IGSID. A
   * WhatsApp customer whose id is a BSUID plays a username user: no phone, only the BSUID and
   * {@code username}, as Meta sends them when it withholds the number.
   */
  public record Customer(String platform, String channelId, String id, String name, String username) {
    public Customer(String platform, String channelId, String id, String name) {
      this(platform, channelId, id, name, null);
    }

    /** Whether the gateway only ever sees this customer's BSUID. */
    public boolean usernameOnly() {
      return "whatsapp".equals(platform) && WaIds.isBsuid(id);
    }

    JsonObject json() {
      return new JsonObject().put("platform", platform).put("channelId", channelId).put("id", id).put("name", name)
          .put("username", username);
    }

    static Customer from(JsonObject j) {
      return new Customer(j.getString("platform"), j.getString("channelId"), j.getString("id"), j.getString("name"),
          j.getString("username"));
    }
  }

  /** How the stand-in answers a Graph call. */
  public record GraphAnswer(int status, JsonObject body) {
  }

  /** The answer of the gateway to one webhook. */
  public record Posted(int status, String body) {
  }

  private final Vertx vertx;
  private final WebClient client;
  private final String gatewayUrl;
  private final String appSecret;
  private final Clock clock;
  private final Duration deliveredAfter;
  private final Duration readAfter;
  private final Path stateFile;
  private final CustomerFeed feed = new CustomerFeed();
  private final GraphStandIn graph = new GraphStandIn(feed, this::sent);
  private volatile boolean closed;

  // receipts scheduled but not yet posted (or given up on)
  private final AtomicInteger receiptsDue = new AtomicInteger();

  public Simulator(Vertx vertx, String gatewayUrl, String appSecret, Clock clock,
                   Duration deliveredAfter, Duration readAfter, Path stateFile) {
    this.vertx = vertx;
    this.client = WebClient.create(vertx, new WebClientOptions().setConnectTimeout(5_000).setUserAgent("facebookexternalua"));
    this.gatewayUrl = gatewayUrl;
    this.appSecret = appSecret;
    this.clock = clock;
    this.deliveredAfter = deliveredAfter;
    this.readAfter = readAfter;
    this.stateFile = stateFile;
    feed.load(stateFile);
  }

  /** Makes this simulator the one the node's HTTP verticles mount (only `demo` does this). */
  public void register() {
    map(vertx).put(KEY, this);
  }

  public void unregister() {
    map(vertx).remove(KEY);
  }

  /** The simulator of this Vert.x instance, or null outside the demo. */
  public static Simulator lookup(Vertx vertx) {
    return (Simulator) map(vertx).get(KEY);
  }

  private static LocalMap<String, Shareable> map(Vertx vertx) {
    return vertx.sharedData().getLocalMap(MAP);
  }

  @Override
  public Shareable copy() {
    return this; // one shared, thread-safe instance
  }

  // ---- customers ----

  public Customer addCustomer(Customer c) {
    return feed.add(c);
  }

  public Customer customer(String platform, String id) {
    return feed.customer(platform, id);
  }

  public List<Customer> customers() {
    return feed.customers();
  }

  /** A new business-scoped user id, for a WhatsApp customer known by username. */
  public static String newBsuid() {
    return "US." + MetaPayloads.digits(20);
  }

  /** A new customer id in the platform's format. */
  public static String newCustomerId(String platform) {
    return switch (platform) {
      case "whatsapp" -> "1555" + MetaPayloads.digits(7);
      case "messenger" -> "74" + MetaPayloads.digits(14);
      default -> "12" + MetaPayloads.digits(14);
    };
  }

  /** The customer's phone: its id when it is one, else digits made up from the BSUID (stable per customer). */
  static String phoneOf(Customer c) {
    return c.usernameOnly() ? "1555" + String.format("%07d", Math.floorMod(c.id().hashCode(), 10_000_000)) : c.id();
  }

  // ---- the customer types ----

  /** Same, at the current time with a fresh message id. */
  public Future<JsonObject> say(Customer c, String text) {
    return say(c, text, null, clock.instant());
  }

  /** Now, with a fresh id; {@code choice} null for typed text. */
  public Future<JsonObject> say(Customer c, String text, String choice, String replyTo) {
    return say(c, text, choice, replyTo, null, clock.instant());
  }

  /**
   * The customer sends {@code text}: a webhook in Meta's shape, signed and POSTed to the gateway.
   * {@code messageId} null means a fresh one; the answer is the recorded entry, whose status is
   * {@code accepted} once the gateway answered 200, else {@code refused} with the gateway's answer.
   */
  public Future<JsonObject> say(Customer c, String text, String messageId, Instant at) {
    return say(c, text, null, null, messageId, at);
  }

  /**
   * The customer taps a button / quick reply of a message they received ({@code choice} is its
   * payload, {@code replyTo} that message's id), or just types ({@code choice} null).
   */
  public Future<JsonObject> say(Customer c, String text, String choice, String replyTo, String messageId, Instant at) {
    String id = messageId != null ? messageId : MetaPayloads.newMessageId(c.platform());
    JsonObject payload = switch (c.platform()) {
      case "whatsapp" -> {
        JsonObject tapped = replyTo == null ? null : feed.entry(replyTo);
        boolean fromList = tapped != null && "list".equals(tapped.getString("choiceKind"));
        yield MetaPayloads.whatsappMessage(c, id, text, choice, replyTo, fromList, at);
      }
      case "messenger" -> MetaPayloads.pageMessage("page", c, id, text, choice, at, clock.millis());
      case "instagram" -> MetaPayloads.pageMessage("instagram", c, id, text, choice, at, clock.millis());
      default -> throw new IllegalArgumentException("unknown platform " + c.platform());
    };
    feed.record(new JsonObject()
        .put("id", id).put("platform", c.platform()).put("channelId", c.channelId()).put("customerId", c.id())
        .put("direction", "in").put("kind", choice == null ? "text" : "choice").put("text", text).put("status", "sending")
        .put("at", at.toString()));
    return deliver(c.platform(), id, payload);
  }

  /**
   * The customer answers the gateway's "request phone number" ({@code request_contact_info},
   * entry {@code requestId}) with "Share phone number": a {@code contacts} message whose card
   * has {@code origin: contact_request} and the phone, as WhatsApp sends it. A username
   * customer's phone is made up from its BSUID, so it is the same each time.
   *
   * @throws IllegalArgumentException when {@code requestId} is not such a request to this customer
   */
  public Future<JsonObject> sharePhone(Customer c, String requestId) {
    Instant at = clock.instant();
    JsonObject request = feed.entry(requestId);
    if (request == null || !Boolean.TRUE.equals(request.getBoolean("requestsPhone")) || !c.platform().equals(request.getString("platform"))
        || !c.id().equals(request.getString("customerId"))) {
      throw new IllegalArgumentException("no request for the phone number " + requestId + " to this customer");
    }
    String phone = phoneOf(c);
    String id = MetaPayloads.newMessageId("whatsapp");
    feed.record(new JsonObject()
        .put("id", id).put("platform", c.platform()).put("channelId", c.channelId()).put("customerId", c.id())
        .put("direction", "in").put("kind", "contacts").put("text", "Shared phone number +" + phone).put("status", "sending")
        .put("at", at.toString()));
    feed.update(requestId, new JsonObject().put("phoneShared", true));
    return deliver(c.platform(), id, MetaPayloads.whatsappSharedPhone(c, id, phone, at));
  }

  /** POSTs the customer's webhook; the entry {@code id} becomes {@code accepted}, or {@code refused} with the gateway's answer. */
  private Future<JsonObject> deliver(String platform, String id, JsonObject payload) {
    return postWebhook(platform, payload).map(res -> {
      JsonObject changes = new JsonObject().put("status", res.status() == 200 ? "accepted" : "refused");
      if (res.status() != 200) {
        changes.put("error", "the gateway answered " + res.status() + ": " + res.body());
      }
      return feed.update(id, changes);
    });
  }

  // ---- the Graph API stand-in ----

  /**
   * A send to {@code POST /{phoneNumberId}/messages} (WhatsApp) or {@code POST /me/messages}
   * (Messenger, Instagram; {@code platform} says which, from the channel's token): recorded as
   * what the customer receives, answered like Graph, then delivered and read a moment later.
   */
  public GraphAnswer graphSend(String platform, String channelId, JsonObject body) {
    return graph.send(platform, channelId, body);
  }

  /** {@code GET /{wabaId}/message_templates}. */
  public GraphAnswer templates() {
    return graph.templates();
  }

  /**
   * {@code GET /{id}}: a Messenger or Instagram profile when the id is a customer's (a gateway
   * contact when {@code contact}), else the phone number, Page or Instagram account of that id.
   */
  GraphAnswer lookup(String id, String fields, GraphStandIn.Holder holder, boolean contact, String nameFromDb) {
    return graph.lookup(id, fields, holder, contact, nameFromDb);
  }

  /** {@code GET /me}: whose token it is. */
  GraphAnswer me(String token, String fields, GraphStandIn.Holder holder) {
    return graph.me(token, fields, holder);
  }

  /** {@code GET /{wabaId}/phone_numbers}. */
  GraphAnswer phoneNumbers(String wabaId, String fields, GraphStandIn.Holder holder) {
    return graph.phoneNumbers(wabaId, fields, holder);
  }

  /** {@code POST /{id}/subscribed_apps}. */
  GraphAnswer subscribe(String id, GraphStandIn.Holder holder) {
    return graph.subscribe(id, holder);
  }

  /** A send Graph accepted: the customer receives it, then their phone delivers and reads it. */
  private JsonObject sent(String platform, String channelId, String customerId, String id, String kind, String text) {
    JsonObject entry = feed.record(new JsonObject()
        .put("id", id).put("platform", platform).put("channelId", channelId).put("customerId", customerId)
        .put("direction", "out").put("kind", kind).put("text", text).put("status", "sent")
        .put("at", clock.instant().toString()));
    if ("instagram".equals(platform)) {
      // Instagram has no delivery receipts, only "seen"
      receiptsDue.incrementAndGet();
      vertx.setTimer(readAfter.toMillis(), t -> acknowledge(entry, "read").onComplete(r -> receiptsDue.decrementAndGet()));
    } else {
      receiptsDue.addAndGet(2);
      vertx.setTimer(deliveredAfter.toMillis(), t -> acknowledge(entry, "delivered").onComplete(d -> {
        receiptsDue.decrementAndGet();
        vertx.setTimer(Math.max(1, readAfter.minus(deliveredAfter).toMillis()),
            t2 -> acknowledge(entry, "read").onComplete(r -> receiptsDue.decrementAndGet()));
      }));
    }
    return entry;
  }

  /** True when no delivery or read receipt is still to be posted to the gateway. */
  public boolean settled() {
    return receiptsDue.get() == 0;
  }

  /** The customer's phone reports a sent message as delivered or read: a status webhook. */
  private Future<Void> acknowledge(JsonObject entry, String status) {
    if (closed) {
      return Future.succeededFuture();
    }
    String platform = entry.getString("platform");
    String id = entry.getString("id");
    JsonObject payload = MetaPayloads.receipt(platform, entry.getString("channelId"), entry.getString("customerId"), id, status,
        clock.millis());
    return postWebhook(platform, payload).map(res -> {
      if (res.status() == 200) {
        feed.update(id, new JsonObject().put("status", status));
      } else {
        LOG.warn("the gateway answered {} to the {} status of {}", res.status(), status, id);
      }
      return (Void) null;
    }).otherwise(err -> {
      LOG.warn("cannot post the {} status of {}: {}", status, id, err.toString());
      return null;
    });
  }

  // ---- the feed the page polls ----

  /** Entries changed after {@code after} (a sequence number), oldest change first. */
  public JsonObject feed(long after, int limit) {
    return feed.feed(after, limit);
  }

  // ---- webhooks to the gateway ----

  /** POSTs a signed webhook; a 5xx or a connection failure is retried like Meta does (briefly). */
  public Future<Posted> postWebhook(String platform, JsonObject payload) {
    Buffer body = Buffer.buffer(payload.encode());
    return attempt(platform, body, 1);
  }

  private Future<Posted> attempt(String platform, Buffer body, int n) {
    return client.postAbs(gatewayUrl + "/webhooks/" + platform)
        .putHeader("Content-Type", "application/json")
        .putHeader("X-Hub-Signature-256", MetaPayloads.sign(body.getBytes(), appSecret))
        .sendBuffer(body)
        .map(r -> new Posted(r.statusCode(), r.bodyAsString()))
        .recover(err -> Future.succeededFuture(new Posted(0, err.toString())))
        .compose(p -> {
          if ((p.status() == 0 || p.status() >= 500) && n < 4) {
            return vertx.timer(500L * n).compose(v -> attempt(platform, body, n + 1));
          }
          return Future.succeededFuture(p);
        });
  }

  // ---- keeping the customer's view across restarts ----

  /** Writes customers and entries to the state file (called on a clean stop, off the event loops). */
  public void save() {
    feed.save(stateFile);
  }

  public void close() {
    closed = true;
    client.close();
  }
}
