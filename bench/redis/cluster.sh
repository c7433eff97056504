#!/usr/bin/env bash
# A throw-away Redis Cluster for the benchmarks: six redis-server processes (three masters, three
# replicas, no persistence) on BASE..BASE+5 in DIR. Prints the REDIS_URL list the nodes take.
# Without BASE, the first base from 12000 up (in steps of 10) whose six ports and their cluster bus
# ports (+10000) are all free: a fixed base collided with other clusters on a shared machine, and
# the benchmark then stopped without a word.
# Usage: bench/redis/cluster.sh start DIR [BASE]    bench/redis/cluster.sh stop DIR
set -euo pipefail
cmd=$1; dir=$2; base=${3:-}
in_use() { ss -Htln "sport = :$1" 2>/dev/null | grep -q .; }
fail() {
  echo "bench/redis/cluster.sh: $1" >&2
  for f in "$dir"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -20 "$f" >&2; }; done
  exit 1
}
case "$cmd" in
  start)
    mkdir -p "$dir"
    if [ -z "$base" ]; then
      for b in $(seq 12000 10 19990); do
        busy=0
        for p in $(seq "$b" $((b + 5))); do in_use "$p" && busy=1; in_use $((p + 10000)) && busy=1; done
        [ "$busy" = 0 ] && { base=$b; break; }
      done
      [ -n "$base" ] || fail "no six free ports from 12000 up"
    fi
    nodes=()
    for p in $(seq "$base" $((base + 5))); do
      redis-server --port "$p" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly no --daemonize yes \
        --pidfile "$dir/redis-$p.pid" --logfile "$dir/redis-$p.log" \
        --cluster-enabled yes --cluster-config-file "nodes-$p.conf" --cluster-node-timeout 1000 \
        || fail "redis-server on $p did not start"
      nodes+=("127.0.0.1:$p")
    done
    for p in $(seq "$base" $((base + 5))); do
      ok=0
      for _ in $(seq 1 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && { ok=1; break; }; sleep 0.1; done
      [ "$ok" = 1 ] || fail "redis-server on $p does not answer"
    done
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1 \
      || fail "redis-cli --cluster create failed"
    ok=0
    for _ in $(seq 1 100); do
      redis-cli -p "$base" cluster info 2>/dev/null | grep -q cluster_state:ok && { ok=1; break; }; sleep 0.2
    done
    [ "$ok" = 1 ] || fail "the cluster on $base.. is not ok after 20 s"
    urls=$(printf 'redis://%s,' "${nodes[@]}"); echo "${urls%,}"
    ;;
  stop)
    pids=()
    for f in "$dir"/redis-*.pid; do [ -f "$f" ] && pids+=("$(cat "$f")"); done
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    # a server still exiting writes its nodes.conf: remove the directory once they are gone
    for p in "${pids[@]}"; do for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; done
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR [BASE]" >&2; exit 2 ;;
esac
