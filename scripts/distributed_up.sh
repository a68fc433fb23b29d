#!/usr/bin/env bash
# make up-distributed: the distributed profile on one machine, each part a stand-in for a machine.
#   PostgreSQL (Airflow metadata DB `airflow` + DuckLake catalog DB `lake`) on 127.0.0.1:$MW_PG_PORT
#   Redis (Celery broker) on 127.0.0.1:$MW_REDIS_PORT
#   Airflow with CeleryExecutor: api-server (127.0.0.1:$MW_API_PORT), scheduler, dag-processor,
#   triggerer and $MW_WORKERS `airflow celery worker`s with their own hostnames and queues.
# Everything lives under $MW_DIST_DIR (default var/distributed/): data dirs, pids, logs, secrets.
# Settings and their overrides: scripts/distributed_env.sh. `--infra-only` starts PostgreSQL and Redis
# only (tests, benchmarks). Stop with `make down-distributed`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/distributed_env.sh
. "$here/distributed_env.sh"
cd "$MW_ROOT"
infra_only=0
[ "${1:-}" = "--infra-only" ] && infra_only=1
run="$MW_DIST_DIR/run"
logs="$MW_DIST_DIR/logs"
mkdir -p "$run" "$logs" "$MW_SHARED" "$MEDIAWATCH_DUCKLAKE_DATA" "$MW_DIST_DIR/airflow/logs"

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# --- packages -------------------------------------------------------------------------------------
pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -z "$pg_bin" ] || ! command -v redis-server >/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    echo "error: PostgreSQL and/or redis-server are missing; as root run:"
    echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql redis-server"
    exit 2
  fi
  echo "==> installing postgresql and redis-server (apt-get)"
  apt-get update >"$logs/apt.log" 2>&1
  DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql redis-server >>"$logs/apt.log" 2>&1 \
    || { tail -n 20 "$logs/apt.log"; echo "error: apt-get install failed; see $logs/apt.log"; exit 2; }
  pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
fi

# PostgreSQL refuses to run as root: as root, the data dir belongs to (and the server runs as) the
# `postgres` system user the package created; as anyone else, to that user.
pgdata="$MW_DIST_DIR/postgres"
as_pg=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "error: no 'postgres' user to run PostgreSQL as (install the postgresql package)"; exit 2; }
  as_pg=(runuser -u postgres --)
fi
# secrets and logs are owner-only (whoever created them); as root, the `postgres` user must still
# pass through $MW_DIST_DIR to its own 0700 data dir: traverse (x), never list or read
mw_private "$MW_DIST_DIR/pg.password" "$PGPASSFILE" "$MW_DIST_DIR/airflow" "$logs" "$run"
if [ ${#as_pg[@]} -gt 0 ]; then chmod 711 "$MW_DIST_DIR"; else chmod 700 "$MW_DIST_DIR"; fi

# --- PostgreSQL -----------------------------------------------------------------------------------
if [ ! -s "$PGPASSFILE" ]; then
  (umask 077; "$MW_ROOT/.venv/bin/python" -c "import secrets; print(secrets.token_urlsafe(24))" >"$MW_DIST_DIR/pg.password")
  (umask 077; echo "127.0.0.1:*:*:$MW_PG_USER:$(cat "$MW_DIST_DIR/pg.password")" >"$PGPASSFILE")
fi
if [ ! -s "$pgdata/PG_VERSION" ]; then
  echo "==> initdb $pgdata"
  mkdir -p "$pgdata"
  pwfile="$(mktemp)"; cp "$MW_DIST_DIR/pg.password" "$pwfile"
  if [ ${#as_pg[@]} -gt 0 ]; then chown postgres "$pgdata" "$pwfile"; fi
  chmod 700 "$pgdata"
  "${as_pg[@]}" "$pg_bin/initdb" -D "$pgdata" -U "$MW_PG_USER" --pwfile="$pwfile" \
    --auth-host=scram-sha-256 --auth-local=peer -E UTF8 >"$logs/initdb.log" 2>&1 \
    || { rm -f "$pwfile"; cat "$logs/initdb.log"; echo "error: initdb failed"; exit 2; }
  rm -f "$pwfile"
fi
pglog="$pgdata/server.log"   # inside the data dir: writable by the server's user
if "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
  echo "postgres already running (port $MW_PG_PORT)"
else
  # TCP on 127.0.0.1 only, no Unix socket (its path length limit bites in deep folders)
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pgdata" -l "$pglog" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $MW_PG_PORT -c unix_socket_directories='' -c max_connections=200" start >/dev/null \
    || { tail -n 20 "$pglog" 2>/dev/null; echo "error: PostgreSQL did not start (port $MW_PG_PORT busy? set MW_PG_PORT)"; exit 2; }
  echo "started postgres (127.0.0.1:$MW_PG_PORT, data $pgdata, log $pglog)"
fi
psql=("$pg_bin/psql" -h 127.0.0.1 -p "$MW_PG_PORT" -U "$MW_PG_USER" -X -q -v ON_ERROR_STOP=1)
for db in airflow lake; do
  if [ -z "$("${psql[@]}" -d postgres -tAc "select 1 from pg_database where datname = '$db'")" ]; then
    "${psql[@]}" -d postgres -c "create database $db"
    echo "created database $db"
  fi
done

# the lake's catalog tables and the warehouse schema, once, before any worker writes
[ "$MEDIAWATCH_WAREHOUSE_BACKEND" != ducklake ] || "$MW_ROOT/.venv/bin/python" -c "
import sys; from pathlib import Path; from mediawatch.warehouse.backend import init_lake
print('lake migrations applied:', init_lake(Path(sys.argv[1])) or 'none (up to date)')" "$MEDIAWATCH_WAREHOUSE" \
  || { echo "error: could not initialise the DuckLake (catalog: $MEDIAWATCH_DUCKLAKE_CATALOG)"; exit 2; }

# --- Redis ----------------------------------------------------------------------------------------
redis_dir="$MW_DIST_DIR/redis"
mkdir -p "$redis_dir"
if alive "$run/redis.pid"; then
  echo "redis already running (port $MW_REDIS_PORT)"
else
  redis-server --port "$MW_REDIS_PORT" --bind 127.0.0.1 --protected-mode yes --dir "$redis_dir" \
    --daemonize yes --pidfile "$run/redis.pid" --logfile "$logs/redis.log" --save "" --appendonly no
  for _ in $(seq 1 50); do [ -s "$run/redis.pid" ] && break; sleep 0.1; done
  alive "$run/redis.pid" || { tail -n 20 "$logs/redis.log"; echo "error: redis did not start (port $MW_REDIS_PORT busy? set MW_REDIS_PORT)"; exit 2; }
  echo "started redis (127.0.0.1:$MW_REDIS_PORT)"
fi
[ "$infra_only" = 1 ] && exit 0

# --- Airflow --------------------------------------------------------------------------------------
echo "==> airflow db migrate (PostgreSQL)"
bin/airflow db migrate >"$logs/airflow-db-migrate.log" 2>&1 \
  || { tail -n 30 "$logs/airflow-db-migrate.log"; echo "error: airflow db migrate failed"; exit 1; }
bin/airflow pools set mediawatch_warehouse_writer "$MW_WRITER_SLOTS" \
  "Warehouse writers: DuckLake commits with snapshot isolation, so more than one may run" >/dev/null
bin/airflow pools set mediawatch_crawl "$MW_CRAWL_SLOTS" "Concurrent crawls across all workers" >/dev/null

start() {  # name, then the airflow arguments
  local name="$1"; shift
  if alive "$run/$name.pid"; then echo "$name already running (pid $(cat "$run/$name.pid"))"; return; fi
  setsid bin/airflow "$@" >"$logs/$name.log" 2>&1 </dev/null &
  echo $! >"$run/$name.pid"
  echo "started $name (pid $!, log $logs/$name.log)"
}
start api-server api-server --host 127.0.0.1 --port "$MW_API_PORT"
start scheduler scheduler
start dag-processor dag-processor
start triggerer triggerer
for i in $(seq 1 "$MW_WORKERS"); do
  # every worker takes the shared `default` queue (so mapped crawls spread over all of them) plus its
  # own queue, for tasks that must run on that machine; its log server gets its own port
  AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=$((MW_LOG_PORT_BASE + i - 1)) \
    start "worker-$i" celery worker --celery-hostname "mw-worker-$i@%h" \
      --queues "default,mw-worker-$i" --concurrency "$MW_WORKER_CONCURRENCY"
done

echo -n "waiting for the api-server on 127.0.0.1:$MW_API_PORT "
for _ in $(seq 1 180); do
  curl -fsS "http://127.0.0.1:$MW_API_PORT/api/v2/monitor/health" >/dev/null 2>&1 && { echo " up"; break; }
  alive "$run/api-server.pid" || { echo; tail -n 30 "$logs/api-server.log"; echo "error: the api-server exited (port $MW_API_PORT busy? set MW_API_PORT)"; exit 1; }
  echo -n "."; sleep 1
done
curl -fsS "http://127.0.0.1:$MW_API_PORT/api/v2/monitor/health" >/dev/null || { echo "error: api-server not healthy; see $logs/api-server.log"; exit 1; }
password="$("$MW_ROOT/.venv/bin/python" -c "import json,sys; print(json.load(open(sys.argv[1]))['admin'])" "$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE" 2>/dev/null || echo '?')"
cat <<MSG

Airflow UI:  http://127.0.0.1:$MW_API_PORT/   user admin, password $password
workers:     $MW_WORKERS Celery workers x $MW_WORKER_CONCURRENCY slots (logs $logs/worker-*.log)
warehouse:   DuckLake, catalog "$MEDIAWATCH_DUCKLAKE_CATALOG", data $MEDIAWATCH_DUCKLAKE_DATA
shared:      $MW_SHARED (staging, WARC, crawl_state.parquet, analyst copy, reports)
CLI:         source scripts/distributed_env.sh; bin/airflow dags trigger mediawatch_crawl
stop with:   make down-distributed
MSG
