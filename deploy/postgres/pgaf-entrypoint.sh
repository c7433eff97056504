#!/usr/bin/env bash
# ROLE=monitor: the pg_auto_failover monitor. ROLE=node: a data node registering with MONITOR_URI
# (the first to register becomes the primary, the next ones synchronous standbys). A restart
# finds its state in the volume and just runs again. PGAF_AUTH defaults to trust, which is only
# for a private network such as the compose file's; see deploy/README.md for passwords.
set -euo pipefail
host=${PGAF_HOSTNAME:?set PGAF_HOSTNAME to this container's name}
if [ -f "$XDG_CONFIG_HOME/pg_autoctl$PGDATA/pg_autoctl.cfg" ]; then
  exec pg_autoctl run --pgdata "$PGDATA"
fi
case "${ROLE:?set ROLE to monitor or node}" in
  monitor)
    exec pg_autoctl create monitor --pgdata "$PGDATA" --pgport 5432 --hostname "$host" \
      --auth "${PGAF_AUTH:-trust}" --ssl-self-signed --run ;;
  node)
    exec pg_autoctl create postgres --pgdata "$PGDATA" --pgport 5432 --hostname "$host" \
      --name "$host" --dbname "${PGAF_DBNAME:-switchboard}" --monitor "${MONITOR_URI:?set MONITOR_URI}" \
      --auth "${PGAF_AUTH:-trust}" --pg-hba-lan --ssl-self-signed --run ;;
  *) echo "ROLE must be monitor or node" >&2; exit 2 ;;
esac
