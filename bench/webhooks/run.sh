#!/usr/bin/env bash
# Outgoing webhook throughput: see bench/webhooks/README.md. Knobs: RATE, SECONDS, ENDPOINTS,
# DELAY_MS, CONVERSATIONS, CONCURRENCY, SLOW (environment). Needs what the tests need
# (PostgreSQL and Redis binaries, see .ci/servers).
set -euo pipefail
cd "$(dirname "$0")/../.."
uptime
mvn -B -q -o test -Dtest=WebhookThroughputBench -Dsurefire.failIfNoSpecifiedTests=false 2>&1 | grep -E "webhook bench|written|ERROR" || true
