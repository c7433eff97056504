package dev.switchboard.media;

import java.time.Clock;
import dev.switchboard.config.Config;
import dev.switchboard.common.ApiException;
import dev.switchboard.common.Ids;
import dev.switchboard.common.Principal;
import dev.switchboard.common.Times;
import dev.switchboard.http.StreamSlots;
import io.vertx.core.Future;
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
    // the body stays paused while the upload waits for a slot: nothing is read or held meanwhile
    streams.acquire(p.accountId()).onComplete(slot -> {
      if (slot.failed()) {
        ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
        ctx.fail(slot.cause());
        return;
      }
      ctx.addEndHandler(v -> slot.result().release());
      receive(ctx, p, platform, slot.result());
    });
  }

  private void receive(RoutingContext ctx, Principal p, String platform, StreamSlots.Slot slot) {
    long maxBytes = config.maxBytes();
    long cap = MediaLimits.largest(platform, maxBytes);
    var req = ctx.request();
    watchIdle(ctx);
    boolean[] started = {false};
    req.setExpectMultipart(true);
    req.uploadHandler(part -> {
      if (started[0] || !"file".equals(part.name())) {
        // one file per request; other parts are read and dropped
        part.handler(b -> { });
        return;
      }
      started[0] = true;
      store.put(p.accountId(), part, null, cap, null, (mime, size) -> MediaLimits.check(platform, mime, size, maxBytes))
          .onComplete(ar -> {
            // the blob's transaction has ended, committed or rolled back: its connection is back in the pool
            slot.release();
            if (ctx.response().ended() || ctx.failed()) {
              return;
            }
            if (ar.succeeded()) {
              MediaStore.Blob b = ar.result();
              ctx.response().setStatusCode(201);
              ctx.json(new JsonObject().put("id", String.valueOf(b.id())).put("mimeType", b.mimeType()).put("size", b.size())
                  .put("sha256", b.sha256()).put("filename", safeName(part.filename())));
            } else if (ar.cause() instanceof MediaException e) {
              // the rest of an oversized body is not read: the connection closes after the answer
              ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
              ctx.fail("too_large".equals(e.code())
                  ? ApiException.unprocessable("media_too_large", MediaLimits.tooLarge(platform, null, cap).getMessage())
                  : ApiException.unprocessable(e.code(), e.getMessage()));
            } else {
              ctx.fail(ar.cause());
            }
          });
    });
    req.endHandler(v -> {
      if (!started[0] && !ctx.response().ended()) {
        ctx.fail(ApiException.badRequest("bad_request", "no file: send it in a multipart part named file"));
      }
    });
    req.exceptionHandler(err -> {
      if (!ctx.response().ended() && !ctx.failed()) {
        ctx.fail(err);
      }
    });
    req.resume();
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
