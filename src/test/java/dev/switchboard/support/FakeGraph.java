package dev.switchboard.support;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The one fake allowed: a local HTTP server that answers as the Graph API does, from the
 * fixtures. It records every request; tests queue answers per route (method + path prefix)
 * or set a default answer. Unmatched requests answer Graph's own 404-style error.
 */
public final class FakeGraph implements AutoCloseable {

  /** A recorded request. */
  public record Call(String method, String path, String query, Map<String, String> headers, String body) {
    public JsonObject json() {
      return body == null || body.isEmpty() ? null : new JsonObject(body);
    }
  }

  /** An answer: status, body, optional delay in ms. */
  public record Answer(int status, String body, long delayMs) {
    public static Answer ok(String fixture) {
      return new Answer(200, new String(Fixtures.bytes(fixture)), 0);
    }

    public static Answer fixture(int status, String fixture) {
      return new Answer(status, new String(Fixtures.bytes(fixture)), 0);
    }

    public static Answer json(int status, JsonObject body) {
      return new Answer(status, body.encode(), 0);
    }
  }

  private final Vertx vertx;
  private final HttpServer server;
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final LinkedBlockingQueue<Call> arrivals = new LinkedBlockingQueue<>();
  private final Map<String, Deque<Answer>> queued = new ConcurrentHashMap<>();
  private final Map<String, Function<Call, Answer>> defaults = new ConcurrentHashMap<>();
  /** What each access token may see: object id to the object Graph answers for it. */
  private final Map<String, Map<String, JsonObject>> owned = new ConcurrentHashMap<>();
  /** A WABA's phone-number ids, in the order Graph lists them. */
  private final Map<String, List<String>> wabaNumbers = new ConcurrentHashMap<>();
  /** Who each access token is: what {@code GET /me} answers (a page for a Page token, else a user). */
  private final Map<String, JsonObject> me = new ConcurrentHashMap<>();
  /** Objects a token may only read (a user token reads any public page's id and name), never manage. */
  private final Map<String, Map<String, JsonObject>> readable = new ConcurrentHashMap<>();

  /**
   * A WhatsApp media object: what {@code GET /{media-id}} announces (sha256, file_size) may be set
   * apart from the bytes the download URL serves, to play a corrupted or growing download.
   */
  public record Media(String token, byte[] bytes, String mimeType, String sha256, long fileSize) {
  }

  private final Map<String, Media> media = new ConcurrentHashMap<>();
  /** Download links Meta no longer serves (WhatsApp media ids, CDN paths). */
  private final java.util.Set<String> expired = ConcurrentHashMap.newKeySet();
  /** WhatsApp media whose download answers only after this many ms (a slow CDN). */
  private final Map<String, Long> slow = new ConcurrentHashMap<>();
  /** Messenger and Instagram CDN files by path. */
  private final Map<String, Media> cdn = new ConcurrentHashMap<>();

  private FakeGraph(Vertx vertx) {
    this.vertx = vertx;
    this.server = vertx.createHttpServer().requestHandler(this::handle);
  }

  public static FakeGraph start(Vertx vertx) {
    FakeGraph g = new FakeGraph(vertx);
    g.server.listen(0, "127.0.0.1").await();
    return g;
  }

  /** The value for GRAPH_API_URL. */
  public String url() {
    return "http://127.0.0.1:" + server.actualPort() + "/v21.0";
  }

  /** Queues one answer for the next request whose path (after /v21.0) starts with {@code pathPrefix}. */
  public FakeGraph enqueue(String method, String pathPrefix, Answer answer) {
    queued.computeIfAbsent(method + " " + pathPrefix, k -> new ArrayDeque<>()).addLast(answer);
    return this;
  }

  /** The answer for every request on that route when nothing is queued. */
  public FakeGraph respond(String method, String pathPrefix, Function<Call, Answer> answer) {
    defaults.put(method + " " + pathPrefix, answer);
    return this;
  }

  public FakeGraph respond(String method, String pathPrefix, Answer answer) {
    return respond(method, pathPrefix, c -> answer);
  }

  /**
   * The token may manage this WhatsApp Business Account and its phone number: {@code GET
   * /{phone-number-id}}, {@code GET /{waba-id}/phone_numbers} and {@code POST
   * /{waba-id}/subscribed_apps} answer for it as Graph does; with any other token they answer
   * Graph's error for an object the token cannot see.
   */
  public FakeGraph ownsWhatsApp(String token, String wabaId, String phoneNumberId) {
    Map<String, JsonObject> mine = owned.computeIfAbsent(token, k -> new ConcurrentHashMap<>());
    mine.put(wabaId, new JsonObject().put("id", wabaId).put("name", "WABA " + wabaId));
    mine.put(phoneNumberId, new JsonObject().put("verified_name", "Number " + phoneNumberId)
        .put("display_phone_number", "+1 555-01" + phoneNumberId.substring(Math.max(0, phoneNumberId.length() - 2)))
        .put("quality_rating", "GREEN").put("id", phoneNumberId));
    List<String> numbers = wabaNumbers.computeIfAbsent(wabaId, k -> new CopyOnWriteArrayList<>());
    if (!numbers.contains(phoneNumberId)) {
      numbers.add(phoneNumberId);
    }
    // a WhatsApp token is a system user's: /me answers that user
    me.putIfAbsent(token, new JsonObject().put("name", "System user").put("id", String.valueOf(9_000_000_000L + Math.abs((long) token.hashCode())))
        .put(NODE, "User"));
    return this;
  }

  /**
   * The token is this Facebook Page's own access token: {@code GET /me} answers the page, and
   * {@code GET /{page-id}} and {@code POST /{page-id}/subscribed_apps} answer for it.
   */
  public FakeGraph ownsPage(String token, String pageId, String name) {
    JsonObject page = new JsonObject().put("name", name).put("id", pageId);
    owned.computeIfAbsent(token, k -> new ConcurrentHashMap<>()).put(pageId, page);
    me.put(token, page.copy().put(NODE, "Page"));
    return this;
  }

  /**
   * The token is the access token of the Facebook Page linked to this Instagram professional
   * account: {@code GET /me} answers the page with {@code instagram_business_account: {id}}, and
   * the Instagram account's own reads and {@code subscribed_apps} answer for it.
   */
  public FakeGraph ownsInstagram(String token, String pageId, String instagramId, String name) {
    ownsPage(token, pageId, name + "'s Page");
    me.get(token).put("instagram_business_account", new JsonObject().put("id", instagramId));
    owned.get(token).put(instagramId, new JsonObject().put("name", name).put("username", name.toLowerCase().replace(' ', '_'))
        .put("id", instagramId));
    return this;
  }

  /**
   * A user access token: {@code GET /me} answers the user. With Meta's Page Public Metadata
   * Access such a token reads any public page's id and name ({@link #readsPage}), but managing a
   * page needs the page's own token: {@code POST /{page-id}/subscribed_apps} answers Graph's (#210).
   */
  public FakeGraph userToken(String token, String userId, String name) {
    me.put(token, new JsonObject().put("name", name).put("id", userId).put(NODE, "User"));
    owned.computeIfAbsent(token, k -> new ConcurrentHashMap<>());
    return this;
  }

  /** The token may read the public page's (or Instagram account's) id and name, as any user token can. */
  public FakeGraph readsPage(String token, String id, String name) {
    readable.computeIfAbsent(token, k -> new ConcurrentHashMap<>()).put(id, new JsonObject().put("name", name).put("id", id));
    return this;
  }

  /** A WhatsApp media object the token may read, announced with the bytes' own sha256 and size. */
  public FakeGraph media(String token, String mediaId, byte[] bytes, String mimeType) {
    return media(mediaId, new Media(token, bytes, mimeType, sha256Hex(bytes), bytes.length));
  }

  public FakeGraph media(String mediaId, Media m) {
    media.put(mediaId, m);
    return this;
  }

  /** The media's download answers after {@code delayMs}, as a slow CDN does. */
  public FakeGraph slow(String mediaId, long delayMs) {
    slow.put(mediaId, delayMs);
    return this;
  }

  /** The media's downloads from now on answer at once (one already waiting still waits). */
  public FakeGraph fast(String mediaId) {
    slow.remove(mediaId);
    return this;
  }

  /** The media's download link answers 404 from now on, as Meta's does once it expired. */
  public FakeGraph expire(String mediaIdOrCdnPath) {
    expired.add(mediaIdOrCdnPath);
    return this;
  }

  /** A file on the Messenger/Instagram CDN; answers its URL (signed-looking, as Meta's are). */
  public String cdnFile(String name, byte[] bytes, String mimeType) {
    cdn.put("/cdn/v/t1.15752-9/" + name, new Media(null, bytes, mimeType, null, bytes.length));
    return "http://127.0.0.1:" + server.actualPort() + "/cdn/v/t1.15752-9/" + name + "?_nc_cat=1&oh=00_fake&oe=69AB1234";
  }

  public static String sha256Hex(byte[] bytes) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Media as Meta serves it: {@code GET /{media-id}} with a token that may read it answers the
   * media URL object (else Graph's unknown-object error); the URL, fetched with that token as
   * bearer, answers the bytes with their type, and 404 once expired or without the token.
   * Messenger/Instagram CDN links need no token and answer 403 once expired (their signature
   * ran out). False for other requests.
   */
  private boolean serveMedia(HttpServerRequest req, Call call) {
    String raw = req.path();
    if (raw.startsWith("/whatsapp_business/attachments")) {
      String mid = query(call, "mid");
      Media m = mid == null ? null : media.get(mid);
      String auth = call.headers().get("authorization");
      if (m == null || expired.contains(mid) || auth == null || !auth.equals("Bearer " + m.token())) {
        req.response().setStatusCode(404).putHeader("Content-Type", "text/html").end("<html><body>Not Found</body></html>");
      } else {
        Runnable send = () -> req.response().putHeader("Content-Type", m.mimeType()).end(Buffer.buffer(m.bytes()));
        Long delay = slow.get(mid);
        if (delay != null) {
          vertx.setTimer(delay, t -> send.run());
        } else {
          send.run();
        }
      }
      return true;
    }
    if (raw.startsWith("/cdn/")) {
      Media m = cdn.get(raw);
      if (m == null || expired.contains(raw)) {
        req.response().setStatusCode(403).putHeader("Content-Type", "text/plain").end("URL signature expired");
      } else {
        req.response().putHeader("Content-Type", m.mimeType()).end(Buffer.buffer(m.bytes()));
      }
      return true;
    }
    java.util.regex.Matcher id = OBJECT.matcher(call.path());
    Media m = "GET".equals(call.method()) && id.matches() && id.group(2) == null ? media.get(id.group(1)) : null;
    if (m == null) {
      return false;
    }
    String auth = call.headers().get("authorization");
    Answer a;
    if (!("Bearer " + m.token()).equals(auth)) {
      a = unknownObject("GET", id.group(1));
    } else {
      a = Answer.json(200, new JsonObject().put("messaging_product", "whatsapp")
          .put("url", "http://127.0.0.1:" + server.actualPort() + "/whatsapp_business/attachments/?mid=" + id.group(1)
              + "&ext=1767612701&hash=ATv_FAKEHASH")
          .put("mime_type", m.mimeType()).put("sha256", m.sha256()).put("file_size", m.fileSize()).put("id", id.group(1)));
    }
    req.response().setStatusCode(a.status()).putHeader("Content-Type", "application/json").end(a.body());
    return true;
  }

  public List<Call> calls() {
    return new ArrayList<>(calls);
  }

  public List<Call> calls(String method, String pathPrefix) {
    return calls.stream().filter(c -> c.method().equals(method) && c.path().startsWith(pathPrefix)).toList();
  }

  /** Waits for the next request to arrive (null after the timeout). */
  public Call next(long timeoutMs) throws InterruptedException {
    return arrivals.poll(timeoutMs, TimeUnit.MILLISECONDS);
  }

  public void reset() {
    calls.clear();
    arrivals.clear();
    queued.clear();
    defaults.clear();
    owned.clear();
    wabaNumbers.clear();
    me.clear();
    readable.clear();
    media.clear();
    expired.clear();
    slow.clear();
    cdn.clear();
  }

  private void handle(HttpServerRequest req) {
    req.body().onSuccess(buf -> {
      String path = req.path().startsWith("/v21.0") ? req.path().substring("/v21.0".length()) : req.path();
      Map<String, String> headers = new ConcurrentHashMap<>();
      req.headers().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
      Call call = new Call(req.method().name(), path, req.query(), headers, buf.toString());
      calls.add(call);
      arrivals.add(call);
      if (serveMedia(req, call)) {
        return;
      }
      Answer refused = whatsappAddressing(call);
      Answer a = refused != null ? refused : pick(call);
      Runnable reply = () -> req.response().setStatusCode(a.status())
          .putHeader("Content-Type", "application/json")
          .end(Buffer.buffer(a.body()));
      if (a.delayMs() > 0) {
        vertx.setTimer(a.delayMs(), t -> reply.run());
      } else {
        reply.run();
      }
    });
  }

  private static final java.util.regex.Pattern BSUID = java.util.regex.Pattern.compile("[A-Za-z]{2}\\.(?:ENT\\.)?[A-Za-z0-9]{1,128}");

  /**
   * A WhatsApp send names its customer by {@code to} (a phone) or {@code recipient} (a BSUID),
   * exactly one of them: anything else is refused as Graph refuses a bad parameter, so a test
   * sees a wrongly addressed reply fail instead of pass.
   */
  static Answer whatsappAddressing(Call call) {
    if (!"POST".equals(call.method()) || !call.path().endsWith("/messages") || call.body() == null || call.body().isEmpty()) {
      return null;
    }
    JsonObject body;
    try {
      body = new JsonObject(call.body());
    } catch (RuntimeException e) {
      return null;
    }
    if (!"whatsapp".equals(body.getValue("messaging_product"))) {
      return null;
    }
    Object to = body.getValue("to");
    Object recipient = body.getValue("recipient");
    String problem = null;
    if (to != null && recipient != null) {
      problem = "give either 'to' or 'recipient', not both";
    } else if (to == null && recipient == null) {
      problem = "(#100) The parameter to is required.";
    } else if (recipient != null && !(recipient instanceof String r && BSUID.matcher(r).matches())) {
      problem = "(#100) Invalid parameter: 'recipient' must be a business-scoped user ID";
    } else if (to instanceof String t && BSUID.matcher(t).matches()) {
      problem = "(#100) Invalid parameter: a business-scoped user ID goes in 'recipient', not 'to'";
    }
    return problem == null ? null : new Answer(400, new JsonObject().put("error", new JsonObject()
        .put("message", problem).put("type", "OAuthException").put("code", 100)).encode(), 0);
  }

  private Answer pick(Call call) {
    String best = null;
    for (String key : queued.keySet()) {
      if (matches(key, call) && !queued.get(key).isEmpty() && (best == null || key.length() > best.length())) {
        best = key;
      }
    }
    if (best != null) {
      Answer a = queued.get(best).pollFirst();
      if (a != null) {
        return a;
      }
    }
    String bestDefault = null;
    for (String key : defaults.keySet()) {
      if (matches(key, call) && (bestDefault == null || key.length() > bestDefault.length())) {
        bestDefault = key;
      }
    }
    if (bestDefault != null) {
      return defaults.get(bestDefault).apply(call);
    }
    Answer asset = asset(call);
    if (asset != null) {
      return asset;
    }
    return new Answer(400, new JsonObject().put("error", new JsonObject()
        .put("message", "Unsupported request - method type: " + call.method().toLowerCase())
        .put("type", "GraphMethodException").put("code", 100)).encode(), 0);
  }

  private static final java.util.regex.Pattern OBJECT = java.util.regex.Pattern.compile("/([0-9]+)(/phone_numbers|/subscribed_apps)?");

  /**
   * {@code GET /me}, and reads and subscriptions on the objects registered with {@link #ownsWhatsApp},
   * {@link #ownsPage}, {@link #ownsInstagram} and {@link #readsPage}.
   */
  private Answer asset(Call call) {
    boolean self = "/me".equals(call.path());
    java.util.regex.Matcher m = OBJECT.matcher(call.path());
    if (!self && !m.matches()) {
      return null;
    }
    String auth = call.headers().get("authorization");
    String token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : null;
    Map<String, JsonObject> mine = token == null ? null : owned.get(token);
    if (mine == null && token != null && readable.containsKey(token)) {
      mine = Map.of();
    }
    if (mine == null) {
      // Graph's answer to a token it never issued
      return new Answer(400, new JsonObject().put("error", new JsonObject()
          .put("message", "Invalid OAuth access token - Cannot parse access token")
          .put("type", "OAuthException").put("code", 190).put("fbtrace_id", "AbCdEfGh012")).encode(), 0);
    }
    boolean get = "GET".equals(call.method());
    boolean post = "POST".equals(call.method());
    if (self) {
      return get ? whoAmI(token, query(call, "fields")) : unknownObject(call.method(), "me");
    }
    String id = m.group(1);
    String edge = m.group(2);
    JsonObject object = mine.get(id);
    JsonObject readOnly = readable.getOrDefault(token, Map.of()).get(id);
    if (object == null && readOnly != null && edge == null && get) {
      return Answer.json(200, fields(readOnly, query(call, "fields")));
    }
    if (object == null && readOnly != null && "/subscribed_apps".equals(edge) && post) {
      return new Answer(403, new JsonObject().put("error", new JsonObject()
          .put("message", "(#210) A page access token is required to request this resource.")
          .put("type", "OAuthException").put("code", 210).put("fbtrace_id", "AqRsTuV3456")).encode(), 0);
    }
    if (object == null || !(get || (post && "/subscribed_apps".equals(edge)))) {
      return unknownObject(call.method(), id);
    }
    if (edge == null && get) {
      return Answer.json(200, fields(object, query(call, "fields")));
    }
    if ("/phone_numbers".equals(edge) && get) {
      List<String> numbers = wabaNumbers.getOrDefault(id, List.of());
      int limit = Integer.parseInt(query(call, "limit") == null ? "25" : query(call, "limit"));
      int from = query(call, "after") == null ? 0 : Integer.parseInt(new String(java.util.Base64.getDecoder().decode(query(call, "after"))));
      io.vertx.core.json.JsonArray data = new io.vertx.core.json.JsonArray();
      for (int i = from; i < Math.min(numbers.size(), from + limit); i++) {
        data.add(fields(mine.getOrDefault(numbers.get(i), new JsonObject().put("id", numbers.get(i))), query(call, "fields")));
      }
      JsonObject body = new JsonObject().put("data", data);
      if (!data.isEmpty()) {
        JsonObject cursors = new JsonObject()
            .put("before", java.util.Base64.getEncoder().encodeToString(String.valueOf(from).getBytes()))
            .put("after", java.util.Base64.getEncoder().encodeToString(String.valueOf(from + data.size()).getBytes()));
        JsonObject paging = new JsonObject().put("cursors", cursors);
        if (from + data.size() < numbers.size()) {
          paging.put("next", url() + "/" + id + "/phone_numbers?limit=" + limit + "&after=" + cursors.getString("after"));
        }
        body.put("paging", paging);
      }
      return Answer.json(200, body);
    }
    if ("/subscribed_apps".equals(edge) && post) {
      return Answer.json(200, new JsonObject().put("success", true));
    }
    return unknownObject(call.method(), id);
  }

  /** The node type of a token's /me object (Page or User), kept out of Graph's answer. */
  private static final String NODE = "__node";

  /**
   * {@code GET /me} as Graph answers it: the Page for a Page access token, the user for a user
   * token; a field the node type does not have is Graph's (#100) error, as
   * {@code instagram_business_account} on a User.
   */
  private Answer whoAmI(String token, String fields) {
    JsonObject self = me.get(token);
    if (self == null) {
      return unknownObject("GET", "me");
    }
    String node = self.getString(NODE);
    JsonObject object = self.copy();
    object.remove(NODE);
    if (fields != null && "User".equals(node)) {
      for (String f : fields.split(",")) {
        if (f.trim().equals("instagram_business_account")) {
          return new Answer(400, new JsonObject().put("error", new JsonObject()
              .put("message", "(#100) Tried accessing nonexisting field (instagram_business_account) on node type (User)")
              .put("type", "OAuthException").put("code", 100).put("fbtrace_id", "AmNoPqR7890")).encode(), 0);
        }
      }
    }
    return Answer.json(200, fields(object, fields));
  }

  /** Graph's error for an id that does not exist or that the token may not see (code 100, subcode 33). */
  public static Answer unknownObject(String method, String id) {
    return new Answer(400, new JsonObject().put("error", new JsonObject()
        .put("message", "Unsupported " + method.toLowerCase() + " request. Object with ID '" + id + "' does not exist, "
            + "cannot be loaded due to missing permissions, or does not support this operation. "
            + "Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api")
        .put("type", "GraphMethodException").put("code", 100).put("error_subcode", 33)
        .put("fbtrace_id", "AxYz0123456")).encode(), 0);
  }

  private static JsonObject fields(JsonObject object, String fields) {
    if (fields == null) {
      return object.copy();
    }
    JsonObject out = new JsonObject();
    for (String f : fields.split(",")) {
      if (object.containsKey(f.trim())) {
        out.put(f.trim(), object.getValue(f.trim()));
      }
    }
    // Graph always answers the id
    return out.put("id", object.getValue("id"));
  }

  private static String query(Call call, String name) {
    if (call.query() == null) {
      return null;
    }
    for (String pair : call.query().split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals(name)) {
        return java.net.URLDecoder.decode(pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  private static boolean matches(String key, Call call) {
    int sp = key.indexOf(' ');
    return key.substring(0, sp).equals(call.method()) && call.path().startsWith(key.substring(sp + 1));
  }

  @Override
  public void close() {
    server.close().await();
  }
}
