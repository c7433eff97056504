#!/usr/bin/env bash
# Timer precision of the work queue: $ARMED (100,000) timers armed in the window timer's Redis set
# (half snoozes, half expiring warnings), $DUE of them falling due over $SPREAD seconds, on $NODES
# real nodes. Lateness = when PostgreSQL recorded the firing minus when it was due:
#   snooze wake:     conversation_history.created_at (the waking transaction's start) - snoozed_until
#   window warning:  event_outbox.created_at (the event row written) - (expiresAt - WINDOW_WARN_BEFORE)
# The timers are armed the way a node start or a lost Redis arms them: the rebuild from PostgreSQL.
# All $ARMED are seeded days ahead and armed by the nodes' start; then the first $DUE are moved to
# start $LEAD seconds later and the timer marker is deleted, so a node rebuilds the set (the path
# taken when Redis loses it) while the other $((ARMED)) stay armed.
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
HEAP=${HEAP:--Xmx256m}
JAR=${JAR:-target/switchboard.jar}
OUT=${OUT:-bench/timers/out}
EMAIL=bench@bench.test
mkdir -p "$OUT"
[ -f "$JAR" ] || mvn -B -q -o package -DskipTests

psql -q "$PG/switchboard" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
PREFIX="sbbench:timers:$(date +%s):"
NODE_PIDS=()
trap 'for p in "${NODE_PIDS[@]}"; do kill $p 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT

start_node() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  DATABASE_URL="$PG/$DB" REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379} HTTP_PORT=$port ADMIN_EMAIL=$EMAIL ADMIN_PASSWORD=bench-password \
    REDIS_PREFIX="$PREFIX" WINDOW_TIMER_POLL_MS=$POLL WINDOW_WARN_BEFORE=PT1H DB_POOL_SIZE=${DB_POOL_SIZE:-8} \
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
armed=$(redis-cli -u "${REDIS_URL:-redis://127.0.0.1:6379}" ZCARD "${PREFIX}window:timers")
echo "$NODES node(s) ready at $(date -u +%T), $armed timers armed; moving $DUE of them to ${LEAD}s from now, over ${SPREAD}s"
psql -q "$PG/$DB" <<SQL
WITH d AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM conversations WHERE account_id = $ACCOUNT ORDER BY id LIMIT $DUE)
UPDATE conversations c
   SET reply_deadline = CASE WHEN c.needs_reply THEN t.at + interval '1 hour' END,
       snoozed_until = CASE WHEN NOT c.needs_reply THEN t.at END
  FROM d, LATERAL (SELECT clock_timestamp() + interval '$LEAD seconds' + (d.n * $SPREAD::float / $DUE) * interval '1 second' AS at) t
 WHERE c.id = d.id;
SQL
# what a Redis that lost the timers looks like to the nodes: the next poll of one of them rebuilds the set
redis-cli -u "${REDIS_URL:-redis://127.0.0.1:6379}" DEL "${PREFIX}window:timers:built" > /dev/null
echo "rebuild asked at $(date -u +%T); waiting for the $DUE firings"
for i in $(seq 1 $((LEAD + SPREAD + 300))); do
  # a shared PostgreSQL may refuse a connection now and then: ask again next second
  fired=$(psql -At "$PG/$DB" -c "SELECT (SELECT count(*) FROM conversation_history WHERE action = 'woke')
    + (SELECT count(*) FROM event_outbox WHERE body LIKE '{\"type\":\"conversation.window_expiring\"%')" 2>/dev/null || echo 0)
  [ "$fired" -ge "$DUE" ] && break
  sleep 1
done
echo "fired: $fired of $DUE"
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
SELECT (SELECT count(*) FROM conversation_history WHERE action = 'woke') AS woke_rows,
       (SELECT count(*) FROM conversations WHERE snoozed_until IS NOT NULL OR reply_deadline > now()) AS still_armed_in_pg,
       (SELECT count(DISTINCT conversation_id) FROM conversation_history WHERE action = 'woke') AS woke_conversations,
       (SELECT count(*) FROM event_outbox WHERE body LIKE '{"type":"conversation.window_expiring"%') AS warnings,
       (SELECT count(*) FROM conversations WHERE warned_deadline IS NOT NULL) AS warned_conversations;
SQL
