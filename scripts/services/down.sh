#!/usr/bin/env bash
# Stops what up.sh started (dockerd and the registry it launched, PostgreSQL 15/main).
# Leaves data directories and packages in place. For developers; CI does not need it.
set -uo pipefail
RUN_DIR=/run/slipway-test-services
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../lib/pid-files.sh"
stop_pid() { # stop_pid <name> <executable>
  local file="$RUN_DIR/$1.pid" pid
  [ -f "$file" ] || { echo "down.sh: $1 was not started by up.sh"; return 0; }
  if pid="$(running_pid "$file" "$2")"; then
    kill -TERM "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "down.sh: stopped $1 (pid $pid)"
  fi
  rm -f "$file"
}
stop_pid registry docker-registry
stop_pid dockerd dockerd
if command -v pg_ctlcluster >/dev/null 2>&1; then
  pg_ctlcluster 15 main stop 2>/dev/null && echo "down.sh: stopped PostgreSQL 15/main"
fi
exit 0
