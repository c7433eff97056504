package dev.switchboard.conversation;

import dev.switchboard.config.Config;
import dev.switchboard.common.Phones;
import dev.switchboard.common.ApiException;
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

  private static final java.util.regex.Pattern PARENT_BSUID = java.util.regex.Pattern.compile("[A-Za-z]{2}\\.ENT\\.[A-Za-z0-9]{1,128}");

  private static final java.util.regex.Pattern TRIGRAM = java.util.regex.Pattern.compile("[\\p{L}\\p{N}]{3}");

  private final Transactions tx;
  private final Config.Inbox config;
  private final ConversationService conversations;

  public SearchService(Transactions tx, Config.Inbox config) {
    this.tx = tx;
    this.config = config;
    this.conversations = new ConversationService(tx, config);
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
      ids = ids(SearchSql.BY_DIGITS, Tuple.of(accountId, phones, digits, limit));
    } else if (PARENT_BSUID.matcher(q).matches()) {
      kind = "parentUserId";
      ids = ids(SearchSql.BY_PARENT, Tuple.of(accountId, q, limit));
    } else if (TRIGRAM.matcher(name).find()) {
      kind = "name";
      ids = ids(SearchSql.BY_NAME, Tuple.of(accountId, likeEscape(name), q, limit));
    } else {
      kind = "name";
      int window = config.searchShortWindow();
      ids = ids(SearchSql.BY_SHORT_NAME, Tuple.of(accountId, likeEscape(name), q, limit, window));
    }
    return ids.compose(list -> conversations.views(list, reader))
        .map(items -> new JsonObject().put("items", new JsonArray(items)).put("kind", kind));
  }

  private Future<List<Long>> ids(String sql, Tuple args) {
    return tx.pool().preparedQuery(sql).execute(args).map(rows -> {
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
