#!/usr/bin/env bash
# The inbox benchmark: a fresh database, one real node, 1,000,000 contacts/conversations and
# 5,000,000 messages, then p50/p95 of the list (every tab and filter) and of each search kind,
# EXPLAIN of the main queries, and the node's memory during an export of 1,000,000 messages.
# See README.md. Not part of `mvn verify`.
set -euo pipefail
cd "$(dirname "$0")/../.."

PG=${BENCH_PG:-postgresql://switchboard:switchboard@127.0.0.1:5432}
DB=${BENCH_DB:-sb_bench_inbox}
# a free port unless given: the machine may run other nodes
PORT=${BENCH_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
CONTACTS=${CONTACTS:-1000000}
PER=${PER:-5}
REQUESTS=${REQUESTS:-200}
HEAP=${HEAP:--Xmx256m}
OUT=${OUT:-bench/inbox/out}
EMAIL=bench@bench.test
PASSWORD=bench-password
mkdir -p "$OUT"

JAR=${JAR:-target/switchboard.jar}
[ -f "$JAR" ] || mvn -B -q -o package -DskipTests

if [ -z "${SKIP_SEED:-}" ]; then
  psql -q "$PG/switchboard" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
fi

echo "starting a node on :$PORT ($HEAP) against $DB"
DATABASE_URL="$PG/$DB" REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379} HTTP_PORT=$PORT ADMIN_EMAIL=$EMAIL ADMIN_PASSWORD=$PASSWORD REDIS_PREFIX="sbbench:$DB:" \
  JWT_SECRET=bench-jwt-secret-0123456789-0123456789 java $HEAP -jar "$JAR" > "$OUT/node.log" 2>&1 &
NODE=$!
trap 'kill $NODE 2>/dev/null || true; wait $NODE 2>/dev/null || true' EXIT
for i in $(seq 1 120); do
  kill -0 $NODE 2>/dev/null || { echo "the node exited; see $OUT/node.log"; exit 1; }
  curl -sf "http://127.0.0.1:$PORT/ready" > /dev/null && break
  sleep 1
done
curl -sf "http://127.0.0.1:$PORT/ready" > /dev/null || { echo "node did not become ready; see $OUT/node.log"; exit 1; }

ACCOUNT=$(psql -At "$PG/$DB" -c "SELECT account_id FROM users WHERE email = '$EMAIL'")
if [ -z "${SKIP_SEED:-}" ]; then
  echo "seeding account $ACCOUNT: $CONTACTS contacts, $PER messages each"
  time psql -q "$PG/$DB" -v account="$ACCOUNT" -v contacts="$CONTACTS" -v per="$PER" -f bench/inbox/seed.sql | tee "$OUT/seed.txt"
fi

q() { psql -At "$PG/$DB" -c "$1"; }
q "SELECT platform_user_id FROM contacts WHERE account_id = $ACCOUNT AND phone IS NOT NULL ORDER BY random() LIMIT 200" > "$OUT/phones.txt"
q "SELECT CASE WHEN random() < 0.5 THEN split_part(platform_name, ' ', 2) ELSE unaccent(lower(platform_name)) END
     FROM contacts WHERE account_id = $ACCOUNT AND platform_name LIKE '% %' ORDER BY random() LIMIT 200" > "$OUT/names.txt"
q "SELECT platform_user_id FROM contacts WHERE account_id = $ACCOUNT AND phone IS NULL ORDER BY random() LIMIT 200" > "$OUT/userids.txt"
{
  echo "channel=$(q "SELECT id FROM channels WHERE account_id = $ACCOUNT AND platform = 'whatsapp' ORDER BY id DESC LIMIT 1")"
  echo "agent=$(q "SELECT assignee_id FROM conversations WHERE account_id = $ACCOUNT AND assignee_type = 'agent' LIMIT 1")"
  echo "team=$(q "SELECT assignee_id FROM conversations WHERE account_id = $ACCOUNT AND assignee_type = 'team' LIMIT 1")"
  echo "exportStatus=open"
} > "$OUT/ids.txt"

psql "$PG/$DB" -v account="$ACCOUNT" -v phone="$(head -1 "$OUT/phones.txt")" -v name="$(head -1 "$OUT/names.txt")" \
  -v channel="$(grep channel= "$OUT/ids.txt" | cut -d= -f2)" -f bench/inbox/explain.sql > "$OUT/explain.txt" 2>&1

echo "measuring ($REQUESTS requests per query, one at a time) from $(date -u +%T); $(uptime)"
java bench/inbox/Bench.java "http://127.0.0.1:$PORT" $EMAIL $PASSWORD "$OUT" $NODE "$REQUESTS" | tee "$OUT/results.md"
echo "measured until $(date -u +%T); $(uptime)"
