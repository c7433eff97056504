#!/usr/bin/env bash
# Outgoing webhook throughput: see bench/webhooks/README.md. Knobs: RATE, SECONDS, ENDPOINTS,
# DELAY_MS, CONVERSATIONS, CONCURRENCY, CASES, SLOW (environment); extra JVM options of the bench
# (a profiler, say) in ARGLINE. Needs what the tests need (PostgreSQL and Redis binaries, see .ci/servers).
set -euo pipefail
cd "$(dirname "$0")/../.."
uptime
# -Dtest.jvm= : the bench's JVM runs with the JVM's own compilers and collector, as a node does, not
# with the test suite's C1-only serial settings (pom.xml)
mvn -B -q -o test -Dtest=WebhookThroughputBench -Dsurefire.failIfNoSpecifiedTests=false -Dtest.jvm= ${ARGLINE:+"-DargLine=$ARGLINE"} 2>&1 \
  | grep -E "ERROR|FAIL" || true
# surefire keeps the bench's output in its report
grep -hE "webhook bench|delivered|written|relay lag|CPU" target/surefire-reports/dev.switchboard.integrations.WebhookThroughputBench-output.txt
uptime
