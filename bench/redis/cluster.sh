#!/usr/bin/env bash
# A throw-away Redis Cluster for the benchmarks: six redis-server processes (three masters, three
# replicas, no persistence) on BASE..BASE+5 in DIR. Prints the REDIS_URL list the nodes take.
# Usage: bench/redis/cluster.sh start DIR [BASE]    bench/redis/cluster.sh stop DIR
set -euo pipefail
cmd=$1; dir=$2; base=${3:-12000}
case "$cmd" in
  start)
    mkdir -p "$dir"
    nodes=()
    for p in $(seq "$base" $((base + 5))); do
      redis-server --port "$p" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly no --daemonize yes \
        --pidfile "$dir/redis-$p.pid" --logfile "$dir/redis-$p.log" \
        --cluster-enabled yes --cluster-config-file "nodes-$p.conf" --cluster-node-timeout 1000
      nodes+=("127.0.0.1:$p")
    done
    for p in $(seq "$base" $((base + 5))); do
      for _ in $(seq 1 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
    done
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >"$dir/create.log"
    for _ in $(seq 1 100); do redis-cli -p "$base" cluster info | grep -q cluster_state:ok && break; sleep 0.2; done
    urls=$(printf 'redis://%s,' "${nodes[@]}"); echo "${urls%,}"
    ;;
  stop)
    for f in "$dir"/redis-*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR [BASE]" >&2; exit 2 ;;
esac
