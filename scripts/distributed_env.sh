# Sourced by scripts/distributed_up.sh, distributed_down.sh, tests and bench: the distributed profile's
# settings, every one overridable from the environment. After `source scripts/distributed_env.sh`,
# `bin/airflow …` talks to the distributed Airflow (PostgreSQL metadata, Celery on Redis) and the
# mediawatch code writes the DuckLake warehouse. Nothing here is secret: the PostgreSQL password is
# generated into $MW_DIST_DIR/pgpass (mode 0600) and libpq reads it from there (PGPASSFILE).
_mw_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$_mw_root/scripts/private.sh"  # umask 077: the pgpass file, data dirs and logs are private
export MW_ROOT="$_mw_root"
export MW_DIST_DIR="${MW_DIST_DIR:-$_mw_root/var/distributed}"
export MW_PG_PORT="${MW_PG_PORT:-55432}"
export MW_REDIS_PORT="${MW_REDIS_PORT:-56379}"
export MW_API_PORT="${MW_API_PORT:-8090}"
export MW_PG_USER="${MW_PG_USER:-mediawatch}"
export MW_WORKERS="${MW_WORKERS:-2}"                     # Celery workers, each a stand-in for a machine
export MW_WORKER_CONCURRENCY="${MW_WORKER_CONCURRENCY:-2}" # task slots (so crawls) per worker
export MW_CRAWL_SLOTS="${MW_CRAWL_SLOTS:-4}"             # crawl pool: concurrent crawls cluster-wide
export MW_LOG_PORT_BASE="${MW_LOG_PORT_BASE:-58793}"     # worker log servers: base, base+1, ...
export MW_SHARED="${MW_SHARED:-$MW_DIST_DIR/shared}"     # stands in for storage every machine mounts

export PGPASSFILE="$MW_DIST_DIR/pgpass"
# the cluster policy that routes crawls through the crawl pool (scripts/distributed/airflow_local_settings.py)
case ":${PYTHONPATH:-}:" in *":$_mw_root/scripts/distributed:"*) ;; *) export PYTHONPATH="$_mw_root/scripts/distributed${PYTHONPATH:+:$PYTHONPATH}" ;; esac
_mw_pg="$MW_PG_USER@127.0.0.1:$MW_PG_PORT"

# Airflow: same DAGs and AIRFLOW_HOME as `make up`, different executor, database, broker and port
export AIRFLOW__CORE__EXECUTOR=CeleryExecutor
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="postgresql+psycopg2://$_mw_pg/airflow"
export AIRFLOW__CELERY__BROKER_URL="redis://127.0.0.1:$MW_REDIS_PORT/0"
export AIRFLOW__CELERY__RESULT_BACKEND="db+postgresql://$_mw_pg/airflow"
export AIRFLOW__CELERY__WORKER_CONCURRENCY="$MW_WORKER_CONCURRENCY"
# a worker killed mid-task: its task is re-queued when the task's heartbeat stops (not after hours)
export AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT="${AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT:-60}"
# a task stuck in a dead worker's prefetch queue is re-queued after this, not after the default 10 min
export AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT="${AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT:-180}"
export AIRFLOW__CELERY__TASK_ACKS_LATE=True
export AIRFLOW__API__PORT="$MW_API_PORT"
export AIRFLOW__API__BASE_URL="http://127.0.0.1:$MW_API_PORT"
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://127.0.0.1:$MW_API_PORT/execution/"
export AIRFLOW__LOGGING__BASE_LOG_FOLDER="$MW_DIST_DIR/airflow/logs"
export AIRFLOW__LOGGING__DAG_PROCESSOR_CHILD_PROCESS_LOG_DIRECTORY="$MW_DIST_DIR/airflow/logs/dag_processor"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE="$MW_DIST_DIR/airflow/simple_auth_manager_passwords.json.generated"
export AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="${AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL:-10}"

# mediawatch: DuckLake warehouse (PostgreSQL catalog + Parquet files on the shared folder); staging
# files, WARC archives, crawl_state.parquet and the analyst copy sit beside MEDIAWATCH_WAREHOUSE, so
# pointing it into the shared folder shares them between workers (that file itself is not used)
export MEDIAWATCH_WAREHOUSE_BACKEND="${MEDIAWATCH_WAREHOUSE_BACKEND:-ducklake}"
export MEDIAWATCH_DUCKLAKE_CATALOG="${MEDIAWATCH_DUCKLAKE_CATALOG:-dbname=lake host=127.0.0.1 port=$MW_PG_PORT user=$MW_PG_USER}"
export MEDIAWATCH_DUCKLAKE_DATA="${MEDIAWATCH_DUCKLAKE_DATA:-$MW_SHARED/lake}"
export MEDIAWATCH_WAREHOUSE="${MEDIAWATCH_WAREHOUSE:-$MW_SHARED/warehouse.duckdb}"
export MEDIAWATCH_REPORTS="${MEDIAWATCH_REPORTS:-$MW_SHARED/reports}"
# the warehouse writer pool: a DuckDB file has one writer; DuckLake commits are checked against each
# other (snapshot isolation, conflicting commits fail and are retried), so two writers are safe
if [ "$MEDIAWATCH_WAREHOUSE_BACKEND" = ducklake ]; then _mw_slots=2; else _mw_slots=1; fi
export MW_WRITER_SLOTS="${MW_WRITER_SLOTS:-$_mw_slots}"
unset _mw_slots
unset _mw_root _mw_pg
