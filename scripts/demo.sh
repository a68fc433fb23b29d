#!/usr/bin/env bash
# make demo: the whole pipeline on the local fixture web, through the real DAGs (`airflow dags test`).
# Usage: scripts/demo.sh PORT ARTICLES_PER_SITE
set -euo pipefail
port="${1:-8765}"
articles="${2:-20}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/private.sh"  # umask 077: what we create is private
cd "$root"
mkdir -p var/demo
sources="$root/var/demo/sources.yaml"
rm -f "$sources"

echo "==> starting the fixture web on 127.0.0.1:$port.. ($articles articles per site)"
.venv/bin/mediawatch fixture-web serve --port "$port" --articles "$articles" \
  --sources-out "$sources" >var/demo/fixture-web.log 2>&1 &
web_pid=$!
stop_web() {
  kill "$web_pid" 2>/dev/null || true
  wait "$web_pid" 2>/dev/null || true
  echo "==> fixture web stopped ($(tail -n 1 var/demo/fixture-web.log))"
}
trap stop_web EXIT
for _ in $(seq 1 100); do
  [ -s "$sources" ] && break
  kill -0 "$web_pid" 2>/dev/null || { cat var/demo/fixture-web.log; echo "error: the fixture web did not start (port $port busy? try make demo DEMO_PORT=9876)"; exit 2; }
  sleep 0.2
done
[ -s "$sources" ] || { echo "error: the fixture web did not write $sources"; exit 2; }

export MEDIAWATCH_SOURCES="$sources"
# The fixture web is our own server on 127.0.0.1: say explicitly that the demo crawls it faster than
# the polite defaults real sites get (AutoThrottle, 1 s delay, 2 requests per domain).
export MEDIAWATCH_CRAWL_SETTINGS="AUTOTHROTTLE_ENABLED=False,DOWNLOAD_DELAY=0,CONCURRENT_REQUESTS_PER_DOMAIN=8"
echo "==> crawling the local fixture web with explicit fast settings: $MEDIAWATCH_CRAWL_SETTINGS"
run_dag() {
  local dag="$1" log="var/demo/$1.log"
  echo "==> airflow dags test $dag (log: $log)"
  if ! bin/airflow dags test "$dag" >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "error: $dag failed; the full log is $log"
    exit 1
  fi
  grep -E "mediawatch (crawl|load|gate|report):" "$log" | sed -E 's/.*(mediawatch [a-z]+:)/   \1/' | head -n 20 || true
  if grep -qE "state=failed|DagRunState.FAILED|Marking run .* failed" "$log"; then
    echo "error: a task of $dag failed; see $log"
    exit 1
  fi
}
run_dag mediawatch_crawl
run_dag mediawatch_process

echo "==> done"
.venv/bin/mediawatch status >/dev/null 2>var/demo/status.txt || true
cat var/demo/status.txt
