-- EXPLAIN of the inbox's main queries on the seeded database (run by run.sh).
-- Prepared statements with a forced generic plan, as the node runs them ($n parameters).
SET plan_cache_mode = force_generic_plan;

\echo '== list, status=all (conversations_list_idx)'
PREPARE l_all(bigint) AS SELECT cv.id, cv.last_message_at FROM conversations cv WHERE cv.account_id = $1 ORDER BY cv.last_message_at DESC, cv.id DESC LIMIT 51;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE l_all(:account);

\echo '== list, status=open (conversations_status_list_idx)'
PREPARE l_status(bigint, text) AS SELECT cv.id, cv.last_message_at FROM conversations cv WHERE cv.account_id = $1 AND cv.status = $2 ORDER BY cv.last_message_at DESC, cv.id DESC LIMIT 51;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE l_status(:account, 'open');

\echo '== list, label=rare'
PREPARE l_label(bigint, text) AS SELECT cv.id, cv.last_message_at FROM conversations cv WHERE cv.account_id = $1
  AND EXISTS (SELECT 1 FROM contact_labels l WHERE l.contact_id = cv.contact_id AND l.name = $2) ORDER BY cv.last_message_at DESC, cv.id DESC LIMIT 51;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE l_label(:account, 'rare');

\echo '== list, channelId'
PREPARE l_channel(bigint, bigint) AS SELECT cv.id, cv.last_message_at FROM conversations cv WHERE cv.account_id = $1 AND cv.channel_id = $2 ORDER BY cv.last_message_at DESC, cv.id DESC LIMIT 51;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE l_channel(:account, :channel);

\echo '== search by name (pg_trgm GIN on sb_fold)'
PREPARE s_name(bigint, text, text, int) AS
SELECT cv.id FROM conversations cv
 WHERE cv.account_id = $1 AND cv.contact_id IN (
       SELECT ct.id FROM contacts ct
        WHERE ct.account_id = $1
          AND (sb_fold(ct.display_name) LIKE '%' || sb_fold($2) || '%'
               OR sb_fold(ct.platform_name) LIKE '%' || sb_fold($2) || '%'
               OR ct.platform_user_id = $3))
 ORDER BY cv.last_message_at DESC, cv.id DESC LIMIT $4;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE s_name(:account, :'name', :'name', 50);

\echo '== search by phone digits'
PREPARE s_phone(bigint, text[], text, int) AS
SELECT cv.id FROM conversations cv
 WHERE cv.account_id = $1 AND cv.contact_id IN (
       SELECT ct.id FROM contacts ct WHERE ct.account_id = $1 AND ct.phone = ANY($2)
       UNION
       SELECT ct.id FROM contacts ct WHERE ct.account_id = $1 AND ct.platform_user_id = $3)
 ORDER BY cv.last_message_at DESC, cv.id DESC LIMIT $4;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE s_phone(:account, ARRAY[:'phone', '+' || :'phone'], :'phone', 50);
