package dev.switchboard.window;

import dev.switchboard.conversation.Views;

/** The SQL of the window timer: its rebuild from PostgreSQL and the view it pushes. */
final class WindowSql {

  /** Conversations whose human-agent (longest) window may still be open, in id pages. */
  static final String OPEN_WINDOWS = """
      SELECT cv.id, cv.last_inbound_at, cv.ad_referral_at, ch.platform
        FROM conversations cv JOIN channels ch ON ch.id = cv.channel_id
       WHERE cv.last_inbound_at > $1 AND cv.id > $2
       ORDER BY cv.id LIMIT $3
      """;

  /** One conversation as the API shows it, for {@code conversation.window_changed}. */
  static final String CONVERSATION = Views.CONVERSATION_SELECT + " WHERE cv.id = $1";

  private WindowSql() {
  }
}
