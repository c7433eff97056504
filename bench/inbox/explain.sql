-- EXPLAIN of the inbox's main queries on the seeded database (run by run.sh).
-- Prepared statements with a forced generic plan, as the node runs them ($n parameters).
SET plan_cache_mode = force_generic_plan;

\echo '== list, status=all (conversations_list_idx)'
PREPARE l_all(bigint) AS SELECT cv.id, cv.last_message_at FROM conversations cv WHERE cv.account_id = $1 ORDER BY cv.last_message_at DESC, cv.id DESC LIMIT 51;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE l_all(:account);

\echo '== list, status=open (conversations_status_list_idx)'
PREPARE l_status(bigint, text) AS SELECT cv.id, cv.last_message_at FROM conversations cv WHERE cv.account_id = $1 AND cv.status = $2 ORDER BY cv.last_message_at DESC, cv.id DESC LIMIT 51;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE l_status(:account, 'open');

\echo '== list, label=rare (fewer than LABEL_PROBE_MAX contacts: start from the label)'
PREPARE l_rare(bigint, text) AS SELECT cv.id, cv.last_message_at
  FROM (SELECT l.contact_id FROM contact_labels l WHERE l.account_id = $1 AND l.name = $2) lc
 CROSS JOIN LATERAL (SELECT c.* FROM conversations c WHERE c.contact_id = lc.contact_id OFFSET 0) cv
 WHERE cv.account_id = $1 ORDER BY cv.last_message_at DESC, cv.id DESC LIMIT 51;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE l_rare(:account, 'rare');

\echo '== list, label=vip (common: walk the list index, probe each row)'
PREPARE l_vip(bigint, text) AS SELECT cv.id, cv.last_message_at FROM conversations cv WHERE cv.account_id = $1
  AND EXISTS (SELECT 1 FROM contact_labels l WHERE l.contact_id = cv.contact_id AND l.name = $2 OFFSET 0) ORDER BY cv.last_message_at DESC, cv.id DESC LIMIT 51;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE l_vip(:account, 'vip');

\echo '== list, platform=instagram (channel ids of the platform)'
PREPARE l_platform(bigint, text) AS SELECT cv.id, cv.last_message_at FROM conversations cv WHERE cv.account_id = $1
  AND cv.channel_id = ANY(ARRAY(SELECT ch.id FROM channels ch WHERE ch.account_id = $1 AND ch.platform = $2)) ORDER BY cv.last_message_at DESC, cv.id DESC LIMIT 51;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE l_platform(:account, 'instagram');

\echo '== list, status=open & platform=messenger & label=vip (index-only walk of the covering status index, label probed per row)'
PREPARE l_combined(bigint, text, text, text) AS SELECT cv.id, cv.last_message_at FROM conversations cv WHERE cv.account_id = $1 AND cv.status = $2
  AND cv.channel_id = ANY(ARRAY(SELECT ch.id FROM channels ch WHERE ch.account_id = $1 AND ch.platform = $3))
  AND EXISTS (SELECT 1 FROM contact_labels l WHERE l.contact_id = cv.contact_id AND l.name = $4 OFFSET 0)
  ORDER BY cv.last_message_at DESC, cv.id DESC LIMIT 51;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE l_combined(:account, 'open', 'messenger', 'vip');

\echo '== tab count, status=closed & platform=instagram (capped at 10,000; index-only)'
PREPARE c_platform(bigint, text, text) AS SELECT count(*) FROM (SELECT cv.id FROM conversations cv WHERE cv.account_id = $1 AND cv.status = $2
  AND cv.channel_id = ANY(ARRAY(SELECT ch.id FROM channels ch WHERE ch.account_id = $1 AND ch.platform = $3)) LIMIT 10000) x;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE c_platform(:account, 'closed', 'instagram');

\echo '== list, channelId'
PREPARE l_channel(bigint, bigint) AS SELECT cv.id, cv.last_message_at FROM conversations cv WHERE cv.account_id = $1 AND cv.channel_id = $2 ORDER BY cv.last_message_at DESC, cv.id DESC LIMIT 51;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE l_channel(:account, :channel);

\echo '== search by name (pg_trgm GIN on contacts.search_name, both names folded at write time)'
PREPARE s_name(bigint, text, text, int) AS
SELECT c.id FROM conversations c
 WHERE c.contact_id = ANY(ARRAY(SELECT ct.id FROM contacts ct WHERE ct.account_id = $1
                                  AND (ct.search_name LIKE (SELECT '%' || sb_fold($2) || '%') OR ct.platform_user_id = $3)))
   AND c.account_id = $1
 ORDER BY c.last_message_at DESC, c.id DESC LIMIT $4;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE s_name(:account, :'name', :'name', 50);

\echo '== search by phone digits'
PREPARE s_phone(bigint, text[], text, int) AS
SELECT cv.id FROM (
       SELECT ct.id FROM contacts ct WHERE ct.account_id = $1 AND ct.phone = ANY($2)
       UNION
       SELECT ct.id FROM contacts ct WHERE ct.account_id = $1 AND ct.platform_user_id = $3) m
 CROSS JOIN LATERAL (SELECT c.id, c.last_message_at FROM conversations c WHERE c.contact_id = m.id AND c.account_id = $1 OFFSET 0) cv
 ORDER BY cv.last_message_at DESC, cv.id DESC LIMIT $4;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE s_phone(:account, ARRAY[:'phone', '+' || :'phone'], :'phone', 50);

-- the work queue (V47)
\echo '== sort=window, first part: needs a reply, soonest deadline first (conversations_deadline_idx)'
PREPARE w_needs(bigint, timestamptz) AS SELECT cv.id, cv.reply_deadline AS at FROM conversations cv
 WHERE cv.account_id = $1 AND cv.reply_deadline > $2 ORDER BY cv.reply_deadline, cv.id LIMIT 51;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE w_needs(:account, now());

\echo '== sort=window&status=open, first part (snoozed ones left out)'
PREPARE w_needs_open(bigint, text, timestamptz) AS SELECT cv.id, cv.reply_deadline AS at FROM conversations cv
 WHERE cv.account_id = $1 AND cv.status = $2 AND cv.snoozed_until IS NULL AND cv.reply_deadline > $3 ORDER BY cv.reply_deadline, cv.id LIMIT 51;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE w_needs_open(:account, 'open', now());

\echo '== sort=window&status=open, second part: the rest by activity (covering status index)'
PREPARE w_rest_open(bigint, text, timestamptz) AS SELECT cv.id, cv.last_message_at AS at FROM conversations cv
 WHERE cv.account_id = $1 AND cv.status = $2 AND cv.snoozed_until IS NULL AND (cv.reply_deadline IS NULL OR cv.reply_deadline <= $3)
 ORDER BY cv.last_message_at DESC, cv.id DESC LIMIT 51;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE w_rest_open(:account, 'open', now());

\echo '== expiringWithin=PT1H'
PREPARE w_expiring(bigint, timestamptz, timestamptz) AS SELECT cv.id, cv.reply_deadline AS at FROM conversations cv
 WHERE cv.account_id = $1 AND cv.reply_deadline > $2 AND cv.reply_deadline <= $3 AND cv.reply_deadline > $2 ORDER BY cv.reply_deadline, cv.id LIMIT 51;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE w_expiring(:account, now(), now() + interval '1 hour');

\echo '== status=snoozed (conversations_snoozed_idx)'
PREPARE w_snoozed(bigint) AS SELECT cv.id, cv.last_message_at FROM conversations cv
 WHERE cv.account_id = $1 AND cv.snoozed_until IS NOT NULL ORDER BY cv.last_message_at DESC, cv.id DESC LIMIT 51;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE w_snoozed(:account);

\echo '== tab count open (capped; snoozed ones left out, index-only)'
PREPARE w_count_open(bigint, text) AS SELECT count(*) FROM (SELECT cv.id, cv.last_message_at FROM conversations cv
 WHERE cv.account_id = $1 AND cv.status = $2 AND cv.snoozed_until IS NULL LIMIT 10000) x;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE w_count_open(:account, 'open');

\echo '== sort=window&assigneeId, first part (conversations_assignee_deadline_idx, V48)'
PREPARE w_mine(bigint, bigint, timestamptz) AS SELECT cv.id, cv.reply_deadline AS at FROM conversations cv
 WHERE cv.account_id = $1 AND cv.assignee_type = 'agent' AND cv.assignee_id = $2 AND cv.reply_deadline > $3 ORDER BY cv.reply_deadline, cv.id LIMIT 51;
SELECT assignee_id AS mine FROM conversations WHERE account_id = :account AND assignee_type = 'agent' LIMIT 1 \gset
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE w_mine(:account, :mine, now());

\echo '== auto-assignment: the agents and their loads, as each round reads them (conversations_agent_load_idx, V62; snoozed ones left out)'
PREPARE a_agents(bigint) AS SELECT u.id, u.availability, coalesce(l.n, 0)::int AS load
  FROM users u
  LEFT JOIN (SELECT assignee_id, count(*) AS n FROM conversations
              WHERE account_id = $1 AND assignee_type = 'agent' AND snoozed_until IS NULL
              GROUP BY assignee_id) l ON l.assignee_id = u.id
 WHERE u.account_id = $1 AND u.active
 ORDER BY u.id;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE a_agents(:account);
