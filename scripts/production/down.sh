#!/usr/bin/env bash
# Stops what scripts/production/up.sh DATA_DIR started: Temporal's four services (by the pids in
# DATA_DIR/pids) and the PostgreSQL cluster in DATA_DIR/pg. Keeps the data, so up.sh on the same
# folder starts the same cluster again; remove the folder to forget it. Safe to rerun.
# Naming services stops only those and leaves PostgreSQL running: `down.sh DATA_DIR history`
# then `up.sh DATA_DIR` restarts the history service.
# Usage: scripts/production/down.sh DATA_DIR [frontend|history|matching|worker …]
set -euo pipefail

die() { echo "down.sh: $*" >&2; exit 1; }
[ $# -ge 1 ] || die "usage: $0 DATA_DIR [frontend|history|matching|worker …] (the folder given to up.sh; services to stop alone)"
[ -d "$1" ] || die "$1 is not a folder"
data=$(cd "$1" && pwd)
shift
services=(worker frontend matching history)
if [ $# -gt 0 ]; then
  for service in "$@"; do
    case $service in frontend | history | matching | worker) ;; *) die "$service is not a Temporal service: name frontend, history, matching or worker" ;; esac
  done
  services=("$@")
fi

# Each service runs in its own process group (up.sh starts it with setsid): TERM the group, give
# it 20 s to leave the membership ring cleanly, then KILL.
for service in "${services[@]}"; do
  pidfile=$data/pids/$service.pid
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    echo "== Temporal: stopping $service ($pid)"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
done

pg_data=$data/pg
if [ $# -eq 0 ] && [ -f "$pg_data/PG_VERSION" ]; then
  pg_bin=$(dirname "$(command -v pg_ctl 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -1)")
  as_pg=()
  [ "$(id -u)" -eq 0 ] && as_pg=(runuser -u postgres --)
  if "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" status >/dev/null 2>&1; then
    echo "== PostgreSQL: stopping"
    postmaster=$(head -n 1 "$pg_data/postmaster.pid")
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null
    # pg_ctl returns once the pid file is gone, a moment before the postmaster has exited.
    for _ in $(seq 1 40); do kill -0 "$postmaster" 2>/dev/null || break; sleep 0.25; done
  fi
fi
echo "stopped"
