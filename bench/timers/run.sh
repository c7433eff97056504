#!/usr/bin/env bash
# Timer precision of the work queue: $ARMED (100,000) timers armed in the window timer's Redis sets
# (half snoozes, half expiring warnings), $DUE of them falling due over $SPREAD seconds, on $NODES
# real nodes. Lateness = when PostgreSQL recorded the firing minus when it was due:
#   snooze wake:     conversation_history.created_at (the waking transaction's start) - snoozed_until
#   window warning:  event_outbox.created_at (the event row written) - (expiresAt - WINDOW_WARN_BEFORE)
# All $ARMED are seeded days ahead in PostgreSQL and armed by the nodes' start-up rebuild; then the
# first $DUE are moved to start $LEAD seconds later, and armed:
#   REBUILD=0 (default, steady state): the way the write paths arm them (a snooze, a customer's
#     message): ZADD of each one's member with its new time into its partition's set, while the
#     other timers stay armed;
#   REBUILD=1 (a start-up or lost-Redis rebuild): the sets' markers are deleted, so the next poll of
#     one node rebuilds every set from PostgreSQL (paging all $ARMED rows) while the moved ones fall due.
# Not part of `mvn verify`. From the repository root: `bash bench/timers/run.sh`.
set -euo pipefail
cd "$(dirname "$0")/../.."

PG=${BENCH_PG:-postgresql://switchboard:switchboard@127.0.0.1:5432}
DB=${BENCH_DB:-sb_bench_timers}
ARMED=${ARMED:-100000}
DUE=${DUE:-10000}
SPREAD=${SPREAD:-100}
LEAD=${LEAD:-20}
NODES=${NODES:-2}
POLL=${POLL:-1000}
REBUILD=${REBUILD:-0}
# the window timer's sets, one per event-log partition (REDIS_LOG_PARTITIONS, default 16)
PARTITIONS=${PARTITIONS:-16}
REDIS=${REDIS_URL:-redis://127.0.0.1:6379}
HEAP=${HEAP:--Xmx256m}
JAR=${JAR:-target/switchboard.jar}
OUT=${OUT:-bench/timers/out}
EMAIL=bench@bench.test
mkdir -p "$OUT"
[ -f "$JAR" ] || mvn -B -q -o package -DskipTests
echo "start $(date -u +%T); $(uptime)"

psql -q "$PG/switchboard" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
PREFIX="sbbench:timers:$(date +%s):"
NODE_PIDS=()
trap 'for p in "${NODE_PIDS[@]}"; do kill $p 2>/dev/null || true; done; wait 2>/dev/null || true
  redis-cli -u "${REDIS_URL:-redis://127.0.0.1:6379}" --scan --pattern "${PREFIX}*" | xargs -r redis-cli -u "${REDIS_URL:-redis://127.0.0.1:6379}" del > /dev/null' EXIT

start_node() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  DATABASE_URL="$PG/$DB" REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379} HTTP_PORT=$port ADMIN_EMAIL=$EMAIL ADMIN_PASSWORD=bench-password \
    REDIS_PREFIX="$PREFIX" WINDOW_TIMER_POLL_MS=$POLL WINDOW_WARN_BEFORE=PT1H DB_POOL_SIZE=${DB_POOL_SIZE:-8} REDIS_LOG_PARTITIONS=$PARTITIONS \
    JWT_SECRET=bench-jwt-secret-0123456789-0123456789 java $HEAP -jar "$JAR" > "$OUT/node-$1.log" 2>&1 &
  NODE_PIDS+=($!)
  for i in $(seq 1 180); do
    curl -sf "http://127.0.0.1:$port/ready" > /dev/null && return 0
    sleep 1
  done
  echo "node $1 did not become ready; see $OUT/node-$1.log"; exit 1
}

# a first node migrates the schema and creates the account, then stops: the timers are seeded
# in PostgreSQL only, and the nodes started afterwards arm them by their rebuild
start_node 0
kill "${NODE_PIDS[0]}"; wait "${NODE_PIDS[0]}" 2>/dev/null || true; NODE_PIDS=()
ACCOUNT=$(psql -At "$PG/$DB" -c "SELECT account_id FROM users WHERE email = '$EMAIL'")
HALF=$((DUE / 2))
echo "seeding $ARMED timers, all days ahead"
psql -q "$PG/$DB" <<SQL
INSERT INTO channels (account_id, platform, name, external_id, access_token) VALUES ($ACCOUNT, 'whatsapp', 'bench', 'bench-timers', 't');
INSERT INTO contacts (account_id, channel_id, platform_user_id)
SELECT $ACCOUNT, (SELECT id FROM channels WHERE external_id = 'bench-timers'), 'u' || i FROM generate_series(1, $ARMED) i;
-- odd rows snoozed, even rows waiting for a reply, all days ahead for now
INSERT INTO conversations (account_id, channel_id, contact_id, status, needs_reply, reply_deadline, snoozed_until)
SELECT $ACCOUNT, ct.channel_id, ct.id, 'open', n % 2 = 0,
       CASE WHEN n % 2 = 0 THEN now() + interval '2 days' + n * interval '1 second' END,
       CASE WHEN n % 2 = 1 THEN now() + interval '2 days' + n * interval '1 second' END
  FROM (SELECT id, channel_id, row_number() OVER (ORDER BY id) AS n FROM contacts WHERE account_id = $ACCOUNT) ct;
VACUUM ANALYZE conversations;
SQL
for n in $(seq 1 "$NODES"); do start_node "$n"; done
armed() {
  local n=0 k
  for k in $(seq 0 $((PARTITIONS - 1))); do
    n=$((n + $(redis-cli -u "$REDIS" ZCARD "${PREFIX}window:{p$k}:timers")))
  done
  echo $n
}
echo "$NODES node(s) ready at $(date -u +%T), $(armed) timers armed; moving $DUE of them to ${LEAD}s from now, over ${SPREAD}s (REBUILD=$REBUILD)"
psql -q "$PG/$DB" <<SQL
CREATE TABLE bench_moved AS
WITH d AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM conversations WHERE account_id = $ACCOUNT ORDER BY id LIMIT $DUE)
SELECT d.id, clock_timestamp() + interval '$LEAD seconds' + (d.n * $SPREAD::float / $DUE) * interval '1 second' AS at FROM d;
UPDATE conversations c
   SET reply_deadline = CASE WHEN c.needs_reply THEN m.at + interval '1 hour' END,
       snoozed_until = CASE WHEN NOT c.needs_reply THEN m.at END
  FROM bench_moved m
 WHERE c.id = m.id;
SQL
if [ "$REBUILD" = 1 ]; then
  # what a Redis that lost the timers looks like to the nodes: the next poll of one of them rebuilds the sets
  for k in $(seq 0 $((PARTITIONS - 1))); do
    redis-cli -u "$REDIS" DEL "${PREFIX}window:{p$k}:built" > /dev/null
  done
  echo "rebuild asked at $(date -u +%T)"
else
  # what a snooze or a customer's message does: the member's score moves to its new time
  psql -At "$PG/$DB" -c "SELECT 'ZADD ${PREFIX}window:{p' || (c.id % $PARTITIONS) || '}:timers '
      || (extract(epoch FROM m.at) * 1000)::bigint || ' ' || c.id || CASE WHEN c.needs_reply THEN ':warn' ELSE ':snooze' END
    FROM bench_moved m JOIN conversations c ON c.id = m.id" | redis-cli -u "$REDIS" > /dev/null
  echo "$DUE moved timers armed at $(date -u +%T), $(armed) armed in all"
fi
echo "waiting for the $DUE firings"
for i in $(seq 1 $((LEAD + SPREAD + 300))); do
  # a shared PostgreSQL may refuse a connection now and then: ask again next second
  fired=$(psql -At "$PG/$DB" -c "SELECT (SELECT count(*) FROM conversation_history WHERE action = 'woke')
    + (SELECT count(*) FROM event_outbox WHERE body LIKE '{\"type\":\"conversation.window_expiring\"%')" 2>/dev/null || echo 0)
  [ "$fired" -ge "$DUE" ] && break
  sleep 1
done
echo "fired: $fired of $DUE at $(date -u +%T); $(uptime)"
psql "$PG/$DB" <<'SQL' | tee "$OUT/results.txt"
WITH late AS (
  SELECT 'snooze wake' AS kind, extract(epoch FROM h.created_at - h.snoozed_until) * 1000 AS ms
    FROM conversation_history h WHERE h.action = 'woke' AND h.reason = 'snooze_ended'
  UNION ALL
  SELECT 'window warning', extract(epoch FROM o.created_at - ((o.body::jsonb->'data'->>'expiresAt')::timestamptz - interval '1 hour')) * 1000
    FROM event_outbox o WHERE o.body LIKE '{"type":"conversation.window_expiring"%'
)
SELECT kind, count(*) AS fired, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1) AS p50_ms,
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1) AS p99_ms, round(max(ms)::numeric, 1) AS max_ms,
       round(min(ms)::numeric, 1) AS min_ms
  FROM late GROUP BY ROLLUP (kind) ORDER BY kind;
-- by due time, 10 s buckets: how the lateness moves over the run (cold nodes, a rebuild, a backlog)
WITH late AS (
  SELECT h.snoozed_until AS due, extract(epoch FROM h.created_at - h.snoozed_until) * 1000 AS ms
    FROM conversation_history h WHERE h.action = 'woke' AND h.reason = 'snooze_ended'
  UNION ALL
  SELECT (o.body::jsonb->'data'->>'expiresAt')::timestamptz - interval '1 hour',
         extract(epoch FROM o.created_at - ((o.body::jsonb->'data'->>'expiresAt')::timestamptz - interval '1 hour')) * 1000
    FROM event_outbox o WHERE o.body LIKE '{"type":"conversation.window_expiring"%'
)
SELECT to_char(min(due), 'HH24:MI:SS') AS due_from, count(*) AS fired,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric) AS p50_ms,
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric) AS p99_ms, round(max(ms)::numeric) AS max_ms
  FROM late GROUP BY floor(extract(epoch FROM due) / 10) ORDER BY 1;
SELECT (SELECT count(*) FROM conversation_history WHERE action = 'woke') AS woke_rows,
       (SELECT count(*) FROM conversations WHERE snoozed_until IS NOT NULL OR reply_deadline > now()) AS still_armed_in_pg,
       (SELECT count(DISTINCT conversation_id) FROM conversation_history WHERE action = 'woke') AS woke_conversations,
       (SELECT count(*) FROM event_outbox WHERE body LIKE '{"type":"conversation.window_expiring"%') AS warnings,
       (SELECT count(*) FROM conversations WHERE warned_deadline IS NOT NULL) AS warned_conversations;
SQL
