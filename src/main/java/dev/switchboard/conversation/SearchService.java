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
 * accent-insensitive substring of the display or platform name or the WhatsApp username, on the
 * pg_trgm indexes over {@code sb_fold(...)}; {@code @robin} searches the username "robin"), or a
 * platform user id (wa_id, BSUID, PSID, IGSID), or a WhatsApp parent BSUID. Answers conversations.
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
   * A parent BSUID ({@code US.ENT.…}): the conversations of every contact tied to it, one
   * account at a time, on the partial index contacts_parent_bsuid_idx (V35).
   */
  static final String BY_PARENT = """
      SELECT cv.id FROM contacts ct
       CROSS JOIN LATERAL (SELECT c.id, c.last_message_at FROM conversations c
                            WHERE c.contact_id = ct.id AND c.account_id = $1 OFFSET 0) cv
       WHERE ct.account_id = $1 AND ct.parent_bsuid = $2
       ORDER BY cv.last_message_at DESC, cv.id DESC
       LIMIT $3""";

  private static final java.util.regex.Pattern PARENT_BSUID = java.util.regex.Pattern.compile("[A-Za-z]{2}\\.ENT\\.[A-Za-z0-9]{1,128}");

  /**
   * A name substring or an exact platform id: a BitmapOr of the pg_trgm GIN index on
   * {@code search_name} (both names folded by sb_fold when written, V20) and the platform id index;
   * the query is folded by the same sb_fold. The matching contacts' ids are collected first
   * (an InitPlan) and their conversations read with one index-only scan of
   * conversations_contact_idx in key order, never by scanning every conversation of the account
   * (a common surname, ~1,200 contacts: 7.5 ms, against 10 ms for a nested loop per contact). The
   * pattern is folded once, in its own InitPlan: in a generic plan {@code sb_fold($2)} is not a
   * constant, and PostgreSQL ran unaccent again for every candidate row it rechecked (7.3 -> 5.5 ms).
   */
  static final String BY_NAME = """
      SELECT c.id FROM conversations c
       WHERE c.contact_id = ANY(ARRAY(
               SELECT ct.id FROM contacts ct
                WHERE ct.account_id = $1
                  AND (ct.search_name LIKE (SELECT '%' || sb_fold($2) || '%') OR ct.platform_user_id = $3)))
         AND c.account_id = $1
       ORDER BY c.last_message_at DESC, c.id DESC
       LIMIT $4""";

  /**
   * A name query pg_trgm cannot index ("jo", "a b", "%"): no run of three letters or digits, so no
   * trigram to look up, and the GIN index would hand back every contact (2.8 s for a one-letter
   * query at a million contacts). Such a query is matched against the most recent
   * {@code SEARCH_SHORT_WINDOW} (2,000) conversations instead, newest first, stopping at the page's
   * end: a short query matches often, so it usually stops early; at worst it reads the window
   * (a query matching nothing: 23 ms p95 with a window of 5,000 at a million conversations, so 2,000).
   */
  static final String BY_SHORT_NAME = """
      SELECT r.id FROM (
             SELECT c.id, c.contact_id, c.last_message_at FROM conversations c
              WHERE c.account_id = $1
              ORDER BY c.last_message_at DESC, c.id DESC
              LIMIT $5) r
       WHERE EXISTS (SELECT 1 FROM contacts ct
                      WHERE ct.id = r.contact_id
                        AND (ct.search_name LIKE (SELECT '%' || sb_fold($2) || '%') OR ct.platform_user_id = $3)
                      OFFSET 0)
       ORDER BY r.last_message_at DESC, r.id DESC
       LIMIT $4""";

  private static final java.util.regex.Pattern TRIGRAM = java.util.regex.Pattern.compile("[\\p{L}\\p{N}]{3}");

  private final Services s;

  public SearchService(Services s) {
    this.s = s;
  }

  /** {@code {items: [conversation], kind: phone|name|parentUserId}}. */
  public Future<JsonObject> search(long accountId, long reader, String rawQuery, int limit) {
    String q = rawQuery == null ? "" : rawQuery.trim();
    if (q.isEmpty()) {
      return Future.failedFuture(ApiException.badRequest("missing_field", "q is required"));
    }
    if (q.length() > 200) {
      return Future.failedFuture(ApiException.badRequest("invalid_field", "q must be at most 200 characters"));
    }
    String kind;
    Future<List<Long>> ids;
    // "@robin" is how a username is written: the name search looks for "robin"
    String name = q.length() > 1 && q.startsWith("@") ? q.substring(1) : q;
    if (Phones.looksLikePhone(q)) {
      kind = "phone";
      String digits = q.replaceAll("\\D", "");
      if (q.startsWith("00") && digits.length() > 2) {
        digits = digits.substring(2);
      }
      String[] phones = {digits, "+" + digits};
      ids = ids(BY_DIGITS, Tuple.of(accountId, phones, digits, limit));
    } else if (PARENT_BSUID.matcher(q).matches()) {
      kind = "parentUserId";
      ids = ids(BY_PARENT, Tuple.of(accountId, q, limit));
    } else if (TRIGRAM.matcher(name).find()) {
      kind = "name";
      ids = ids(BY_NAME, Tuple.of(accountId, likeEscape(name), q, limit));
    } else {
      kind = "name";
      int window = s.config().intOr("SEARCH_SHORT_WINDOW", 2_000);
      ids = ids(BY_SHORT_NAME, Tuple.of(accountId, likeEscape(name), q, limit, window));
    }
    return ids.compose(list -> new ConversationService(s).views(list, reader))
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
