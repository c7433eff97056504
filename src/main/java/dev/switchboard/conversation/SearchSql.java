package dev.switchboard.conversation;

/** The SQL of conversation search: by phone digits, by parent id, by name (trigram or short). */
final class SearchSql {

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

  /**
   * A name substring or an exact platform id: a BitmapOr of the pg_trgm GIN index on
   * {@code search_name} (both names folded by sb_fold when written, V20) and the platform id index;
   * the query is folded by the same sb_fold. The matching contacts' ids are collected first
   * (an InitPlan) and their conversations read with one index-only scan of
   * conversations_contact_idx in key order, never by scanning every conversation of the account
   * (cheaper than a nested loop per contact for a common surname). The pattern is folded once, in
   * its own InitPlan: in a generic plan {@code sb_fold($2)} is not a constant, and PostgreSQL would
   * run unaccent again for every candidate row it rechecks.
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
   * trigram to look up, and the GIN index would hand back every contact (seconds at a million
   * contacts). Such a query is matched against the most recent {@code SEARCH_SHORT_WINDOW}
   * conversations instead, newest first, stopping at the page's end: a short query matches often,
   * so it usually stops early; at worst it reads the window (docs/inbox-bench.md has the figures).
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

  private SearchSql() {
  }
}
