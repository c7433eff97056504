#!/usr/bin/env bash
# Ingress and push latency on a Redis Cluster against standalone Redis, on the same machine in the
# same run: ROUNDS pairs of bench/scale/run.sh, alternating standalone and cluster (each cluster
# round on a six-process cluster of its own, bench/redis/cluster.sh), with uptime before each.
# Usage: ROUNDS=2 NODES=1 RATE=1000 DURATION=20 bench/redis/compare.sh
# Full output of each round: target/bench-redis-<round>-<mode>.log
set -uo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-2}
[ -f "${JAR:-target/switchboard.jar}" ] || mvn -B -q package -DskipTests
for r in $(seq 1 "$ROUNDS"); do
  for mode in standalone cluster; do
    out="target/bench-redis-$r-$mode.log"
    echo "=== round $r, REDIS_MODE=$mode, $(uptime)"
    if env -u REDIS_URL REDIS_MODE="$mode" bench/scale/run.sh >"$out" 2>&1; then
      grep -E '^(redis |measured:|acknowledged |webhook acknowledged|socket [0-9]|end to end|CPU|load average)' "$out"
    else
      echo "round failed (exit $?): the end of $out"; tail -20 "$out"
    fi
  done
done
