#!/usr/bin/env bash
# make down-distributed: stop what distributed_up.sh started (Airflow processes and Celery workers by
# their pid files, Redis, PostgreSQL). Data stays under $MW_DIST_DIR; delete that folder to start over.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/distributed_env.sh
. "$here/distributed_env.sh"
run="$MW_DIST_DIR/run"
stopped=0
stop_group() {  # pidfile: TERM the process group (the command and its children), then KILL
  local pidfile="$1" pid
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null
    echo "stopped $(basename "$pidfile" .pid) (pid $pid)"
    stopped=$((stopped + 1))
  fi
  rm -f "$pidfile"
}
for pidfile in "$run"/*.pid; do
  [ -e "$pidfile" ] || continue
  [ "$(basename "$pidfile")" = redis.pid ] && continue
  stop_group "$pidfile"
done
if [ -s "$run/redis.pid" ] && kill -0 "$(cat "$run/redis.pid")" 2>/dev/null; then
  pid="$(cat "$run/redis.pid")"
  kill -TERM "$pid"
  for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  echo "stopped redis (pid $pid)"; stopped=$((stopped + 1))
fi
rm -f "$run/redis.pid"
pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
pgdata="$MW_DIST_DIR/postgres"
if [ -n "$pg_bin" ] && [ -s "$pgdata/postmaster.pid" ]; then
  as_pg=()
  [ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null 2>&1 && { echo "stopped postgres"; stopped=$((stopped + 1)); }
fi
echo "make down-distributed: $stopped stopped (data kept in $MW_DIST_DIR)"
