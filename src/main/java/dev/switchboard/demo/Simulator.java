package dev.switchboard.demo;

import dev.switchboard.channel.whatsapp.WaIds;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The customer's side of the demo. Customers "type" here: each message becomes a webhook in
 * Meta's shape, signed with the app secret and POSTed to the gateway's own {@code /webhooks}.
 * The gateway's sends arrive at the Graph API stand-in ({@link #graphSend}), are recorded as
 * what the customer receives, and are answered like Graph; a moment later the customer's phone
 * "delivers" and "reads" them, which goes back to the gateway as status webhooks.
 *
 * <p>One instance per demo, shared by every HTTP verticle through a local map; its state is
 * small and guarded by this object's lock.
 */
public final class Simulator implements Shareable {

  private static final Logger LOG = LoggerFactory.getLogger(Simulator.class);
  private static final String MAP = "switchboard.demo";
  private static final String KEY = "simulator";
  private static final int MAX_ENTRIES = 5_000;
  private static final SecureRandom RANDOM = new SecureRandom();

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

  private final Vertx vertx;
  private final WebClient client;
  private final String gatewayUrl;
  private final String appSecret;
  private final Clock clock;
  private final Duration deliveredAfter;
  private final Duration readAfter;
  private final Path stateFile;
  private final Map<String, Customer> customers = new LinkedHashMap<>();
  // entries by message id (wamid / mid), in order of last change
  private final Map<String, JsonObject> entries = new LinkedHashMap<>();
  private long seq;
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
    load();
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

  public synchronized Customer addCustomer(Customer c) {
    customers.put(key(c.platform(), c.id()), c);
    return c;
  }

  public synchronized Customer customer(String platform, String id) {
    return customers.get(key(platform, id));
  }

  public synchronized List<Customer> customers() {
    return new ArrayList<>(customers.values());
  }

  /** A new business-scoped user id, for a WhatsApp customer known by username. */
  public static String newBsuid() {
    return "US." + digits(20);
  }

  /** A new customer id in the platform's format. */
  public static String newCustomerId(String platform) {
    return switch (platform) {
      case "whatsapp" -> "1555" + digits(7);
      case "messenger" -> "74" + digits(14);
      default -> "12" + digits(14);
    };
  }

  // ---- the customer types ----

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
    String id = messageId != null ? messageId : newMessageId(c.platform());
    JsonObject payload = switch (c.platform()) {
      case "whatsapp" -> whatsappMessage(c, id, text, choice, replyTo, at);
      case "messenger" -> pageMessage("page", c, id, text, choice, at);
      case "instagram" -> pageMessage("instagram", c, id, text, choice, at);
      default -> throw new IllegalArgumentException("unknown platform " + c.platform());
    };
    JsonObject entry = record(new JsonObject()
        .put("id", id).put("platform", c.platform()).put("channelId", c.channelId()).put("customerId", c.id())
        .put("direction", "in").put("kind", choice == null ? "text" : "choice").put("text", text).put("status", "sending")
        .put("at", at.toString()));
    return deliver(c.platform(), id, payload);
  }

  /** POSTs the customer's webhook; the entry {@code id} becomes {@code accepted}, or {@code refused} with the gateway's answer. */
  private Future<JsonObject> deliver(String platform, String id, JsonObject payload) {
    return postWebhook(platform, payload).map(res -> {
      JsonObject changes = new JsonObject().put("status", res.status() == 200 ? "accepted" : "refused");
      if (res.status() != 200) {
        changes.put("error", "the gateway answered " + res.status() + ": " + res.body());
      }
      return update(id, changes);
    });
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
    JsonObject request = entry(requestId);
    if (request == null || !Boolean.TRUE.equals(request.getBoolean("requestsPhone")) || !c.platform().equals(request.getString("platform"))
        || !c.id().equals(request.getString("customerId"))) {
      throw new IllegalArgumentException("no request for the phone number " + requestId + " to this customer");
    }
    String phone = phoneOf(c);
    String id = newMessageId("whatsapp");
    JsonObject card = new JsonObject()
        .put("name", new JsonObject().put("formatted_name", c.name()).put("first_name", c.name()))
        .put("phones", new JsonArray().add(new JsonObject().put("phone", "+" + phone).put("wa_id", phone).put("type", "MOBILE")))
        .put("origin", "contact_request");
    JsonObject message = whatsappFrom(c, id, at).put("type", "contacts").put("contacts", new JsonArray().add(card));
    record(new JsonObject()
        .put("id", id).put("platform", c.platform()).put("channelId", c.channelId()).put("customerId", c.id())
        .put("direction", "in").put("kind", "contacts").put("text", "Shared phone number +" + phone).put("status", "sending")
        .put("at", at.toString()));
    update(requestId, new JsonObject().put("phoneShared", true));
    return deliver(c.platform(), id, whatsappValue(c, message));
  }

  /** The customer's phone: its id when it is one, else digits made up from the BSUID (stable per customer). */
  static String phoneOf(Customer c) {
    return c.usernameOnly() ? "1555" + String.format("%07d", Math.floorMod(c.id().hashCode(), 10_000_000)) : c.id();
  }

  private synchronized JsonObject entry(String id) {
    JsonObject e = id == null ? null : entries.get(id);
    return e == null ? null : e.copy();
  }

  /** Same, at the current time with a fresh message id. */
  public Future<JsonObject> say(Customer c, String text) {
    return say(c, text, null, clock.instant());
  }

  /** Now, with a fresh id; {@code choice} null for typed text. */
  public Future<JsonObject> say(Customer c, String text, String choice, String replyTo) {
    return say(c, text, choice, replyTo, null, clock.instant());
  }

  /** A message of customer {@code c}: a username customer's carries only the BSUID. */
  private static JsonObject whatsappFrom(Customer c, String id, Instant at) {
    return new JsonObject()
        .put(c.usernameOnly() ? "from_user_id" : "from", c.id()).put("id", id).put("timestamp", String.valueOf(at.getEpochSecond()));
  }

  private static JsonObject whatsappValue(Customer c, JsonObject message) {
    return whatsappEnvelope(new JsonObject()
        .put("messaging_product", "whatsapp")
        .put("metadata", new JsonObject().put("display_phone_number", "15550100200").put("phone_number_id", c.channelId()))
        .put("contacts", new JsonArray().add(contact(c)))
        .put("messages", new JsonArray().add(message)));
  }

  private JsonObject whatsappMessage(Customer c, String id, String text, String choice, String replyTo, Instant at) {
    JsonObject message = whatsappFrom(c, id, at);
    if (choice == null) {
      message.put("type", "text").put("text", new JsonObject().put("body", text));
    } else {
      // a reply button or a list row, as WhatsApp reports the tap
      String kind = "list".equals(choiceKind(replyTo)) ? "list_reply" : "button_reply";
      message.put("context", new JsonObject().put("from", "15550100200").put("id", replyTo))
          .put("type", "interactive")
          .put("interactive", new JsonObject().put("type", kind)
              .put(kind, new JsonObject().put("id", choice).put("title", text)));
    }
    return whatsappValue(c, message);
  }

  /** The webhook's contacts[] entry: the phone, or (username user) the BSUID and the username. */
  private static JsonObject contact(Customer c) {
    JsonObject profile = new JsonObject().put("name", c.name());
    if (!c.usernameOnly()) {
      return new JsonObject().put("profile", profile).put("wa_id", c.id());
    }
    if (c.username() != null) {
      profile.put("username", "@" + c.username());
    }
    return new JsonObject().put("profile", profile).put("user_id", c.id());
  }

  private synchronized String choiceKind(String entryId) {
    JsonObject e = entryId == null ? null : entries.get(entryId);
    return e == null ? null : e.getString("choiceKind");
  }

  private static JsonObject whatsappEnvelope(JsonObject value) {
    return new JsonObject()
        .put("object", "whatsapp_business_account")
        .put("entry", new JsonArray().add(new JsonObject()
            .put("id", "2" + value.getJsonObject("metadata").getString("phone_number_id"))
            .put("changes", new JsonArray().add(new JsonObject().put("value", value).put("field", "messages")))));
  }

  private JsonObject pageMessage(String object, Customer c, String id, String text, String choice, Instant at) {
    JsonObject message = new JsonObject().put("mid", id).put("text", text);
    if (choice != null) {
      message.put("quick_reply", new JsonObject().put("payload", choice));
    }
    return pageEnvelope(object, c.channelId(), new JsonObject()
        .put("sender", new JsonObject().put("id", c.id()))
        .put("recipient", new JsonObject().put("id", c.channelId()))
        .put("timestamp", at.toEpochMilli())
        .put("message", message));
  }

  private JsonObject pageEnvelope(String object, String pageId, JsonObject messaging) {
    return new JsonObject()
        .put("object", object)
        .put("entry", new JsonArray().add(new JsonObject()
            .put("id", pageId)
            .put("time", clock.millis())
            .put("messaging", new JsonArray().add(messaging))));
  }

  // ---- the Graph API stand-in ----

  /**
   * A send to {@code POST /{phoneNumberId}/messages} (WhatsApp) or {@code POST /me/messages}
   * (Messenger, Instagram; {@code platform} says which, from the channel's token): recorded as
   * what the customer receives, answered like Graph, then delivered and read a moment later.
   */
  public GraphAnswer graphSend(String platform, String channelId, JsonObject body) {
    if ("whatsapp".equals(platform)) {
      return whatsappSend(channelId, body);
    }
    return pageSend(platform, channelId, body);
  }

  private GraphAnswer whatsappSend(String phoneNumberId, JsonObject body) {
    String to = body.getString("to");
    String recipient = body.getString("recipient");
    // Graph: "to" is a phone, "recipient" a BSUID; with both, "to" wins
    if ((to == null || to.isBlank()) && !WaIds.isBsuid(recipient)) {
      return graphError(400, recipient == null ? "(#100) The parameter to is required."
          : "(#100) Invalid parameter: recipient must be a business-scoped user ID", 100);
    }
    if (to != null && WaIds.isBsuid(to)) {
      return graphError(400, "(#100) Invalid parameter: a business-scoped user ID goes in 'recipient'", 100);
    }
    boolean byBsuid = to == null || to.isBlank();
    String waId = byBsuid ? recipient : to.replaceAll("[^0-9]", "");
    String type = body.getString("type", "text");
    String text = switch (type) {
      case "text" -> body.getJsonObject("text", new JsonObject()).getString("body");
      case "template" -> renderTemplate(body.getJsonObject("template", new JsonObject()));
      case "image", "document", "video", "audio", "sticker" -> media(body.getJsonObject(type, new JsonObject()));
      case "interactive" -> body.getJsonObject("interactive", new JsonObject())
          .getJsonObject("body", new JsonObject()).getString("text", "[interactive]");
      default -> "[" + type + "]";
    };
    if (text == null) {
      return graphError(400, "(#100) The parameter text['body'] is required.", 100);
    }
    String id = newMessageId("whatsapp");
    knownCustomer("whatsapp", phoneNumberId, waId);
    JsonObject entry = received("whatsapp", phoneNumberId, waId, id, type, text);
    if ("interactive".equals(type)) {
      JsonObject interactive = body.getJsonObject("interactive", new JsonObject());
      if ("request_contact_info".equals(interactive.getString("type"))) {
        // the page offers "Share phone number" (sharePhone)
        update(entry.getString("id"), new JsonObject().put("requestsPhone", true));
      } else {
        choices(entry.getString("id"), whatsappChoices(interactive));
      }
    }
    JsonObject message = new JsonObject().put("id", id);
    if ("template".equals(type)) {
      message.put("message_status", "accepted");
    }
    return new GraphAnswer(200, new JsonObject()
        .put("messaging_product", "whatsapp")
        .put("contacts", new JsonArray().add(byBsuid ? new JsonObject().put("input", recipient).put("user_id", recipient)
            : new JsonObject().put("input", to).put("wa_id", waId)))
        .put("messages", new JsonArray().add(message)));
  }

  private GraphAnswer pageSend(String platform, String pageId, JsonObject body) {
    String recipient = body.getJsonObject("recipient", new JsonObject()).getString("id");
    if (recipient == null) {
      return graphError(400, "(#100) param recipient must be non-empty.", 100);
    }
    if (body.getString("sender_action") != null) {
      // typing indicators and mark_seen: acknowledged, nothing for the customer to read
      return new GraphAnswer(200, new JsonObject().put("recipient_id", recipient));
    }
    JsonObject message = body.getJsonObject("message", new JsonObject());
    String text = message.getString("text");
    String kind = "text";
    if (text == null && message.getJsonObject("attachment") != null) {
      JsonObject att = message.getJsonObject("attachment");
      kind = att.getString("type", "file");
      text = media(att.getJsonObject("payload", new JsonObject()));
    }
    if (text == null) {
      return graphError(400, "(#100) Must send either message or state", 100);
    }
    String id = newMessageId(platform);
    knownCustomer(platform, pageId, recipient);
    JsonObject entry = received(platform, pageId, recipient, id, kind, text);
    String tag = body.getString("tag");
    if (tag != null) {
      update(entry.getString("id"), new JsonObject().put("tag", tag));
    }
    JsonArray quickReplies = message.getJsonArray("quick_replies");
    if (quickReplies != null && !quickReplies.isEmpty()) {
      JsonArray choices = new JsonArray();
      quickReplies.forEach(o -> {
        JsonObject q = (JsonObject) o;
        choices.add(new JsonObject().put("title", q.getString("title")).put("payload", q.getString("payload")));
      });
      choices(entry.getString("id"), new JsonObject().put("kind", "quick_replies").put("items", choices));
    }
    return new GraphAnswer(200, new JsonObject().put("recipient_id", recipient).put("message_id", id));
  }

  /** Reply buttons or list rows of a WhatsApp interactive message, as {kind, items: [{title, payload}]}. */
  private static JsonObject whatsappChoices(JsonObject interactive) {
    JsonArray items = new JsonArray();
    JsonObject action = interactive.getJsonObject("action", new JsonObject());
    String kind = interactive.getString("type", "button");
    if ("list".equals(kind)) {
      action.getJsonArray("sections", new JsonArray()).forEach(sec -> ((JsonObject) sec).getJsonArray("rows", new JsonArray())
          .forEach(r -> items.add(new JsonObject().put("title", ((JsonObject) r).getString("title"))
              .put("payload", ((JsonObject) r).getString("id")))));
    } else {
      action.getJsonArray("buttons", new JsonArray()).forEach(b -> {
        JsonObject reply = ((JsonObject) b).getJsonObject("reply", new JsonObject());
        items.add(new JsonObject().put("title", reply.getString("title")).put("payload", reply.getString("id")));
      });
    }
    return new JsonObject().put("kind", kind).put("items", items);
  }

  private void choices(String entryId, JsonObject choices) {
    if (!choices.getJsonArray("items").isEmpty()) {
      update(entryId, new JsonObject().put("choiceKind", choices.getString("kind")).put("choices", choices.getJsonArray("items")));
    }
  }

  private static String media(JsonObject m) {
    String caption = m.getString("caption");
    String name = m.getString("filename", m.getString("link", m.getString("url", m.getString("id", "attachment"))));
    return caption == null ? "[" + name + "]" : "[" + name + "] " + caption;
  }

  private void knownCustomer(String platform, String channelId, String id) {
    synchronized (this) {
      customers.putIfAbsent(key(platform, id), new Customer(platform, channelId, id, id));
    }
  }

  private JsonObject received(String platform, String channelId, String customerId, String id, String kind, String text) {
    JsonObject entry = record(new JsonObject()
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
    String channelId = entry.getString("channelId");
    String customerId = entry.getString("customerId");
    String id = entry.getString("id");
    long now = clock.millis();
    JsonObject payload = switch (platform) {
      case "whatsapp" -> whatsappEnvelope(new JsonObject()
          .put("messaging_product", "whatsapp")
          .put("metadata", new JsonObject().put("display_phone_number", "15550100200").put("phone_number_id", channelId))
          .put("statuses", new JsonArray().add(new JsonObject()
              .put("id", id).put("status", status).put("timestamp", String.valueOf(now / 1000))
              // a username user's statuses name only the BSUID
              .put(WaIds.isBsuid(customerId) ? "recipient_user_id" : "recipient_id", customerId))));
      case "messenger" -> pageEnvelope("page", channelId, new JsonObject()
          .put("sender", new JsonObject().put("id", customerId))
          .put("recipient", new JsonObject().put("id", channelId))
          .put("timestamp", now)
          .put(status.equals("delivered") ? "delivery" : "read", status.equals("delivered")
              ? new JsonObject().put("mids", new JsonArray().add(id)).put("watermark", now)
              : new JsonObject().put("watermark", now)));
      default -> pageEnvelope("instagram", channelId, new JsonObject()
          .put("sender", new JsonObject().put("id", customerId))
          .put("recipient", new JsonObject().put("id", channelId))
          .put("timestamp", now)
          .put("read", new JsonObject().put("mid", id)));
    };
    return postWebhook(platform, payload).map(res -> {
      if (res.status() == 200) {
        update(id, new JsonObject().put("status", status));
      } else {
        LOG.warn("the gateway answered {} to the {} status of {}", res.status(), status, id);
      }
      return (Void) null;
    }).otherwise(err -> {
      LOG.warn("cannot post the {} status of {}: {}", status, id, err.toString());
      return null;
    });
  }

  private static final Map<String, String[]> TEMPLATES = new LinkedHashMap<>();

  static {
    TEMPLATES.put("order_update", new String[] {"en_US", "APPROVED", "UTILITY",
        "Hi! Your order {{1}} has shipped. Reply here if you have any question."});
    TEMPLATES.put("follow_up", new String[] {"en_US", "APPROVED", "MARKETING",
        "Hello {{1}}, we have an update on your request. Reply to this message to continue the conversation."});
    TEMPLATES.put("recordatorio_cita", new String[] {"es", "APPROVED", "UTILITY",
        "Hola {{1}}, te recordamos tu cita del {{2}}."});
    TEMPLATES.put("spring_sale", new String[] {"en_US", "PENDING", "MARKETING",
        "Spring sale: 20% off everything until Sunday!"});
  }

  /** {@code GET /{wabaId}/message_templates}: a few templates in Graph's shape. */
  public GraphAnswer templates() {
    JsonArray data = new JsonArray();
    int n = 0;
    for (Map.Entry<String, String[]> t : TEMPLATES.entrySet()) {
      String[] v = t.getValue();
      data.add(new JsonObject()
          .put("name", t.getKey()).put("language", v[0]).put("status", v[1]).put("category", v[2])
          .put("id", "94000000000000" + (++n))
          .put("components", new JsonArray().add(new JsonObject().put("type", "BODY").put("text", v[3]))));
    }
    return new GraphAnswer(200, new JsonObject().put("data", data)
        .put("paging", new JsonObject().put("cursors", new JsonObject().put("before", "MAZDZD").put("after", "MgZDZD"))));
  }

  private static String renderTemplate(JsonObject template) {
    String name = template.getString("name", "?");
    String[] known = TEMPLATES.get(name);
    String body = known == null ? "[template " + name + "]" : known[3];
    List<String> params = new ArrayList<>();
    JsonArray components = template.getJsonArray("components", new JsonArray());
    for (int i = 0; i < components.size(); i++) {
      JsonObject comp = components.getJsonObject(i);
      if ("body".equalsIgnoreCase(comp.getString("type"))) {
        JsonArray ps = comp.getJsonArray("parameters", new JsonArray());
        for (int j = 0; j < ps.size(); j++) {
          params.add(ps.getJsonObject(j).getString("text", ""));
        }
      }
    }
    for (int i = 0; i < params.size(); i++) {
      body = body.replace("{{" + (i + 1) + "}}", params.get(i));
    }
    return body;
  }

  /**
   * {@code GET /{psid}?fields=first_name,last_name,profile_pic} (Messenger) or
   * {@code GET /{igsid}?fields=name,username,profile_pic} (Instagram), from the customer's name.
   */
  public GraphAnswer profile(String userId, String fields, String nameFromDb) {
    Customer c = null;
    synchronized (this) {
      for (Customer x : customers.values()) {
        if (x.id().equals(userId) && !"whatsapp".equals(x.platform())) {
          c = x;
        }
      }
    }
    String name = c != null && !c.name().equals(c.id()) ? c.name() : nameFromDb;
    if (name == null) {
      return graphError(400, "(#100) No profile available for that user.", 100);
    }
    String pic = "https://example.invalid/profile/" + userId + ".jpg";
    boolean instagram = (fields != null && fields.contains("username")) || (c != null && "instagram".equals(c.platform()));
    if (instagram) {
      return new GraphAnswer(200, new JsonObject().put("name", name)
          .put("username", name.toLowerCase().replaceAll("[^a-z0-9]+", ".")).put("profile_pic", pic).put("id", userId));
    }
    int space = name.indexOf(' ');
    return new GraphAnswer(200, new JsonObject()
        .put("first_name", space < 0 ? name : name.substring(0, space))
        .put("last_name", space < 0 ? "" : name.substring(space + 1))
        .put("profile_pic", pic).put("id", userId));
  }

  /** Graph's error body. */
  public static GraphAnswer graphError(int status, String message, int code) {
    return new GraphAnswer(status, new JsonObject().put("error", new JsonObject()
        .put("message", message).put("type", code == 190 ? "OAuthException" : "GraphMethodException")
        .put("code", code).put("fbtrace_id", "Demo" + digits(8))));
  }

  // ---- the feed the page polls ----

  /** Entries changed after {@code after} (a sequence number), oldest change first. */
  public synchronized JsonObject feed(long after, int limit) {
    JsonArray items = new JsonArray();
    for (JsonObject e : entries.values()) {
      if (e.getLong("seq") > after && items.size() < limit) {
        items.add(e.copy());
      }
    }
    return new JsonObject().put("items", items).put("cursor", seq);
  }

  /** Every entry of one customer, oldest first. */
  public synchronized List<JsonObject> conversation(String platform, String customerId) {
    List<JsonObject> out = new ArrayList<>();
    for (JsonObject e : entries.values()) {
      if (platform.equals(e.getString("platform")) && customerId.equals(e.getString("customerId"))) {
        out.add(e.copy());
      }
    }
    out.sort((a, b) -> a.getString("at").compareTo(b.getString("at")));
    return out;
  }

  private synchronized JsonObject record(JsonObject entry) {
    entry.put("seq", ++seq);
    entries.remove(entry.getString("id"));
    entries.put(entry.getString("id"), entry);
    while (entries.size() > MAX_ENTRIES) {
      entries.remove(entries.keySet().iterator().next());
    }
    return entry.copy();
  }

  private synchronized JsonObject update(String id, JsonObject changes) {
    JsonObject e = entries.remove(id);
    if (e == null) {
      return null;
    }
    e.mergeIn(changes).put("seq", ++seq);
    entries.put(id, e);
    return e.copy();
  }

  // ---- webhooks to the gateway ----

  /** The answer of the gateway to one webhook. */
  public record Posted(int status, String body) {
  }

  /** POSTs a signed webhook; a 5xx or a connection failure is retried like Meta does (briefly). */
  public Future<Posted> postWebhook(String platform, JsonObject payload) {
    Buffer body = Buffer.buffer(payload.encode());
    return attempt(platform, body, 1);
  }

  private Future<Posted> attempt(String platform, Buffer body, int n) {
    return client.postAbs(gatewayUrl + "/webhooks/" + platform)
        .putHeader("Content-Type", "application/json")
        .putHeader("X-Hub-Signature-256", sign(body.getBytes(), appSecret))
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

  /** {@code sha256=<hex>} of HMAC-SHA256 over the exact bytes, as Meta signs. */
  public static String sign(byte[] body, String secret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- ids ----

  /** A fresh, unique platform message id (wamid / mid) in the platform's style. */
  public static String newMessageId(String platform) {
    byte[] b = new byte[30];
    RANDOM.nextBytes(b);
    String r = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    return switch (platform) {
      case "whatsapp" -> "wamid.HBgL" + Base64.getEncoder().encodeToString(b);
      case "messenger" -> "m_" + r;
      default -> "aWdfZAG1faXRlbToxOklHTWVzc2FnZA" + r;
    };
  }

  private static String digits(int n) {
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      sb.append((char) ('0' + RANDOM.nextInt(10)));
    }
    return sb.toString();
  }

  private static String key(String platform, String id) {
    return platform + ":" + id;
  }

  // ---- keeping the customer's view across restarts ----

  /** Writes customers and entries to the state file (called on a clean stop). */
  public synchronized void save() {
    if (stateFile == null) {
      return;
    }
    JsonArray cs = new JsonArray();
    customers.values().forEach(c -> cs.add(c.json()));
    JsonArray es = new JsonArray();
    entries.values().forEach(es::add);
    try {
      Path tmp = stateFile.resolveSibling(stateFile.getFileName() + ".tmp");
      Files.writeString(tmp, new JsonObject().put("customers", cs).put("entries", es).encode());
      Files.move(tmp, stateFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      LOG.warn("cannot save the simulator's state to {}: {}", stateFile, e.toString());
    }
  }

  private synchronized void load() {
    if (stateFile == null || !Files.isRegularFile(stateFile)) {
      return;
    }
    try {
      JsonObject state = new JsonObject(Files.readString(stateFile));
      state.getJsonArray("customers", new JsonArray()).forEach(o -> addCustomer(Customer.from((JsonObject) o)));
      state.getJsonArray("entries", new JsonArray()).forEach(o -> {
        JsonObject e = (JsonObject) o;
        entries.put(e.getString("id"), e);
        seq = Math.max(seq, e.getLong("seq", 0L));
      });
    } catch (IOException | RuntimeException e) {
      LOG.warn("ignoring the simulator's unreadable state in {}: {}", stateFile, e.toString());
    }
  }

  public void close() {
    closed = true;
    client.close();
  }
}
