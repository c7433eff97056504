#!/usr/bin/env bash
# Ingress ratio with the processor (and so the event outbox and its relay) running, for one or
# more builds side by side, alternating: wrk on /health, then on signed webhooks, 10 s each, a
# fresh database per run; then the node drains the backlog and the relay's lag is read from
# /metrics. Usage (repository root): bench/ingress/compare.sh JAR [JAR ...]   ROUNDS=2 by default;
# PROCESSOR_ENABLED=false measures durable ingress alone (the figure of record in benchmarks.md).
# MODES="standalone cluster" runs each jar on each Redis form (cluster: bench/redis/cluster.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-2}
DB=switchboard_bench
PORT=8099
export JWT_SECRET=bench-secret-bench-secret-bench-secret META_APP_SECRET=test_app_secret_0123456789abcdef
export METRICS_TOKEN=bench-metrics-token-0123456789 HTTP_PORT=$PORT
export DATABASE_URL=postgresql://switchboard:switchboard@127.0.0.1:5432/$DB REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'kill $NODE 2>/dev/null || true; rm -rf "$WORK"' EXIT
python3 bench/ingress/wrk/gen.py "$WORK/wrk" 2 150000 >/dev/null
STANDALONE_URL=$REDIS_URL
CLUSTER_DIR=""
trap 'kill $NODE 2>/dev/null || true; [ -z "$CLUSTER_DIR" ] || bench/redis/cluster.sh stop "$CLUSTER_DIR"; rm -rf "$WORK"' EXIT
for mode in ${MODES:-standalone}; do
  if [ "$mode" = cluster ] && [ -z "$CLUSTER_DIR" ]; then
    CLUSTER_DIR=$(mktemp -d); CLUSTER_URL=$(bench/redis/cluster.sh start "$CLUSTER_DIR")
  fi
done
for round in $(seq 1 "$ROUNDS"); do
  for mode in ${MODES:-standalone}; do
  export REDIS_MODE=$mode
  if [ "$mode" = cluster ]; then export REDIS_URL=$CLUSTER_URL; else export REDIS_URL=$STANDALONE_URL; fi
  for jar in "$@"; do
    psql -h 127.0.0.1 -U switchboard -d switchboard -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
    export REDIS_PREFIX="ingress:$RANDOM:"
    java -Xms1g -Xmx1g -jar "$jar" > "$WORK/node.log" 2>&1 &
    NODE=$!
    for _ in $(seq 1 90); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 1; done
    java -cp "$jar" bench/ingress/IngressBench.java seed --db "$DATABASE_URL" >/dev/null
    health=$(wrk -t2 -c64 -d10s --latency "http://127.0.0.1:$PORT/health" | awk '/Requests\/sec/{print $2} / 99%/{p=$2} END{print p}' | paste -sd' ')
    hooks=$(wrk -t2 -c64 -d10s --latency -s bench/ingress/wrk/webhook.lua "http://127.0.0.1:$PORT" -- "$WORK/wrk" \
      | awk '/Requests\/sec/{r=$2} / 50%/{p50=$2} / 99%/{p99=$2} /Non-2xx/{e=$NF} END{print r, p50, p99, (e==""?0:e)}')
    # the backlog drains: every stored message's events relayed
    [ "${PROCESSOR_ENABLED:-true}" = false ] || for _ in $(seq 1 120); do
      pending=$(psql -h 127.0.0.1 -U switchboard -d $DB -Atc "SELECT count(*) FROM raw_events WHERE status = 'pending'")
      [ "$pending" = 0 ] && break; sleep 1
    done
    lag=$(curl -fs -H "Authorization: Bearer $METRICS_TOKEN" "http://127.0.0.1:$PORT/metrics" \
      | awk -F' ' '/^switchboard_event_relay_lag_seconds\{quantile="0.99"/{q99=$2} /^switchboard_event_relay_lag_seconds\{quantile="0.5"/{q50=$2} /^switchboard_event_relay_lag_seconds_max/{mx=$2} END{if (q99=="") print "n/a"; else printf "%.1f/%.1f/%.1f ms", q50*1000, q99*1000, mx*1000}' || echo n/a)
    read -r hrate hp99 <<<"$health"; read -r wrate wp50 wp99 werr <<<"$hooks"
    ratio=$(python3 -c "print(round($wrate/$hrate, 2))")
    echo "round $round $mode $(basename "$jar"): /health $hrate req/s (p99 $hp99) | webhooks $wrate/s (p50 $wp50, p99 $wp99, non-2xx $werr) | ratio $ratio | relay lag p50/p99/max $lag"
    kill $NODE; wait $NODE 2>/dev/null || true
    [ "$mode" = cluster ] || redis-cli --scan --pattern "${REDIS_PREFIX}*" | xargs -r redis-cli del >/dev/null || true
  done
  done
done
