package dev.switchboard.conversation;

import dev.switchboard.common.ApiException;
import dev.switchboard.common.Services;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/**
 * The inbox search box: a phone number with its country code (any formatting), a name (case- and
 * accent-insensitive substring of the display or platform name, on the pg_trgm indexes over
 * {@code sb_fold(...)}), or a platform user id (wa_id, PSID, IGSID). Answers conversations.
 */
public final class SearchService {

  /**
   * Digits: the phone as stored by us (digits) or by the processor (with or without '+'), or the
   * platform id, which for every platform is digits too. Each arm has its own b-tree index.
   */
  static final String BY_DIGITS = """
      SELECT cv.id FROM (
             SELECT ct.id FROM contacts ct WHERE ct.account_id = $1 AND ct.phone = ANY($2)
             UNION
             SELECT ct.id FROM contacts ct WHERE ct.account_id = $1 AND ct.platform_user_id = $3) m
       CROSS JOIN LATERAL (SELECT c.id, c.last_message_at FROM conversations c
                            WHERE c.contact_id = m.id AND c.account_id = $1 OFFSET 0) cv
       ORDER BY cv.last_message_at DESC, cv.id DESC
       LIMIT $4""";

  /**
   * A name substring (both names and the query folded by the same sb_fold) or an exact platform
   * id: a BitmapOr of the two pg_trgm GIN indexes and the platform id index. Each matching contact's
   * conversation is then looked up by contact (OFFSET 0 keeps that a nested loop, never a scan of
   * every conversation of the account).
   */
  static final String BY_NAME = """
      SELECT cv.id FROM (
             SELECT ct.id FROM contacts ct
              WHERE ct.account_id = $1
                AND (sb_fold(ct.display_name) LIKE '%' || sb_fold($2) || '%'
                     OR sb_fold(ct.platform_name) LIKE '%' || sb_fold($2) || '%'
                     OR ct.platform_user_id = $3)) m
       CROSS JOIN LATERAL (SELECT c.id, c.last_message_at FROM conversations c
                            WHERE c.contact_id = m.id AND c.account_id = $1 OFFSET 0) cv
       ORDER BY cv.last_message_at DESC, cv.id DESC
       LIMIT $4""";

  private final Services s;

  public SearchService(Services s) {
    this.s = s;
  }

  /** {@code {items: [conversation], kind: phone|name}}. */
  public Future<JsonObject> search(long accountId, String rawQuery, int limit) {
    String q = rawQuery == null ? "" : rawQuery.trim();
    if (q.isEmpty()) {
      return Future.failedFuture(ApiException.badRequest("missing_field", "q is required"));
    }
    if (q.length() > 200) {
      return Future.failedFuture(ApiException.badRequest("invalid_field", "q must be at most 200 characters"));
    }
    String kind;
    Future<List<Long>> ids;
    if (Phones.looksLikePhone(q)) {
      kind = "phone";
      String digits = q.replaceAll("\\D", "");
      if (q.startsWith("00") && digits.length() > 2) {
        digits = digits.substring(2);
      }
      String[] phones = {digits, "+" + digits};
      ids = ids(BY_DIGITS, Tuple.of(accountId, phones, digits, limit));
    } else {
      kind = "name";
      ids = ids(BY_NAME, Tuple.of(accountId, likeEscape(q), q, limit));
    }
    return ids.compose(list -> new ConversationService(s).views(list))
        .map(items -> new JsonObject().put("items", new JsonArray(items)).put("kind", kind));
  }

  private Future<List<Long>> ids(String sql, Tuple args) {
    return s.pool().preparedQuery(sql).execute(args).map(rows -> {
      List<Long> out = new ArrayList<>();
      for (Row r : rows) {
        out.add(r.getLong("id"));
      }
      return out;
    });
  }

  /** LIKE treats % and _ as wildcards and \ as the escape; a name may contain any of them. */
  static String likeEscape(String s) {
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
  }
}
