-- The conversation list and the search at a million conversations (issue 3, bench/inbox).
--
-- 1. The list indexes carry channel_id and contact_id. A platform filter (channel_id), a label
--    probe (contact_id) and a capped tab count are then answered from the index alone: walking
--    30,000 index entries for a platform-filtered tab count no longer visits 30,000 heap rows
--    (64 ms -> 6 ms), and status + platform + label lists stop fetching a heap row per entry
--    walked (18 ms -> 9 ms). A separate (account_id, status, channel_id) index was tried first:
--    it made the counts fast but the planner then chose it for the combined list, which it cannot
--    serve in order (150 ms); covering the existing indexes gives both queries the same, right plan.
CREATE INDEX conversations_list_cover ON conversations (account_id, last_message_at DESC, id DESC) INCLUDE (channel_id, contact_id);
DROP INDEX conversations_list_idx;
ALTER INDEX conversations_list_cover RENAME TO conversations_list_idx;

CREATE INDEX conversations_status_list_cover ON conversations (account_id, status, last_message_at DESC, id DESC) INCLUDE (channel_id, contact_id);
DROP INDEX conversations_status_list_idx;
ALTER INDEX conversations_status_list_cover RENAME TO conversations_status_list_idx;

-- 2. Search and label filters find contacts first, then each one's conversation by contact_id:
--    with every column the list sorts on and a filter or a tab count reads in the index, that
--    lookup is index-only, and so is reading a label's contacts. (A label's 10,000 contacts
--    counted by status: 26 ms with a heap visit each, half that index-only.)
CREATE INDEX conversations_contact_cover ON conversations (contact_id)
  INCLUDE (account_id, last_message_at, id, status, channel_id, assignee_type, assignee_id);
DROP INDEX conversations_contact_idx;
ALTER INDEX conversations_contact_cover RENAME TO conversations_contact_idx;

CREATE INDEX contact_labels_account_name_cover ON contact_labels (account_id, name, contact_id);
DROP INDEX contact_labels_account_name_idx;
ALTER INDEX contact_labels_account_name_cover RENAME TO contact_labels_account_name_idx;

-- 3. Name search: both names folded once, at write time, into one column with one trigram index.
--    pg_trgm's LIKE always rechecks the row; rechecking sb_fold() (unaccent) of two columns per
--    candidate was most of a name search's time (a common surname: ~1,200 candidates). The
--    newline keeps a match from spanning the two names (the search box cannot send one).
ALTER TABLE contacts ADD COLUMN search_name text
  GENERATED ALWAYS AS (sb_fold(display_name) || E'\n' || sb_fold(platform_name)) STORED;
CREATE INDEX contacts_search_name_trgm ON contacts USING gin (search_name gin_trgm_ops);
DROP INDEX contacts_display_trgm;
DROP INDEX contacts_platform_name_trgm;

-- 4. No parallel plans on the inbox's tables. Their queries are short and run many at a time;
--    on a small machine a Gather's worker start-up cost more than the scan it split (a capped
--    tab count: 33 ms parallel, 6.5 ms serial on two cores). Exports use cursors, never parallel.
ALTER TABLE conversations SET (parallel_workers = 0);
ALTER TABLE contacts SET (parallel_workers = 0);
ALTER TABLE contact_labels SET (parallel_workers = 0);
