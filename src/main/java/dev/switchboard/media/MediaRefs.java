package dev.switchboard.media;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

/**
 * Which message attachments name which kept blob ({@code media_refs}), written in the
 * transaction that names it (a download made ready, a reply queued with an upload). Each
 * reference also marks the blob used now, which is what {@code MEDIA_RETENTION_DAYS} counts from.
 */
public final class MediaRefs {

  private MediaRefs() {
  }

  /** Whether any of the attachments names kept media. */
  public static boolean namesKept(JsonArray attachments) {
    for (int i = 0; i < attachments.size(); i++) {
      if (attachments.getValue(i) instanceof JsonObject a && a.getString("mediaId") != null) {
        return true;
      }
    }
    return false;
  }

  /** Records the message's references to the account's kept blobs and marks those blobs used. */
  public static Future<Void> record(SqlConnection tx, long messageId) {
    return tx.preparedQuery(MediaSql.RECORD_REFS).execute(Tuple.of(messageId)).mapEmpty();
  }
}
