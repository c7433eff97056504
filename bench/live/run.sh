#!/usr/bin/env bash
# Live-push benchmark: one node with -Xmx1g, N bridge sockets on A accounts (see README.md).
# Usage: bench/live/run.sh            (fan-out: 10,000 sockets, 100 accounts)
#        RATE=1000 CONNECTIONS=100 bench/live/run.sh   (append->client latency at 1,000 events/s)
set -euo pipefail
cd "$(dirname "$0")/../.."
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

PORT=${PORT:-18080}
DB=${BENCH_DB:-switchboard_bench_live}
export JWT_SECRET=${JWT_SECRET:-bench-jwt-secret-0123456789-0123456789}
export REDIS_PREFIX=${REDIS_PREFIX:-bench:$RANDOM:}
# the node serves /metrics on its main port only to this token
export METRICS_TOKEN=${METRICS_TOKEN:-bench-metrics-token-0123456789}
[ -f target/switchboard.jar ] || mvn -B -q package -DskipTests

psql -h 127.0.0.1 -U switchboard -d switchboard -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1 \
  || psql -h 127.0.0.1 -U switchboard -d switchboard -qc "CREATE DATABASE $DB"

HTTP_PORT=$PORT DATABASE_URL="postgresql://switchboard:switchboard@127.0.0.1:5432/$DB" REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379} \
  BRIDGE_MAX_CONNECTIONS=${BRIDGE_MAX_CONNECTIONS:-30000} HTTP_INSTANCES=${HTTP_INSTANCES:-2} \
  BRIDGE_PING_TIMEOUT_MS=${BRIDGE_PING_TIMEOUT_MS:-60000} \
  java -Xms1g -Xmx1g -XX:+UseG1GC -jar target/switchboard.jar > target/bench-live-node.log 2>&1 &
NODE=$!
trap 'kill $NODE 2>/dev/null; wait $NODE 2>/dev/null; redis-cli --scan --pattern "${REDIS_PREFIX}*" | xargs -r redis-cli del >/dev/null' EXIT
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 1; done

SERVER_PID=$NODE PORT=$PORT java -Xmx3g -cp target/switchboard.jar bench/live/BridgeBench.java
echo "node: $(grep -c WARN target/bench-live-node.log || true) WARN lines in target/bench-live-node.log"
curl -s -H "Authorization: Bearer $METRICS_TOKEN" "http://127.0.0.1:$PORT/metrics" | grep -E '^switchboard_(bridge|fanout)|^jvm_memory_used_bytes.*heap' || true
