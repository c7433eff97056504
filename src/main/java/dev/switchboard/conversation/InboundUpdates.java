package dev.switchboard.conversation;

import dev.switchboard.channel.FailureReasons;
import dev.switchboard.channel.PlatformEvent;
import dev.switchboard.common.Times;
import dev.switchboard.conversation.InboundRows.AdReferralRow;
import dev.switchboard.conversation.InboundRows.At;
import dev.switchboard.conversation.InboundRows.Ctx;
import dev.switchboard.conversation.InboundRows.Dead;
import dev.switchboard.conversation.InboundRows.DeletionRow;
import dev.switchboard.conversation.InboundRows.Early;
import dev.switchboard.conversation.InboundRows.StatusRow;
import dev.switchboard.conversation.InboundRows.UnreactRow;
import dev.switchboard.conversation.InboundRows.WatermarkRow;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.switchboard.conversation.InboundPlan.key;
import static dev.switchboard.conversation.InboundPlan.later;

/**
 * The part of {@link InboundPlan} that updates what already exists: delivery statuses of our
 * messages (one winner per message under {@link MessageStatus}), watermarks, deletions, taken-back
 * reactions and ad referrals. Pure, like the rest of the plan.
 */
final class InboundUpdates {

  private InboundUpdates() {
  }

  /** Per message, the one status of the batch that wins under {@link MessageStatus}; pricing from any of its statuses. */
  static List<StatusRow> statusRows(List<At<PlatformEvent.Status>> statuses) {
    Map<String, Integer> best = new LinkedHashMap<>();
    Map<String, JsonObject> pricing = new HashMap<>();
    for (int i = 0; i < statuses.size(); i++) {
      At<PlatformEvent.Status> s = statuses.get(i);
      String k = key(s.ctx().channel().id(), s.event().externalId());
      Integer cur = best.get(k);
      if (cur == null || MessageStatus.moves(statuses.get(cur).event().status(), s.event().status())) {
        best.put(k, i);
      }
      if (s.event().pricing() != null) {
        // the last pricing seen: the winning status may carry none
        pricing.put(k, s.event().pricing());
      }
    }
    List<StatusRow> rows = new ArrayList<>(best.size());
    best.forEach((k, i) -> {
      At<PlatformEvent.Status> at = statuses.get(i);
      PlatformEvent.Status s = at.event();
      JsonObject price = s.pricing() != null ? s.pricing() : pricing.get(k);
      rows.add(new StatusRow(at.ctx().channel().id(), s.externalId(), s.status(), s.errorCode(),
          FailureReasons.describe(s.errorCode(), s.errorMessage()), price == null ? null : price.encode(), at));
    });
    return rows;
  }

  /** Statuses for messages no row has: what of them is kept. */
  record Unmatched(List<Early> early, List<Dead> dead) {
  }

  /**
   * Statuses of messages the database does not know ({@code unknown}: {@link #key}s): on WhatsApp
   * most likely one of our sends whose wamid is not recorded yet, which the send applies when it
   * is; elsewhere a dead letter.
   */
  static Unmatched unmatched(List<StatusRow> rows, Set<String> unknown) {
    Unmatched out = new Unmatched(new ArrayList<>(), new ArrayList<>());
    for (StatusRow row : rows) {
      if (!unknown.contains(key(row.channelId(), row.externalId()))) {
        continue;
      }
      Ctx c = row.source().ctx();
      PlatformEvent.Status s = row.source().event();
      JsonObject payload = new JsonObject().put("id", s.externalId()).put("status", s.status())
          .put("timestamp", Times.iso(s.timestamp())).put("errorCode", s.errorCode())
          .put("errorMessage", FailureReasons.describe(s.errorCode(), s.errorMessage()))
          .put("pricing", s.pricing());
      if (c.channel().platform().equals("whatsapp")) {
        out.early().add(new Early(c.raw().id(), c.channel().id(), s.externalId(), payload));
      } else {
        out.dead().add(new Dead(c.raw().id(), c.raw().platform(), null,
            "status '" + s.status() + "' for an unknown message " + s.externalId(), payload));
      }
    }
    return out;
  }

  /** Per customer thread, the newest delivery and the newest read watermark of the batch. */
  static List<WatermarkRow> watermarkRows(List<At<PlatformEvent.Watermark>> watermarks) {
    Map<String, WatermarkRow> byKey = new LinkedHashMap<>();
    for (At<PlatformEvent.Watermark> at : watermarks) {
      PlatformEvent.Watermark w = at.event();
      long ch = at.ctx().channel().id();
      boolean read = "read".equals(w.level());
      byKey.merge(key(ch, w.customerId()),
          new WatermarkRow(ch, w.customerId(), read ? null : Times.utc(w.watermark()), read ? Times.utc(w.watermark()) : null),
          (cur, next) -> new WatermarkRow(ch, w.customerId(), later(cur.delivered(), next.delivered()), later(cur.read(), next.read())));
    }
    return new ArrayList<>(byKey.values());
  }

  static List<DeletionRow> deletionRows(List<At<PlatformEvent.Deletion>> deletions) {
    return deletions.stream().map(d -> new DeletionRow(d.ctx().channel().id(), d.event().externalId())).toList();
  }

  static List<UnreactRow> unreactRows(List<At<PlatformEvent.Unreact>> unreacts) {
    return unreacts.stream().map(u -> new UnreactRow(u.ctx().channel().id(), u.event().customerId(), u.event().reactedId())).toList();
  }

  /** Threads begun from an ad remember when (the window policy gives them 7 days), never later than received. */
  static List<AdReferralRow> adReferralRows(List<At<PlatformEvent.AdReferral>> referrals) {
    return referrals.stream().map(a -> new AdReferralRow(a.ctx().channel().id(), a.event().customerId(),
        Times.utc(a.ctx().notAfterReceipt(a.event().at())))).toList();
  }
}
