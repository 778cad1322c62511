#!/usr/bin/env bash
# Check-in throughput under load on loopback, beside a bare insert endpoint over the same
# database in the same run (issue 4's target: check-in at least half the bare insert's
# requests/s, p99 under 30 ms, at 64 connections).
#
#   bash bench/checkin.sh
#   CIVICGRID_BIN=target/release/civicgrid bash bench/checkin.sh
#   CIVICGRID_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres bash bench/checkin.sh
#
# Per backend: a fresh database; `civicgrid bench-fixture` adds a city with one activity
# under way and BENCH_PEOPLE personnel (default 10000), each with an API token and a seat;
# the server starts with CIVICGRID_BENCH_ENDPOINTS=1; then `wrk -t2 -c64 -d6s --latency`
#   POST /api/v1/bench/insert              authenticate, one INSERT (the floor)
#   POST /api/v1/activities/{id}/checkin    the real check-in: seat, fence, window, audit
# each request with the next person's token (bench/checkin.lua). The first pass over the
# people checks in, the second checks out; later passes are idempotent replays. The script
# prints req/s, p50, p99 and how many check-ins were written.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"
DURATION="${BENCH_DURATION:-6s}"
PEOPLE="${BENCH_PEOPLE:-10000}"

for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 2; }
done

BIN="$(bench_binary "$ROOT")"

bench_workdir checkin

count_checkins() {
  local db_url="$1" activity="$2"
  if [[ "$db_url" == sqlite://* ]]; then
    python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute('SELECT COUNT(*) FROM checkin WHERE activity_id=?', (int(sys.argv[2]),)).fetchone()[0])" "${db_url#sqlite://}" "$activity"
  else
    psql -w -At "$db_url" -c "SELECT COUNT(*) FROM checkin WHERE activity_id = $activity"
  fi
}

RESULTS=()

bench_backend() {
  local name="$1" db_url="$2" port base fixture
  port="$(free_port)"
  base="http://127.0.0.1:$port"
  fixture="$WORK/$name-fixture.json"
  echo
  echo "== $name: bench-fixture with $PEOPLE people"
  local started=$SECONDS
  CIVICGRID_LOG=warn "$BIN" --database-url "$db_url" bench-fixture --people "$PEOPLE" --out "$fixture"
  echo "   ready after $((SECONDS - started))s"
  local activity lon lat
  activity="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["activity_id"])' "$fixture")"
  lon="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lon"])' "$fixture")"
  lat="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lat"])' "$fixture")"
  python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["tokens"]))' "$fixture" >"$WORK/$name-tokens.txt"

  CIVICGRID_LOG=warn CIVICGRID_BENCH_ENDPOINTS=1 \
    "$BIN" --database-url "$db_url" --bind "127.0.0.1:$port" serve >"$WORK/$name-server.log" 2>&1 &
  SERVER_PID=$!
  wait_for_health "$base" "$WORK/$name-server.log"

  local mode out rps p50 p99 bad
  for mode in insert checkin; do
    out="$WORK/$name-$mode.wrk"
    echo "   $mode: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency"
    BENCH_TOKENS="$WORK/$name-tokens.txt" BENCH_THREADS="$THREADS" MODE="$mode" \
      BENCH_ACTIVITY="$activity" BENCH_LON="$lon" BENCH_LAT="$lat" \
      wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$HERE/checkin.lua" "$base" >"$out" 2>"$out.err"
    if [[ -s "$out.err" ]]; then sed "s/^/   /" "$out.err"; fi
    rps="$(awk '/^Requests\/sec:/ {print $2}' "$out")"
    p50="$(awk '/^ +50%/ {print $2}' "$out")"
    p99="$(awk '/^ +99%/ {print $2}' "$out")"
    bad="$(awk '/Non-2xx or 3xx responses:/ {print $5}' "$out")"
    local label="POST /api/v1/bench/insert"
    [[ "$mode" == checkin ]] && label="POST …/checkin"
    RESULTS+=("$(printf '| %-10s | %-26s | %9s | %8s | %8s | %7s |' "$name" "$label" "$rps" "$p50" "$p99" "${bad:-0}")")
    printf '   -> %s req/s, p50 %s, p99 %s, non-2xx %s\n' "$rps" "$p50" "$p99" "${bad:-0}"
    if [[ -n "${BENCH_OUT:-}" ]]; then mkdir -p "$BENCH_OUT"; cp "$out" "$BENCH_OUT/$name-$mode.txt"; fi
  done
  echo "   check-ins written: $(count_checkins "$db_url" "$activity") (of $((2 * PEOPLE)) possible; the rest were replays)"
  stop_server
}

echo "bench: $(nproc) cores; $("$BIN" --version 2>/dev/null || echo '?')"
bench_backend sqlite "sqlite://$WORK/civicgrid.db"
if [[ -n "$PG_ADMIN_URL" ]]; then
  psql -w -q "$PG_ADMIN_URL" -c "CREATE DATABASE $PG_DB" >/dev/null
  PG_CREATED=1
  bench_backend postgres "$(pg_url_for "$PG_ADMIN_URL" "$PG_DB")"
fi

echo
echo "== results (wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, 127.0.0.1, $PEOPLE people)"
echo "| backend    | endpoint                   |     req/s |      p50 |      p99 | non-2xx |"
echo "|------------|----------------------------|----------:|---------:|---------:|--------:|"
printf '%s\n' "${RESULTS[@]}"
