#!/usr/bin/env bash
# Bounded load test on loopback (127.0.0.1 only) with wrk.
#
#   bash bench/load.sh                                   # builds the release binary first
#   CIVICGRID_BIN=target/release/civicgrid bash bench/load.sh
#   CIVICGRID_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres bash bench/load.sh
#
# For each backend (SQLite always; PostgreSQL too when CIVICGRID_BENCH_POSTGRES_URL names a
# server and a database to connect to for CREATE/DROP DATABASE) it starts the server with the
# demo city on a fresh database, logs in once as `admin` (one successful page login for the
# cg_session cookie, one POST /api/v1/auth/token for a bearer token: the login rate limit only
# counts failures), then runs `wrk -t2 -c16 -d15s --latency` against
#   GET /login           the login page (no session)
#   GET /people          the personnel list page (session cookie)
#   GET /api/v1/people   the personnel list API (bearer token)
# and prints requests/s, p50 and p99 per endpoint and backend. The server is always stopped
# and the PostgreSQL database dropped. Settings: BENCH_THREADS (2), BENCH_CONNECTIONS (16),
# BENCH_DURATION (15s), BENCH_OUT (a directory to keep wrk's raw output in), BENCH_PG_ANALYZE=1
# (run ANALYZE on the PostgreSQL database once the demo city is loaded, before measuring).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-16}"
DURATION="${BENCH_DURATION:-15s}"
PASSWORD="bench${RANDOM}Pass${RANDOM}"

for tool in wrk curl; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install $tool)" >&2; exit 2; }
done

BIN="$(bench_binary "$ROOT")"

bench_workdir bench



RESULTS=()

# bench_backend NAME DATABASE_URL
bench_backend() {
  local name="$1" db_url="$2" port base
  port="$(free_port)"
  base="http://127.0.0.1:$port"
  echo
  echo "== $name: starting $(basename "$BIN") demo on $base"
  local started=$SECONDS
  CIVICGRID_LOG=warn CIVICGRID_DEMO_PASSWORD="$PASSWORD" \
    "$BIN" --database-url "$db_url" --bind "127.0.0.1:$port" demo >"$WORK/$name-server.log" 2>&1 &
  SERVER_PID=$!
  wait_for_health "$base" "$WORK/$name-server.log" 300
  echo "   demo city ready after $((SECONDS - started))s"
  if [[ "$name" == postgres && "${BENCH_PG_ANALYZE:-0}" == 1 ]]; then
    # Right after the bulk load the planner has no statistics until autovacuum gets to it.
    echo "   ANALYZE (BENCH_PG_ANALYZE=1)"
    psql -w -q "$db_url" -c ANALYZE
  fi

  # Page login: GET /login for the cg_pre cookie and the _csrf field, POST the form.
  local jar="$WORK/$name.jar" csrf session token
  csrf="$(curl -fsS -c "$jar" "$base/login" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -n 1)"
  [[ -n "$csrf" ]] || { echo "bench: no _csrf field on /login" >&2; exit 1; }
  session="$(curl -sS -b "$jar" -o /dev/null -D - \
      --data-urlencode "_csrf=$csrf" --data-urlencode "login=admin" \
      --data-urlencode "password=$PASSWORD" --data-urlencode "next=/" "$base/login" \
    | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: cg_session=\([^;]*\);.*/\1/p' | head -n 1)"
  [[ -n "$session" ]] || { echo "bench: page login as admin gave no cg_session cookie" >&2; exit 1; }
  # API login: a bearer token.
  token="$(curl -fsS -H 'Content-Type: application/json' \
      -d "{\"login\":\"admin\",\"password\":\"$PASSWORD\"}" "$base/api/v1/auth/token" \
    | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')"
  [[ -n "$token" ]] || { echo "bench: POST /api/v1/auth/token gave no token" >&2; exit 1; }

  local -a labels=("GET /login" "GET /people" "GET /api/v1/people")
  local -a paths=("/login" "/people" "/api/v1/people")
  local -a headers=("" "Cookie: cg_session=$session" "Authorization: Bearer $token")
  local i
  for i in 0 1 2; do
    local url="$base${paths[$i]}" code out="$WORK/$name-$i.wrk"
    local -a h=()
    [[ -n "${headers[$i]}" ]] && h=(-H "${headers[$i]}")
    code="$(curl -sS -o "$WORK/$name-$i.body" -w '%{http_code}' "${h[@]}" "$url")"
    if [[ "$code" != 200 ]]; then
      echo "bench: ${labels[$i]} answered $code before the load, expected 200" >&2
      exit 1
    fi
    echo "   ${labels[$i]}: $(wc -c <"$WORK/$name-$i.body") bytes; wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${h[@]}" "$url" >"$out"
    local rps p50 p99 bad
    rps="$(awk '/^Requests\/sec:/ {print $2}' "$out")"
    p50="$(awk '/^ +50%/ {print $2}' "$out")"
    p99="$(awk '/^ +99%/ {print $2}' "$out")"
    bad="$(awk '/Non-2xx or 3xx responses:/ {print $5}' "$out")"
    local errs
    errs="$(sed -n 's/^ *Socket errors: //p' "$out")"
    RESULTS+=("$(printf '| %-10s | %-20s | %10s | %8s | %8s | %s |' "$name" "${labels[$i]}" "$rps" "$p50" "$p99" "${bad:-0}${errs:+; socket errors: $errs}")")
    printf '   -> %s req/s, p50 %s, p99 %s, non-2xx %s\n' "$rps" "$p50" "$p99" "${bad:-0}"
    if [[ -n "${BENCH_OUT:-}" ]]; then
      mkdir -p "$BENCH_OUT"
      cp "$out" "$BENCH_OUT/$name-$(echo "${paths[$i]}" | tr '/' '_' | sed 's/^_//').txt"
    fi
  done
  stop_server
}

echo "bench: $(nproc) cores; $(basename "$BIN"): $("$BIN" --version 2>/dev/null || echo '?')"
bench_backend sqlite "sqlite://$WORK/civicgrid.db"

if [[ -n "$PG_ADMIN_URL" ]]; then
  command -v psql >/dev/null || { echo "bench: psql is missing" >&2; exit 2; }
  psql -w -q "$PG_ADMIN_URL" -c "CREATE DATABASE $PG_DB" >/dev/null
  PG_CREATED=1
  bench_backend postgres "$(pg_url_for "$PG_ADMIN_URL" "$PG_DB")"
fi

echo
echo "== results (wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, 127.0.0.1)"
echo "| backend    | endpoint             |      req/s |      p50 |      p99 | non-2xx |"
echo "|------------|----------------------|-----------:|---------:|---------:|---------|"
printf '%s\n' "${RESULTS[@]}"
