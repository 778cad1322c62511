#!/usr/bin/env bash
# The case board, lists and figures on a generated city with many cases (issue 5: "Listing
# 1,000,000 cases stays fast (keyset pagination, indexes): measure the board and the
# figures on a generated city").
#
#   bash bench/cases.sh
#   BENCH_CASES=200000 CIVICGRID_BIN=target/release/civicgrid bash bench/cases.sh
#   CIVICGRID_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres bash bench/cases.sh
#
# Per backend: a fresh database; `civicgrid bench-cases --cases N` (default 1,000,000) adds
# a city of 4 districts, 20 streets, 200 communities and 1,000 grids with N cases over the
# last year; the server starts; then `wrk -t2 -c8 -d5s --latency` against each of
#   GET /api/v1/cases/board?unit_id=STREET          the dispatcher's board of a street
#   GET /api/v1/cases?unit_id=COMMUNITY             a community's newest cases (50)
#   GET /api/v1/cases?unit_id=STREET&before=MIDDLE  a page half a million cases deep
#   GET /api/v1/cases?unit_id=STREET&state=dispatched  open cases of a street
#   GET /api/v1/case-figures?unit_id=STREET         this month: the street and its 10 communities
#   GET /api/v1/case-figures?unit_id=DISTRICT&from=…&to=…  a quarter: a district and its 5 streets
#   GET /api/v1/cases?unit_id=STREET&figure=closed&from=…&to=…  a figure's drill-down
# with the token of an admin of that street (district). Prints req/s, p50, p99.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"
CASES="${BENCH_CASES:-1000000}"
DURATION="${BENCH_DURATION:-5s}"

for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 2; }
done
BIN="$(bench_binary "$ROOT")"

bench_workdir cases

RESULTS=()
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

bench_backend() {
  local name="$1" db_url="$2" port base fixture
  port="$(free_port)"
  base="http://127.0.0.1:$port"
  fixture="$WORK/$name-fixture.json"
  echo
  echo "== $name: bench-cases with $CASES cases"
  local started=$SECONDS
  CIVICGRID_LOG=warn,sqlx=error "$BIN" --database-url "$db_url" bench-cases --cases "$CASES" --out "$fixture"
  echo "   ready after $((SECONDS - started))s"
  local street district community middle street_token district_token
  street="$(field "$fixture" street_id)"
  district="$(field "$fixture" district_id)"
  community="$(field "$fixture" community_id)"
  middle="$(field "$fixture" middle_id)"
  street_token="$(field "$fixture" street_token)"
  district_token="$(field "$fixture" district_token)"
  if [[ "$db_url" == sqlite://* ]]; then
    echo "   database: $(du -h "${db_url#sqlite://}" | cut -f1)"
  fi

  CIVICGRID_LOG=warn "$BIN" --database-url "$db_url" --bind "127.0.0.1:$port" serve >"$WORK/$name-server.log" 2>&1 &
  SERVER_PID=$!
  wait_for_health "$base" "$WORK/$name-server.log"

  local month_from month_to q_from q_to
  month_from="$(date -u -d '+8 hours' +%Y-%m-01)"
  month_to="$(date -u -d "$month_from +1 month -1 day" +%Y-%m-%d)"
  q_from="$(date -u -d "$month_from -2 month" +%Y-%m-%d)"
  q_to="$month_to"
  local -a names=(
    "board (street)"
    "list (community, newest 50)"
    "list (street, deep page)"
    "list (street, dispatched)"
    "figures (street + 10 communities, month)"
    "figures (district + 5 streets, quarter)"
    "drill-down (street, closed, month)"
  )
  local -a urls=(
    "/api/v1/cases/board?unit_id=$street"
    "/api/v1/cases?unit_id=$community"
    "/api/v1/cases?unit_id=$street&before=$middle"
    "/api/v1/cases?unit_id=$street&state=dispatched"
    "/api/v1/case-figures?unit_id=$street"
    "/api/v1/case-figures?unit_id=$district&from=$q_from&to=$q_to"
    "/api/v1/cases?unit_id=$street&figure=closed&from=$month_from&to=$month_to"
  )
  local -a tokens=("$street_token" "$street_token" "$street_token" "$street_token" "$street_token" "$district_token" "$street_token")
  local i out rps p50 p99 bad code
  for i in "${!urls[@]}"; do
    code="$(curl -s -o "$WORK/probe.json" -w '%{http_code}' -H "Authorization: Bearer ${tokens[$i]}" "$base${urls[$i]}")"
    if [[ "$code" != 200 ]]; then
      echo "bench: ${urls[$i]} answered $code: $(head -c 300 "$WORK/probe.json")" >&2
      exit 1
    fi
    out="$WORK/$name-$i.wrk"
    wrk -t2 -c8 -d"$DURATION" --latency -H "Authorization: Bearer ${tokens[$i]}" "$base${urls[$i]}" >"$out"
    rps="$(awk '/^Requests\/sec:/ {print $2}' "$out")"
    p50="$(awk '/^ +50%/ {print $2}' "$out")"
    p99="$(awk '/^ +99%/ {print $2}' "$out")"
    bad="$(awk '/Non-2xx or 3xx responses:/ {print $5}' "$out")"
    RESULTS+=("$(printf '| %-10s | %-42s | %8s | %8s | %8s | %5s |' "$name" "${names[$i]}" "$rps" "$p50" "$p99" "${bad:-0}")")
    printf '   %-42s %8s req/s  p50 %8s  p99 %8s\n' "${names[$i]}" "$rps" "$p50" "$p99"
  done
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
echo "== results (wrk -t2 -c8 -d$DURATION --latency, 127.0.0.1, $CASES cases)"
printf '| %-10s | %-42s | %8s | %8s | %8s | %5s |\n' backend request req/s p50 p99 "non-2xx"
printf '|%s|%s|%s|%s|%s|%s|\n' "------------" "--------------------------------------------" "---------:" "---------:" "---------:" "------:"
printf '%s\n' "${RESULTS[@]}"
