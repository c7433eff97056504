package dev.switchboard.conversation;

import dev.switchboard.common.ApiException;
import dev.switchboard.common.Ids;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The conversation list's filters ({@code GET /conversations} in docs/openapi.yaml), shared by the list, the
 * tab counts and the CSV export. Turned into a WHERE clause whose parameters start at {@code $1 = account}.
 */
public record ConversationFilter(String status, String platform, Long channelId, Long assigneeId, Long teamId, String label,
                                 Duration expiringWithin, Instant now) {

  public static final Set<String> STATUSES = Set.of("open", "assigned", "closed");
  /** The list's tabs: the statuses, and the snoozed conversations (which leave Open and Assigned while snoozed). */
  public static final Set<String> TABS = Set.of("open", "assigned", "closed", "snoozed");
  /** The longest {@code expiringWithin}: no reply window is longer. */
  public static final Duration EXPIRING_MAX = Duration.ofDays(30);

  public ConversationFilter(String status, String platform, Long channelId, Long assigneeId, Long teamId, String label) {
    this(status, platform, channelId, assigneeId, teamId, label, null, null);
  }
  public static final Set<String> PLATFORMS = Set.of("whatsapp", "messenger", "instagram");

  public static ConversationFilter all() {
    return new ConversationFilter("all", null, null, null, null, null, null, null);
  }

  /** From query parameters; a malformed value answers 400 naming the parameter. */
  public static ConversationFilter fromQuery(MultiMap params) {
    return parse(params::get);
  }

  /** From an export body; the same names as the list's query parameters. */
  public static ConversationFilter fromJson(JsonObject body) {
    return parse(name -> {
      Object v = body.getValue(name);
      if (v == null) {
        return null;
      }
      if (!(v instanceof String) && !(v instanceof Number)) {
        throw ApiException.badRequest("invalid_field", name + " must be a string");
      }
      return v.toString();
    });
  }

  private static ConversationFilter parse(Function<String, String> get) {
    String status = blankToNull(get.apply("status"));
    if (status == null) {
      status = "all";
    }
    status = status.toLowerCase();
    if (!"all".equals(status) && !TABS.contains(status)) {
      throw ApiException.badRequest("invalid_field", "status must be one of open, assigned, closed, snoozed, all");
    }
    String platform = blankToNull(get.apply("platform"));
    if (platform != null) {
      platform = platform.toLowerCase();
      if (!PLATFORMS.contains(platform)) {
        throw ApiException.badRequest("invalid_field", "platform must be one of whatsapp, messenger, instagram");
      }
    }
    return new ConversationFilter(status, platform,
        id(get, "channelId"), id(get, "assigneeId"), id(get, "teamId"), blankToNull(get.apply("label")),
        expiring(blankToNull(get.apply("expiringWithin"))), null);
  }

  /** An ISO-8601 duration, more than zero and at most EXPIRING_MAX; anything else answers 400 naming it. */
  static Duration expiring(String raw) {
    if (raw == null) {
      return null;
    }
    Duration d;
    try {
      d = raw.length() > 32 ? null : Duration.parse(raw);
    } catch (RuntimeException e) {
      d = null;
    }
    if (d == null || d.isNegative() || d.isZero() || d.compareTo(EXPIRING_MAX) > 0) {
      throw ApiException.badRequest("invalid_field", "expiringWithin must be an ISO-8601 duration above zero and at most P30D, like PT1H");
    }
    return d;
  }

  private static Long id(Function<String, String> get, String name) {
    String raw = blankToNull(get.apply(name));
    return raw == null ? null : Ids.parseField(raw.trim(), name);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }

  public ConversationFilter withStatus(String s) {
    return new ConversationFilter(s, platform, channelId, assigneeId, teamId, label, expiringWithin, now);
  }

  /** The same filter with the moment {@code expiringWithin} and sort=window count from (the node's clock). */
  public ConversationFilter at(Instant t) {
    return new ConversationFilter(status, platform, channelId, assigneeId, teamId, label, expiringWithin, t);
  }

  /**
   * How the label filter is written. The planner cannot tell a rare label from a common one in a
   * generic plan, so the list picks the shape itself (see ConversationService.list).
   */
  public enum LabelMode {
    /** A semi-join: right for counting and exporting, which read every match anyway. */
    SEMI_JOIN,
    /** A per-row probe while walking the list index newest first: right for a common label. */
    PROBE_PER_ROW,
    /** Left to the caller, which starts from the label's contacts: right for a rare label. */
    IN_FROM
  }

  /** A WHERE clause (without the keyword) on alias {@code cv} and its arguments; {@code $1} is the account. */
  public Where where(long accountId, boolean withStatus) {
    return where(accountId, withStatus, LabelMode.SEMI_JOIN);
  }

  public Where where(long accountId, boolean withStatus, LabelMode labelMode) {
    Where w = new Where(new StringBuilder("cv.account_id = $1"), new ArrayList<>(List.of(accountId)));
    if (withStatus && "snoozed".equals(status)) {
      w.and("cv.snoozed_until IS NOT NULL");
    } else if (withStatus && ("open".equals(status) || "assigned".equals(status))) {
      // a snoozed conversation keeps its status but leaves these tabs until it wakes
      w.and("cv.status = $? AND cv.snoozed_until IS NULL", status);
    } else if (withStatus && !"all".equals(status)) {
      w.and("cv.status = $?", status);
    }
    if (expiringWithin != null) {
      // still answerable, and no longer than that (conversations that need no reply have no deadline)
      OffsetDateTime from = (now == null ? Instant.now() : now).atOffset(ZoneOffset.UTC);
      w.and("cv.reply_deadline > $? AND cv.reply_deadline <= $?", from, from.plus(expiringWithin));
    }
    if (platform != null) {
      // ANY(ARRAY(...)): the platform's channel ids are read once (an InitPlan) and checked as a
      // filter on the covering list index's channel_id, instead of a join per row (V20)
      w.and("cv.channel_id = ANY(ARRAY(SELECT ch.id FROM channels ch WHERE ch.account_id = $1 AND ch.platform = $?))", platform);
    }
    if (channelId != null) {
      w.and("cv.channel_id = $?", channelId);
    }
    if (assigneeId != null) {
      w.and("cv.assignee_type = 'agent' AND cv.assignee_id = $?", assigneeId);
    }
    if (teamId != null) {
      w.and("cv.assignee_type = 'team' AND cv.assignee_id = $?", teamId);
    }
    if (label != null && labelMode == LabelMode.SEMI_JOIN) {
      w.and("EXISTS (SELECT 1 FROM contact_labels l WHERE l.contact_id = cv.contact_id AND l.name = $?)", label);
    } else if (label != null && labelMode == LabelMode.PROBE_PER_ROW) {
      // OFFSET 0 keeps the sublink a per-row probe (PostgreSQL does not turn it into a join)
      w.and("EXISTS (SELECT 1 FROM contact_labels l WHERE l.contact_id = cv.contact_id AND l.name = $? OFFSET 0)", label);
    }
    return w;
  }

  /** A growing WHERE clause; {@code $?} in a condition becomes the next parameter number. */
  public record Where(StringBuilder sql, List<Object> args) {
    public Where and(String condition, Object... values) {
      String c = condition;
      for (Object v : values) {
        args.add(v);
        c = c.replaceFirst("\\$\\?", "\\$" + args.size());
      }
      sql.append(" AND ").append(c);
      return this;
    }

    public int next() {
      return args.size() + 1;
    }
  }
}
