#!/usr/bin/env bash
# make down: stop every Airflow process that make up started (and their children).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/private.sh"  # umask 077: what we create is private
run="$root/var/airflow/run"
stopped=0
for pidfile in "$run"/*.pid; do
  [ -e "$pidfile" ] || continue
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null
    echo "stopped $(basename "$pidfile" .pid) (pid $pid)"
    stopped=$((stopped + 1))
  fi
  rm -f "$pidfile"
done
echo "make down: $stopped process groups stopped"
