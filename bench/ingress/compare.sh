#!/usr/bin/env bash
# Ingress ratio with the processor (and so the event outbox and its relay) running, for one or
# more builds side by side, alternating: wrk on /health, then on signed webhooks, 10 s each, a
# fresh database per run; then the node drains the backlog and the relay's lag is read from
# /metrics. Usage (repository root): bench/ingress/compare.sh JAR [JAR ...]   ROUNDS=2 by default;
# PROCESSOR_ENABLED=false measures durable ingress alone (the figure of record in benchmarks.md).
# MODE=processor measures the processor alone: MESSAGES (30,000) WhatsApp text webhooks from 3,000
# customers are put in raw_events in one transaction (as if received), and the time from its commit
# until the node has processed the last row gives messages/s; the messages stored must equal
# MESSAGES (exactly once). Ingress plays no part, so a slow machine's HTTP cannot hide the processor.
# MEDIA_RATES="0 50" runs each build once per rate: at a rate above 0, that many WhatsApp photo
# messages a second are sent from 3 s before the /health run to the end of the webhook run, and the
# node fetches each from a Graph stand-in (bench/scale/ScaleBench.java graph), so both sides of the
# ratio are measured while media is fetched; the photos fetched per second are printed.
# MODES="standalone cluster" runs each build on both Redis forms, alternating within each round (a
# cluster run on a six-process Redis Cluster of its own, bench/redis/cluster.sh); default standalone.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-2}
DB=${BENCH_DB:-switchboard_bench}
PORT=${PORT:-8099}
export JWT_SECRET=bench-secret-bench-secret-bench-secret META_APP_SECRET=test_app_secret_0123456789abcdef
export METRICS_TOKEN=bench-metrics-token-0123456789 HTTP_PORT=$PORT
export DATABASE_URL=postgresql://switchboard:switchboard@127.0.0.1:5432/$DB
STANDALONE_URL=${REDIS_URL:-redis://127.0.0.1:6379}
MODE=${MODE:-ratio}
WORK=$(mktemp -d)
CLUSTER_DIR=
redis_clean() {
  if [ -n "$CLUSTER_DIR" ]; then bench/redis/cluster.sh stop "$CLUSTER_DIR"; CLUSTER_DIR=; else
    redis-cli --scan --pattern "${REDIS_PREFIX}*" | xargs -r redis-cli del >/dev/null || true; fi
}
trap 'kill $NODE 2>/dev/null || true; redis_clean; rm -rf "$WORK"' EXIT
if [ "$MODE" != processor ]; then
  command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
  python3 bench/ingress/wrk/gen.py "$WORK/wrk" 2 150000 >/dev/null
fi
MEDIA_RATES=${MEDIA_RATES:-0}
GRAPH_PORT=$((PORT + 16))
if [ "$MEDIA_RATES" != 0 ]; then
  java -cp "$1" bench/scale/ScaleBench.java graph --port $GRAPH_PORT > "$WORK/graph.log" 2>&1 &
  GRAPH=$!
  trap 'kill $NODE $GRAPH 2>/dev/null || true; redis_clean; rm -rf "$WORK"' EXIT
  for _ in $(seq 1 60); do curl -s -o /dev/null "http://127.0.0.1:$GRAPH_PORT/" && break; sleep 0.5; done
  export GRAPH_API_URL=http://127.0.0.1:$GRAPH_PORT/v21.0
fi
media_done() { psql -h 127.0.0.1 -U switchboard -d $DB -Atc "SELECT count(*) FILTER (WHERE status = 'done') FROM media_fetches"; }
for round in $(seq 1 "$ROUNDS"); do
  for jar in "$@"; do
  for media_rate in $MEDIA_RATES; do
   for redis in ${MODES:-standalone}; do
    if [ "$redis" = cluster ]; then
      CLUSTER_DIR=$(mktemp -d)
      export REDIS_MODE=cluster REDIS_URL; REDIS_URL=$(bench/redis/cluster.sh start "$CLUSTER_DIR")
    else
      export REDIS_MODE=standalone REDIS_URL=$STANDALONE_URL
    fi
    psql -h 127.0.0.1 -U switchboard -d switchboard -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
    export REDIS_PREFIX="ingress:$RANDOM:"
    java -Xms1g -Xmx1g -jar "$jar" > "$WORK/node.log" 2>&1 &
    NODE=$!
    for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 1; done
    java -cp "$jar" bench/ingress/IngressBench.java seed --db "$DATABASE_URL" >/dev/null
    if [ "$MODE" = processor ]; then
      n=${MESSAGES:-30000}
      psql -h 127.0.0.1 -U switchboard -d $DB -qAt -c "INSERT INTO raw_events (platform, body) SELECT 'whatsapp',
        '{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"104857600123456\",\"changes\":[{\"value\":{\"messaging_product\":\"whatsapp\",'
        || '\"metadata\":{\"display_phone_number\":\"15550100200\",\"phone_number_id\":\"100000000000001\"},'
        || '\"contacts\":[{\"profile\":{\"name\":\"Bench Customer ' || (i % 3000) || '\"},\"wa_id\":\"' || (4915100000000 + i % 3000) || '\"}],'
        || '\"messages\":[{\"from\":\"' || (4915100000000 + i % 3000) || '\",\"id\":\"wamid.proc-' || i || '\",\"timestamp\":\"'
        || extract(epoch FROM now())::bigint || '\",\"type\":\"text\",\"text\":{\"body\":\"Hello, this is benchmark message number '
        || i || ' asking about order #' || (1000 + i % 9000) || '. Is it shipped yet?\"}}]},\"field\":\"messages\"}]}]}'
        FROM generate_series(1, $n) i"
      t0=$(date +%s.%N)
      until [ "$(psql -h 127.0.0.1 -U switchboard -d $DB -Atc "SELECT count(*) FROM raw_events WHERE status = 'pending'")" = 0 ]; do sleep 0.2; done
      t1=$(date +%s.%N)
      stored=$(psql -h 127.0.0.1 -U switchboard -d $DB -Atc "SELECT count(*) FROM messages")
      echo "round $round $(basename "$jar"): $n webhooks processed in $(python3 -c "print(round($t1 - $t0, 2))") s = $(python3 -c "print(round($n / ($t1 - $t0)))") messages/s; $stored stored (expected $n)"
      kill $NODE; wait $NODE 2>/dev/null || true
      redis_clean
      continue
    fi
    if [ "$media_rate" -gt 0 ]; then
      java -cp "$jar" bench/scale/ScaleBench.java media --url "http://127.0.0.1:$PORT" --media-rate "$media_rate" --seconds 26 \
        --phone 100000000000001 > "$WORK/photos.log" 2>&1 &
      PHOTOS=$!
      sleep 3  # the sender's own start (it compiles) stays out of the measured runs
      done0=$(media_done); m0=$(date +%s.%N)
    fi
    health=$(wrk -t2 -c64 -d10s --latency "http://127.0.0.1:$PORT/health" | awk '/Requests\/sec/{print $2} / 99%/{p=$2} END{print p}' | paste -sd' ')
    hooks=$(wrk -t2 -c64 -d10s --latency -s bench/ingress/wrk/webhook.lua "http://127.0.0.1:$PORT" -- "$WORK/wrk" \
      | awk '/Requests\/sec/{r=$2} / 50%/{p50=$2} / 99%/{p99=$2} /Non-2xx/{e=$NF} END{print r, p50, p99, (e==""?0:e)}')
    media=""
    if [ "$media_rate" -gt 0 ]; then
      done1=$(media_done); m1=$(date +%s.%N)
      wait $PHOTOS || true
      media=" | photos $media_rate/s sent: $(python3 -c "print(round(($done1 - $done0) / ($m1 - $m0), 1))")/s fetched during the runs ($(tail -n1 "$WORK/photos.log"))"
    fi
    # the backlog drains: every stored message's events relayed
    [ "${PROCESSOR_ENABLED:-true}" = false ] || for _ in $(seq 1 120); do
      pending=$(psql -h 127.0.0.1 -U switchboard -d $DB -Atc "SELECT count(*) FROM raw_events WHERE status = 'pending'")
      [ "$pending" = 0 ] && break; sleep 1
    done
    lag=$(curl -fs -H "Authorization: Bearer $METRICS_TOKEN" "http://127.0.0.1:$PORT/metrics" \
      | awk -F' ' '/^switchboard_event_relay_lag_seconds\{quantile="0.99"/{q99=$2} /^switchboard_event_relay_lag_seconds\{quantile="0.5"/{q50=$2} /^switchboard_event_relay_lag_seconds_max/{mx=$2} END{if (q99=="") print "n/a"; else printf "%.1f/%.1f/%.1f ms", q50*1000, q99*1000, mx*1000}' || echo n/a)
    read -r hrate hp99 <<<"$health"; read -r wrate wp50 wp99 werr <<<"$hooks"
    ratio=$(python3 -c "print(round($wrate/$hrate, 2))")
    echo "round $round $(basename "$jar") redis $redis photos/s $media_rate ($(cut -d' ' -f1-3 /proc/loadavg)): /health $hrate req/s (p99 $hp99) | webhooks $wrate/s (p50 $wp50, p99 $wp99, non-2xx $werr) | ratio $ratio | relay lag p50/p99/max $lag$media"
    kill $NODE; wait $NODE 2>/dev/null || true
    redis_clean
   done
  done
  done
done
