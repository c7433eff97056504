package dev.switchboard.outbound;

import java.time.Clock;
import dev.switchboard.channel.GraphClient;
import dev.switchboard.channel.GraphErrors;
import dev.switchboard.channel.Sender;
import dev.switchboard.media.BufferSink;
import dev.switchboard.media.MediaLinks;
import dev.switchboard.media.MediaStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.multipart.MultipartForm;

/**
 * Gives the platform its copy of an agent's upload just before the send names it:
 * <ul>
 *   <li>WhatsApp: {@code POST /{phone-number-id}/media} (multipart: messaging_product, type,
 *       file); the message names the answered {@code id};</li>
 *   <li>Messenger: the attachment upload API, {@code POST /me/message_attachments} with the
 *       page token (multipart: {@code message} with the attachment's type and
 *       {@code is_reusable}, {@code filedata}); the message names the answered
 *       {@code attachment_id};</li>
 *   <li>Instagram, whose send API takes only a URL Meta downloads itself: a signed, expiring
 *       link to the file under {@code PUBLIC_URL} (the same links the inbox uses).</li>
 * </ul>
 * An upload holds the file in memory once; Meta's limits (100 MB WhatsApp, 25 MB Messenger)
 * bound it.
 */
final class MediaHandOff {

  /** The attachment as the send names it, or why the platform could not get the file. */
  record Ready(Sender.Attachment attachment, GraphErrors.GraphError error) {
  }

  private final GraphClient graph;
  private final MediaStore media;
  private final MediaLinks links;
  private final String publicUrl;
  private final int urlSeconds;
  private final Clock clock;

  MediaHandOff(GraphClient graph, MediaStore media, MediaLinks links, String publicUrl, int urlSeconds, Clock clock) {
    this.graph = graph;
    this.media = media;
    this.links = links;
    this.publicUrl = publicUrl;
    this.urlSeconds = urlSeconds;
    this.clock = clock;
  }

  Future<Ready> prepare(OutboxVerticle.Claim c, Sender.Attachment a) {
    return media.find(c.accountId(), Long.parseLong(a.mediaId())).compose(blob -> {
      if (blob == null) {
        return Future.succeededFuture(failed(GraphErrors.Kind.PERMANENT, "the attached media is no longer kept"));
      }
      return switch (c.platform()) {
        case "whatsapp" -> upload(blob, "/" + c.channelExternalId() + "/media", c.accessToken(), "id", bytes ->
            MultipartForm.create().attribute("messaging_product", "whatsapp").attribute("type", blob.mimeType())
                .binaryFileUpload("file", filename(a), bytes, blob.mimeType()))
            .map(up -> up.error() != null ? new Ready(null, up.error()) : new Ready(a.uploaded(up.id()), null));
        case "messenger" -> upload(blob, "/me/message_attachments", c.accessToken(), "attachment_id", bytes ->
            MultipartForm.create()
                .attribute("message", new JsonObject().put("attachment", new JsonObject().put("type", messengerType(a))
                    .put("payload", new JsonObject().put("is_reusable", true))).encode())
                .binaryFileUpload("filedata", filename(a), bytes, blob.mimeType()))
            .map(up -> up.error() != null ? new Ready(null, up.error()) : new Ready(a.uploaded(up.id()), null));
        default -> Future.succeededFuture(publicLink(c, a, blob));
      };
    });
  }

  /** The platform's id of an uploaded file, or why there is none. */
  private record Uploaded(String id, GraphErrors.GraphError error) {
  }

  private Future<Uploaded> upload(MediaStore.Blob blob, String path, String token, String idField,
                               java.util.function.Function<io.vertx.core.buffer.Buffer, MultipartForm> form) {
    return BufferSink.read(media, blob).compose(bytes -> graph.postForm(path, token, form.apply(bytes))).map(r -> {
      if (!r.ok()) {
        return new Uploaded(null, r.error());
      }
      String id = r.body() == null ? null : r.body().getString(idField);
      return id == null ? new Uploaded(null, failed(GraphErrors.Kind.RETRY, "media upload answered no " + idField).error())
          : new Uploaded(id, null);
    });
  }

  private Ready publicLink(OutboxVerticle.Claim c, Sender.Attachment a, MediaStore.Blob blob) {
    String base = publicUrl;
    if (base == null) {
      return failed(GraphErrors.Kind.PERMANENT, "Instagram downloads files from a public URL: set PUBLIC_URL");
    }
    long expires = clock.instant().getEpochSecond() + urlSeconds;
    String url = (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + links.path(c.accountId(), blob.id(), expires);
    return new Ready(new Sender.Attachment(url, a.mimeType(), a.filename(), a.mediaId(), null), null);
  }

  private static String messengerType(Sender.Attachment a) {
    String kind = a.kind();
    return "document".equals(kind) ? "file" : kind;
  }

  private static String filename(Sender.Attachment a) {
    return a.filename() == null ? "file" : a.filename();
  }

  private static Ready failed(GraphErrors.Kind kind, String message) {
    return new Ready(null, new GraphErrors.GraphError(kind, kind == GraphErrors.Kind.RETRY ? 200 : 0, null, null, message));
  }
}
