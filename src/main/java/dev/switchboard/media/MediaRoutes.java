package dev.switchboard.media;

import java.time.Clock;
import dev.switchboard.config.Config;
import dev.switchboard.common.ApiException;
import dev.switchboard.common.Ids;
import dev.switchboard.common.Principal;
import dev.switchboard.common.Times;
import dev.switchboard.http.StreamSlots;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerFileUpload;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Serving kept media to agents: {@code GET /api/v1/media/{id}} with the bearer token, {@code GET
 * /api/v1/media/{id}/link} for a signed URL, and {@code GET /media/{id}?a=&e=&s=}, the signed URL
 * itself. Only the media's account sees it (404 to any other). Responses carry the stored type
 * with {@code nosniff}, are inline only for safe image, audio and video types (everything else,
 * SVG and HTML included, is an attachment, and a sandbox CSP keeps any document inert), answer
 * {@code Range}, carry the sha256 as {@code ETag} and are {@code Cache-Control: private}.
 */
public final class MediaRoutes {

  private static final Pattern RANGE = Pattern.compile("bytes=(\\d{0,19})-(\\d{0,19})");

  /**
   * The most of any part other than the file (a form field, another file): a form's note or name
   * fits many times over. The HTTP server bounds form fields the same ({@code maxFormAttributeSize}).
   */
  public static final int FIELD_MAX = 4 * 1024;
  /** What an upload's body may hold beyond the file: boundaries, part headers and a few small fields. */
  static final int ENVELOPE_MAX = 16 * 1024;

  private final MediaStore store;
  private final MediaLinks links;
  private final Config.Media config;
  private final Clock clock;
  private final StreamSlots streams;
  private final long idleMs;

  /**
   * @param streams the node's admission for uploads, whose blob transaction holds a database
   *                connection while the body arrives
   * @param idleMs  an upload whose body brings no byte for this long is cut
   */
  public MediaRoutes(MediaStore store, MediaLinks links, Config.Media config, Clock clock, StreamSlots streams, long idleMs) {
    this.store = store;
    this.links = links;
    this.config = config;
    this.clock = clock;
    this.streams = streams;
    this.idleMs = idleMs;
  }

  /** The bearer-token routes, under {@code /api/v1}. */
  public void mount(Router api) {
    api.get("/media/:id").handler(this::get);
    api.get("/media/:id/link").handler(this::link);
  }

  /**
   * {@code POST /media?platform=}: a multipart upload whose file part is streamed into the store
   * as it arrives, never held whole. Mounted after the token check and before the API's body
   * handler, which would buffer it.
   */
  public void mountUpload(Router api) {
    api.post("/media").handler(this::upload);
  }

  /** The signed-URL route, outside the API's token check. */
  public void mountSigned(Router root) {
    root.get("/media/:id").handler(this::signed);
  }

  private void upload(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    String platform = ctx.queryParams().get("platform");
    if (!MediaLimits.known(platform)) {
      ctx.request().resume();
      ctx.fail(ApiException.badRequest("bad_platform", "platform must be whatsapp, messenger or instagram: the limits are the platform's"));
      return;
    }
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/form-data")) {
      ctx.request().resume();
      ctx.fail(ApiException.badRequest("bad_request", "send the file as multipart/form-data, in a part named file"));
      return;
    }
    long maxBytes = config.maxBytes();
    long cap = MediaLimits.largest(platform, maxBytes);
    long bodyMax = cap + ENVELOPE_MAX;
    Long declared = Ids.tryParse(ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH));
    if (declared != null && declared > bodyMax) {
      // refused before a byte is read: the failure handler drops a bounded part of it, then closes
      ctx.fail(bodyTooLarge(bodyMax));
      return;
    }
    // the body stays paused while the upload waits for a slot: nothing is read or held meanwhile
    streams.acquire(p.accountId()).onComplete(slot -> {
      if (slot.failed()) {
        ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
        ctx.fail(slot.cause());
        return;
      }
      // the answer is written once the blob's transaction has ended: its connection is back by then
      ctx.addEndHandler(v -> slot.result().release());
      watchIdle(ctx);
      new Upload(ctx, p.accountId(), platform, cap, maxBytes, bodyMax).start();
    });
  }

  /**
   * Cuts an upload whose body brings no byte for {@link #idleMs}: its blob transaction would hold
   * a database connection for as long as the client trickles. Checked until the body has ended
   * (what follows, the seal and the commit, is the server's own work).
   */
  private void watchIdle(RoutingContext ctx) {
    var req = ctx.request();
    long[] seen = {req.bytesRead(), System.nanoTime()};
    long timer = ctx.vertx().setPeriodic(Math.max(100, idleMs / 4), t -> {
      if (req.isEnded() || ctx.response().ended() || ctx.response().closed()) {
        ctx.vertx().cancelTimer(t);
        return;
      }
      long read = req.bytesRead();
      if (read != seen[0]) {
        seen[0] = read;
        seen[1] = System.nanoTime();
      } else if (System.nanoTime() - seen[1] >= idleMs * 1_000_000L) {
        ctx.vertx().cancelTimer(t);
        // a reset fails the body's stream, so the put rolls back and nothing is kept
        ctx.response().reset();
      }
    });
    ctx.addEndHandler(v -> ctx.vertx().cancelTimer(timer));
  }

  private static ApiException bodyTooLarge(long bodyMax) {
    return new ApiException(413, "payload_too_large", "an upload is at most " + bodyMax
        + " bytes: the platform's largest file and " + ENVELOPE_MAX + " bytes of multipart framing and fields");
  }

  /**
   * One upload request: every byte of it is counted, every part other than the file is bounded,
   * and the first refusal answers once; what arrives after it is dropped (the failure handler
   * reads a bounded part, then closes the connection).
   */
  private final class Upload {
    private final RoutingContext ctx;
    private final long accountId;
    private final String platform;
    private final long cap;
    private final long maxBytes;
    private final long bodyMax;
    private long read;
    private boolean refused;
    private Gate file;
    private String filename;

    Upload(RoutingContext ctx, long accountId, String platform, long cap, long maxBytes, long bodyMax) {
      this.ctx = ctx;
      this.accountId = accountId;
      this.platform = platform;
      this.cap = cap;
      this.maxBytes = maxBytes;
      this.bodyMax = bodyMax;
    }

    void start() {
      var req = ctx.request();
      req.setExpectMultipart(true);
      // the decoder has handed each chunk's parts on before this sees it: a count of the raw body
      req.handler(chunk -> {
        read += chunk.length();
        if (read > bodyMax) {
          refuse(bodyTooLarge(bodyMax));
        }
      });
      req.uploadHandler(this::part);
      req.endHandler(v -> ended());
      req.exceptionHandler(err -> refuse(multipart(err)));
      req.resume();
    }

    private void part(HttpServerFileUpload part) {
      if (refused) {
        part.handler(b -> { });
        return;
      }
      if (!"file".equals(part.name())) {
        // a form's other fields (a note, a name) are small; they are read, counted and dropped
        long[] size = {0};
        part.handler(b -> {
          size[0] += b.length();
          if (size[0] > FIELD_MAX) {
            refuse(new ApiException(413, "field_too_large", "a part other than file is at most " + FIELD_MAX + " bytes"));
          }
        });
        return;
      }
      if (file != null) {
        part.handler(b -> { });
        refuse(ApiException.unprocessable("one_file", "send one file per request, in the part named file"));
        return;
      }
      file = new Gate(part);
      filename = safeName(part.filename());
      store.put(accountId, file, null, cap, null, (mime, size) -> MediaLimits.check(platform, mime, size, maxBytes))
          .onComplete(this::stored);
    }

    private void ended() {
      if (refused) {
        return;
      }
      if (file == null) {
        refuse(ApiException.badRequest("bad_request", "no file: send it in a multipart part named file"));
        return;
      }
      file.requestEnded();
    }

    private void stored(AsyncResult<MediaStore.Blob> ar) {
      if (refused || ctx.response().ended() || ctx.failed()) {
        return;
      }
      if (ar.succeeded()) {
        MediaStore.Blob b = ar.result();
        ctx.response().setStatusCode(201);
        ctx.json(new JsonObject().put("id", String.valueOf(b.id())).put("mimeType", b.mimeType()).put("size", b.size())
            .put("sha256", b.sha256()).put("filename", filename));
      } else if (ar.cause() instanceof MediaException e) {
        refuse("too_large".equals(e.code())
            ? ApiException.unprocessable("media_too_large", MediaLimits.tooLarge(platform, null, cap).getMessage())
            : ApiException.unprocessable(e.code(), e.getMessage()));
      } else {
        refuse(ar.cause());
      }
    }

    private void refuse(Throwable err) {
      if (refused) {
        return;
      }
      refused = true;
      if (!ctx.request().isEnded()) {
        // a client that reads the answer stops sending the rest
        ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
      }
      if (file != null) {
        file.abandon(err);
      }
      if (!ctx.response().ended() && !ctx.failed()) {
        ctx.fail(err);
      }
    }
  }

  /**
   * A body the multipart decoder gave up on: a field past {@code maxFormAttributeSize}, a part
   * header past its buffer or too many parts is 413; anything else is malformed (400). Other
   * failures (the connection closed) pass as they are.
   */
  private static Throwable multipart(Throwable err) {
    if (err instanceof HttpPostRequestDecoder.TooLongFormFieldException || err instanceof HttpPostRequestDecoder.TooManyFormFieldsException
        || err instanceof HttpPostRequestDecoder.ErrorDataDecoderException && err.getCause() instanceof java.io.IOException) {
      return new ApiException(413, "field_too_large", "a part other than file is at most " + FIELD_MAX
          + " bytes, and a form has at most " + io.vertx.core.http.HttpServerOptions.DEFAULT_MAX_FORM_FIELDS + " parts");
    }
    if (err instanceof HttpPostRequestDecoder.ErrorDataDecoderException) {
      return ApiException.badRequest("bad_request", "the multipart body is malformed");
    }
    return err;
  }

  /**
   * The file part as the store reads it, with its end held until the request's: a refusal of
   * anything after the file (a second file, a body past its bound) then fails the put, so nothing
   * is kept. Once abandoned, the rest of the part is read and dropped.
   */
  private static final class Gate implements ReadStream<Buffer> {
    private final ReadStream<Buffer> part;
    private Handler<Buffer> data;
    private Handler<Void> end;
    private Handler<Throwable> error;
    private boolean partEnded;
    private boolean requestEnded;
    private boolean abandoned;
    private boolean ended;

    Gate(ReadStream<Buffer> part) {
      this.part = part;
      part.handler(b -> {
        if (!abandoned && data != null) {
          data.handle(b);
        }
      });
      part.endHandler(v -> {
        partEnded = true;
        endWhenBoth();
      });
      part.exceptionHandler(this::abandon);
    }

    void requestEnded() {
      requestEnded = true;
      endWhenBoth();
    }

    void abandon(Throwable err) {
      if (abandoned) {
        return;
      }
      abandoned = true;
      part.resume();
      if (!ended && error != null) {
        error.handle(err);
      }
    }

    private void endWhenBoth() {
      if (partEnded && requestEnded && !abandoned && !ended) {
        ended = true;
        if (end != null) {
          end.handle(null);
        }
      }
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
      error = handler;
      return this;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
      data = handler;
      return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
      if (!abandoned) {
        part.pause();
      }
      return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
      part.resume();
      return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
      part.fetch(amount);
      return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> handler) {
      end = handler;
      return this;
    }
  }

  /** The file's name as the client gave it, without any path, bounded; null when none. */
  static String safeName(String name) {
    if (name == null) {
      return null;
    }
    String base = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1).replaceAll("[\\p{Cntrl}\"]", "").strip();
    return base.isEmpty() ? null : base.length() > 200 ? base.substring(0, 200) : base;
  }

  private void get(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    long id = Ids.parse(ctx.pathParam("id"), "media");
    found(ctx, store.find(p.accountId(), id));
  }

  private void link(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    long id = Ids.parse(ctx.pathParam("id"), "media");
    store.find(p.accountId(), id).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
      } else if (ar.result() == null) {
        ctx.fail(ApiException.notFound("media"));
      } else {
        long expires = clock.instant().getEpochSecond() + config.urlSeconds();
        ctx.json(new JsonObject().put("url", links.path(p.accountId(), id, expires))
            .put("expiresAt", Times.iso(Instant.ofEpochSecond(expires))));
      }
    });
  }

  private void signed(RoutingContext ctx) {
    Long id = Ids.tryParse(ctx.pathParam("id"));
    Long account = Ids.tryParse(ctx.queryParams().get("a"));
    Long expires = Ids.tryParse(ctx.queryParams().get("e"));
    if (id == null || account == null || expires == null
        || !links.valid(account, id, expires, ctx.queryParams().get("s"), clock.instant().getEpochSecond())) {
      ctx.fail(ApiException.forbidden("the media link is not valid or has expired; ask for a new one"));
      return;
    }
    found(ctx, store.find(account, id));
  }

  private void found(RoutingContext ctx, Future<MediaStore.Blob> blob) {
    blob.onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
      } else if (ar.result() == null) {
        ctx.fail(ApiException.notFound("media"));
      } else {
        serve(ctx, ar.result());
      }
    });
  }

  private void serve(RoutingContext ctx, MediaStore.Blob b) {
    HttpServerResponse res = ctx.response();
    String etag = "\"" + b.sha256() + "\"";
    res.putHeader(HttpHeaders.CONTENT_TYPE, MediaTypes.clean(b.mimeType()))
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader(HttpHeaders.CACHE_CONTROL, "private, max-age=" + config.urlSeconds())
        .putHeader(HttpHeaders.ETAG, etag)
        .putHeader(HttpHeaders.ACCEPT_RANGES, "bytes")
        // the bytes go as stored: never recompressed, so lengths and ranges are the file's
        .putHeader(HttpHeaders.CONTENT_ENCODING, HttpHeaders.IDENTITY)
        .putHeader("Content-Security-Policy", "sandbox; default-src 'none'")
        .putHeader("Content-Disposition", (MediaTypes.inline(b.mimeType()) ? "inline" : "attachment")
            + "; filename=\"media-" + b.id() + "\"");
    String match = ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH);
    if (match != null && (match.trim().equals("*") || match.contains(etag))) {
      res.setStatusCode(304).end();
      return;
    }
    long size = b.size();
    long from = 0;
    long to = size;
    String range = ctx.request().getHeader("Range");
    if (range != null) {
      Matcher m = RANGE.matcher(range.trim());
      if (m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty())) {
        if (m.group(1).isEmpty()) {
          long suffix = Long.parseLong(m.group(2));
          from = Math.max(0, size - suffix);
        } else {
          from = Long.parseLong(m.group(1));
          to = m.group(2).isEmpty() ? size : Math.min(size, Long.parseLong(m.group(2)) + 1);
        }
        if (from >= size || from >= to) {
          res.setStatusCode(416).putHeader("Content-Range", "bytes */" + size).end();
          return;
        }
        res.setStatusCode(206).putHeader("Content-Range", "bytes " + from + "-" + (to - 1) + "/" + size);
      }
      // several ranges, or a unit other than bytes: the whole file (a server may ignore Range)
    }
    res.putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(to - from));
    if (to == from) {
      res.end();
      return;
    }
    store.read(b, from, to, res).onComplete(ar -> {
      if (ar.succeeded()) {
        res.end();
      } else {
        // headers are gone already: cut the connection so the client sees a broken download, not a short file
        res.reset();
      }
    });
  }
}
