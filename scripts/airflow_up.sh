#!/usr/bin/env bash
# make up: Airflow (api-server, scheduler, dag-processor, triggerer) with the project's DAGs,
# on 127.0.0.1 only. Login is required; the admin password is generated on first start.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/private.sh"  # umask 077: what we create is private
cd "$root"
run="var/airflow/run"
mkdir -p "$run" var/airflow/logs
mw_private var/airflow  # modes are fixed on every start, whoever created the files
port="${AIRFLOW__API__PORT:-8080}"
export AIRFLOW__API__PORT="$port"
export AIRFLOW__API__BASE_URL="http://127.0.0.1:$port"

for svc in api-server scheduler dag-processor triggerer; do
  pidfile="$run/$svc.pid"
  if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "$svc already running (pid $(cat "$pidfile"))"
    continue
  fi
  args=("$svc")
  [ "$svc" = api-server ] && args+=(--host 127.0.0.1 --port "$port")
  setsid bin/airflow "${args[@]}" >"var/airflow/logs/$svc.log" 2>&1 < /dev/null &
  echo $! >"$pidfile"
  echo "started $svc (pid $!, log var/airflow/logs/$svc.log)"
done

echo -n "waiting for the api-server on 127.0.0.1:$port "
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$port/api/v2/monitor/health" >/dev/null 2>&1; then
    echo " up"
    break
  fi
  if ! kill -0 "$(cat "$run/api-server.pid")" 2>/dev/null; then
    echo; tail -n 30 var/airflow/logs/api-server.log
    echo "error: the api-server exited (port $port busy? try AIRFLOW__API__PORT=8081 make up)"
    exit 1
  fi
  echo -n "."
  sleep 1
done
curl -fsS "http://127.0.0.1:$port/api/v2/monitor/health" >/dev/null || { echo "error: api-server not healthy after 120 s; see var/airflow/logs/api-server.log"; exit 1; }

passwords="var/airflow/simple_auth_manager_passwords.json.generated"
mw_private var/airflow  # the api-server just wrote the password file; never leave it readable
password="$(.venv/bin/python -c "import json,sys; print(json.load(open(sys.argv[1]))['admin'])" "$passwords" 2>/dev/null || echo '?')"
cat <<MSG

Airflow UI:  http://127.0.0.1:$port/
user:        admin
password:    $password   (generated on first start; stored in $passwords, not committed)
stop with:   make down
MSG
