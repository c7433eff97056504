#!/usr/bin/env bash
# Scale benchmark: NODES nodes (1 or 2) sharing PostgreSQL and Redis, behind nginx when NODES=2,
# an open-loop webhook sender at RATE messages/s for DURATION s, bridge sockets on every node.
# Usage (from anywhere):
#   NODES=1 RATE=1000 DURATION=20 bench/scale/run.sh                  # push latency, one node
#   NODES=2 RATE=1000 DURATION=20 bench/scale/run.sh                  # push latency, two nodes behind nginx
#   NODES=1 RATE=10000 DURATION=60 PER_WEBHOOK=10 bench/scale/run.sh  # sustained end to end
#   REDIS_MODE=cluster NODES=1 RATE=1000 DURATION=20 bench/scale/run.sh # on a Redis Cluster of its own
#   MEDIA_RATE=50 NODES=1 RATE=500 DURATION=20 bench/scale/run.sh     # and 50 photos/s fetched from a Graph stand-in
#     with MEDIA_AS_TEXT=1 the photo customers send text instead; with GRAPH_GONE=1 Graph knows no photo (each fetch fails)
set -euo pipefail
cd "$(dirname "$0")/../.."
NODE_OPTS=${NODE_OPTS:-}; NODES=${NODES:-1}; RATE=${RATE:-1000}; DURATION=${DURATION:-20}; PER=${PER_WEBHOOK:-1}
DB=${BENCH_DB:-switchboard_scale}
# PORT_BASE: nodes on PORT_BASE+1.., nginx on +10, the Graph stand-in on +15 (two runs at once need two bases and two BENCH_DBs)
PORT_BASE=${PORT_BASE:-18080}; LB_PORT=$((PORT_BASE + 10)); GRAPH_PORT=$((PORT_BASE + 15))
HEAP=${HEAP:-1g}
export JWT_SECRET=bench-jwt-secret-0123456789-0123456789 META_APP_SECRET=test_app_secret_0123456789abcdef
export REDIS_PREFIX="scale:$RANDOM:" DATABASE_URL="postgresql://switchboard:switchboard@127.0.0.1:5432/$DB"
# named explicitly: a node with no REDIS_URL would run an embedded Redis of its own
# REDIS_MODE=cluster without REDIS_URL: a six-process Redis Cluster of its own (bench/redis/cluster.sh)
export REDIS_MODE=${REDIS_MODE:-standalone}
if [ "$REDIS_MODE" = cluster ] && [ -z "${REDIS_URL:-}" ]; then
  CLUSTER_DIR=$(mktemp -d); REDIS_URL=$(bench/redis/cluster.sh start "$CLUSTER_DIR")
fi
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
# JAR: another build to compare with (a checkout of an earlier commit, built the same way)
JAR=${JAR:-target/switchboard.jar}
[ -f "$JAR" ] || mvn -B -q package -DskipTests
# /metrics answers only with this token (the relay's lag is read from it at the end)
export METRICS_TOKEN=${METRICS_TOKEN:-bench-metrics-token-0123456789}
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || .ci/nginx
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

psql -h 127.0.0.1 -U switchboard -d switchboard -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
WORK=$(mktemp -d); chmod 755 "$WORK"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${CLUSTER_DIR:-}" ]; then bench/redis/cluster.sh stop "$CLUSTER_DIR"; else
    redis-cli --scan --pattern "${REDIS_PREFIX}*" | xargs -r redis-cli del >/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

MEDIA_RATE=${MEDIA_RATE:-0}
if [ "$MEDIA_RATE" -gt 0 ]; then
  # the Graph API's media side (metadata + bytes), which the nodes fetch every photo from
  java -cp "$JAR" bench/scale/ScaleBench.java graph --port $GRAPH_PORT > "target/bench-scale-graph.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 60); do curl -s -o /dev/null "http://127.0.0.1:$GRAPH_PORT/" && break; sleep 0.5; done
  export GRAPH_API_URL=http://127.0.0.1:$GRAPH_PORT/v21.0
fi

PORTS=()
for n in $(seq 1 "$NODES"); do
  port=$((PORT_BASE + n)); PORTS+=("$port")
  # a run already on these ports would answer for this one's node and make its figures nonsense
  if curl -s -o /dev/null "http://127.0.0.1:$port/health"; then echo "port $port is taken (another run?): set PORT_BASE" >&2; exit 1; fi
  HTTP_PORT=$port NODE_ID="scale-$n" HTTP_INSTANCES=${HTTP_INSTANCES:-2} \
    java -Xms"$HEAP" -Xmx"$HEAP" -XX:+UseG1GC ${NODE_OPTS//\{n\}/$n} -jar "$JAR" > "target/bench-scale-node$n.log" 2>&1 &
  PIDS+=($!)
  # one at a time: the first migrates the fresh database
  for _ in $(seq 1 90); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && break; sleep 1; done
done
URL="http://127.0.0.1:${PORTS[0]}"
# LB=1 puts nginx in front (the default with two nodes); LB=0 sends every webhook to the first node
LB=${LB:-$([ "$NODES" -gt 1 ] && echo 1 || echo 0)}
if [ "$LB" = 1 ]; then
  bench/scale/nginx-conf.sh "$WORK" $LB_PORT "${PORTS[@]}" > "$WORK/nginx.conf"
  "$NGINX" -c "$WORK/nginx.conf" -p "$WORK" -e "$WORK/error.log" &
  PIDS+=($!)
  for _ in $(seq 1 20); do curl -fs "http://127.0.0.1:$LB_PORT/health" >/dev/null && break; sleep 0.5; done
  URL="http://127.0.0.1:$LB_PORT"
fi
WS=$(printf '127.0.0.1:%s,' "${PORTS[@]}"); WS=${WS%,}

java -cp "$JAR" bench/scale/ScaleBench.java seed --db "$DATABASE_URL" >/dev/null
echo "redis $REDIS_MODE, nodes $NODES, photos/s $MEDIA_RATE, LB $LB, webhooks to $URL, sockets on $WS, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
# WARMUP seconds at the same rate first, in the same client process and left out of the figures:
# a cold node JIT-compiles for its first seconds, and so does the client (a separate warm-up process
# warmed only the node: the measured client's own start-up showed up as a 0.5-1 s ingress tail).
# 30 by default: on the 2-core VM the node's C2 compiler thread still took 0.3-0.4 of a core 25-35 s
# after start (jdk.Compilation events of 100-470 ms each), and a 10 s warm-up measured that.
java -Xmx2g ${CLIENT_OPTS:-} -cp "$JAR" bench/scale/ScaleBench.java run --url "$URL" --ws "$WS" \
  --rate "$RATE" --seconds "$DURATION" --warmup "${WARMUP:-30}" --per-webhook "$PER" --media-rate "$MEDIA_RATE" --db "$DATABASE_URL" --jwt-secret "$JWT_SECRET"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
# the event relay's lag (outbox insert -> log append) over the run, per node, where the build has it
for port in "${PORTS[@]}"; do
  curl -fs -H "Authorization: Bearer $METRICS_TOKEN" "http://127.0.0.1:$port/metrics" \
    | grep -E '^switchboard_event_relay_lag_seconds(\{quantile|_max|_count)' | sed "s/^/node :$port /" || true
done
