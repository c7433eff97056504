#!/usr/bin/env bash
# Auto-assignment throughput: two nodes on one database and one Redis, 200 agents, a burst of
# CONVERSATIONS new Open conversations; how many assignment decisions per second the two nodes'
# assigners make together, and whether any agent ends over capacity or any conversation is
# assigned twice (see README.md).
# Usage: bench/assign/run.sh     (200 agents × capacity 100, 20,000 conversations)
set -euo pipefail
cd "$(dirname "$0")/../.."

AGENTS=${AGENTS:-200}
CAPACITY=${CAPACITY:-100}
CONVERSATIONS=${CONVERSATIONS:-20000}
MODE=${MODE:-round_robin}
# free ports unless given: the machine may run other nodes
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT_A=${PORT_A:-$(free_port)}
PORT_B=${PORT_B:-$(free_port)}
DB=${BENCH_DB:-switchboard_bench_assign}
JAR=${JAR:-target/switchboard.jar}
PG="psql -h 127.0.0.1 -U switchboard -v ON_ERROR_STOP=1 -qtA"
export JWT_SECRET=${JWT_SECRET:-bench-jwt-secret-0123456789-0123456789}
export REDIS_PREFIX=${REDIS_PREFIX:-bench:assign:$RANDOM:}
[ -f "$JAR" ] || mvn -B -q package -DskipTests
echo "start $(date -u +%T); $(uptime)"

$PG -d switchboard -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
URL="postgresql://switchboard:switchboard@127.0.0.1:5432/$DB"
start() {
  HTTP_PORT=$1 DATABASE_URL=$URL REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379} HTTP_INSTANCES=1 \
    ASSIGN_POLL_MS=${ASSIGN_POLL_MS:-50} ASSIGN_BATCH=${ASSIGN_BATCH:-200} \
    java -Xmx512m -jar "$JAR" > "target/bench-assign-$1.log" 2>&1 &
  echo $!
}
A=$(start $PORT_A)
for _ in $(seq 1 90); do curl -fs "http://127.0.0.1:$PORT_A/health" >/dev/null && break; sleep 1; done
B=$(start $PORT_B)
trap 'kill $A $B 2>/dev/null; wait $A $B 2>/dev/null || true; redis-cli --scan --pattern "${REDIS_PREFIX}*" | xargs -r redis-cli del >/dev/null' EXIT
for _ in $(seq 1 90); do curl -fs "http://127.0.0.1:$PORT_B/health" >/dev/null && break; sleep 1; done

# one account, its agents (available; onlyAvailable false, so no sockets are needed), a channel,
# the customers; then auto-assignment on
ACC=$($PG -d $DB -c "INSERT INTO accounts (name) VALUES ('Bench') RETURNING id")
$PG -d $DB -c "INSERT INTO users (account_id, name, email, password_hash, role)
  SELECT $ACC, 'Agent ' || g, 'agent' || g || '@bench.test', 'x', 'agent' FROM generate_series(1, $AGENTS) g"
CH=$($PG -d $DB -c "INSERT INTO channels (account_id, platform, name, external_id, access_token)
  VALUES ($ACC, 'whatsapp', 'bench', 'bench-$RANDOM', 't') RETURNING id")
$PG -d $DB -c "INSERT INTO contacts (account_id, channel_id, platform_user_id)
  SELECT $ACC, $CH, 'c' || g FROM generate_series(1, $CONVERSATIONS) g"
$PG -d $DB -c "UPDATE accounts SET auto_assign = '{\"mode\": \"$MODE\", \"capacity\": $CAPACITY, \"onlyAvailable\": false}' WHERE id = $ACC"

# the burst: every conversation Open at once (the trigger queues each in the same statement)
T0=$(date +%s%N)
$PG -d $DB -c "INSERT INTO conversations (account_id, channel_id, contact_id, status)
  SELECT $ACC, $CH, id, 'open' FROM contacts WHERE channel_id = $CH"
EXPECT=$(( AGENTS * CAPACITY < CONVERSATIONS ? AGENTS * CAPACITY : CONVERSATIONS ))
while :; do
  N=$($PG -d $DB -c "SELECT count(*) FROM conversations WHERE account_id = $ACC AND assignee_type = 'agent'")
  [ "$N" -ge "$EXPECT" ] && break
  sleep 0.1
done
T1=$(date +%s%N)
MS=$(( (T1 - T0) / 1000000 ))
echo "assigned $N of $CONVERSATIONS in $MS ms: $(( N * 1000 / (MS > 0 ? MS : 1) )) decisions/s (two nodes, $AGENTS agents, capacity $CAPACITY, $MODE)"
$PG -d $DB -c "SELECT 'max per agent ' || max(n) || ', min ' || min(n) || ', agents over capacity ' || count(*) FILTER (WHERE n > $CAPACITY)
  FROM (SELECT count(*) AS n FROM conversations WHERE account_id = $ACC AND assignee_type = 'agent' GROUP BY assignee_id) l"
$PG -d $DB -c "SELECT 'system assignments ' || count(*) || ', conversations assigned twice ' || (count(*) - count(DISTINCT conversation_id))
  FROM conversation_history WHERE account_id = $ACC AND actor_type = 'system'"
$PG -d $DB -c "SELECT 'conversation.updated events in the outbox ' || count(*) FROM event_outbox WHERE account_id = $ACC AND body LIKE '%conversation.updated%'"
echo "end $(date -u +%T); $(uptime)"
echo "rounds that failed: $(grep -c 'assignment round failed' target/bench-assign-$PORT_A.log target/bench-assign-$PORT_B.log | paste -sd' ')"
