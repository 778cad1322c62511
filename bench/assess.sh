#!/usr/bin/env bash
# Assessing a month for a generated city against the bare SQL aggregation of the same data,
# and the dashboard page at that size (issue 7 point 9: "within 5× of that bare aggregation,
# and a dashboard page under 200 ms").
#
#   bash bench/assess.sh                                  # scale city, SQLite then PostgreSQL
#   BENCH_SCALE=district bash bench/assess.sh             # a quick run (10,000 personnel)
#   CIVICGRID_BIN=target/release/civicgrid BENCH_BACKENDS=sqlite bash bench/assess.sh
#
# Per backend: a fresh database (SQLite: a file in a temporary folder; PostgreSQL: a
# database created on $CIVICGRID_BENCH_POSTGRES_URL, default
# postgres://postgres@127.0.0.1:5432/postgres, and dropped at the end), then
#   1. `civicgrid gen-data --scale $BENCH_SCALE` (default city: 100,000 personnel and
#      10,000,000 contributions over twelve months; the benchmark month is the last of them,
#      $BENCH_MONTH or last month);
#   2. the bare SQL aggregation of the month — per person and kind over ledger_txn ⋈
#      ledger_posting ⋈ ledger_account: credits, points, minutes, the same aggregate the
#      assessment reads — through sqlite3 / psql, 3 runs, the median;
#   3. `civicgrid assess YYYY-MM` (when the binary has the subcommand; else "not available
#      yet"), then the same again (idempotent: nothing may change);
#   4. the server, a page login as the generated city admin, and
#      GET /reports/dashboard?unit=<city>&period=YYYY-MM: one warm-up, then the median of
#      $BENCH_DASHBOARD_REQUESTS (10) `curl -w %{time_total}` (skipped when it answers 404).
# Prints a table with the ratio assess / bare SQL. Run it with `nice -n 10` on a shared machine.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"
SCALE="${BENCH_SCALE:-city}"
BACKENDS="${BENCH_BACKENDS:-sqlite postgres}"
DASH_N="${BENCH_DASHBOARD_REQUESTS:-10}"
export CIVICGRID_BENCH_POSTGRES_URL="${CIVICGRID_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

for tool in curl python3 sqlite3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 2; }
done
if [[ " $BACKENDS " == *" postgres "* ]]; then
  command -v psql >/dev/null || { echo "bench: psql is missing" >&2; exit 2; }
fi
BIN="$(bench_binary "$ROOT")"

bench_workdir assess

field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
now_ns() { date +%s%N; }
# Median of the numbers on stdin.
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) {print "-"} else if (NR%2) {print a[(NR+1)/2]} else {printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}}'; }
ms_since() { echo $(( ($(now_ns) - $1) / 1000000 )); }

HAS_ASSESS=0
if "$BIN" --help 2>/dev/null | grep -qE '^  assess( |$)'; then HAS_ASSESS=1; fi

RESULTS=()

# The bare aggregation of the month, one SQL text for both backends: the same aggregate
# `ledger::contributions::by_person` reads for the assessment (per person and kind:
# credits, points, minutes; reversed transactions left out).
bare_sql() {
  local city="$1" from="$2" to="$3"
  cat <<SQL
SELECT a.person_id, t.kind,
       CAST(SUM(CASE WHEN p.currency = 'points' THEN 1 ELSE 0 END) AS BIGINT) AS credits,
       CAST(SUM(CASE WHEN p.currency = 'points' THEN p.amount ELSE 0 END) AS BIGINT) AS points_e2,
       CAST(SUM(CASE WHEN p.currency = 'minutes' THEN p.amount ELSE 0 END) AS BIGINT) AS minutes
FROM ledger_txn t
JOIN ledger_posting p ON p.city_id = t.city_id AND p.txn_id = t.id
JOIN ledger_account a ON a.city_id = p.city_id AND a.id = p.account_id
WHERE t.city_id = $city AND t.occurred_on >= '$from' AND t.occurred_on <= '$to'
  AND t.kind <> 'reversal' AND a.kind = 'person' AND a.person_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM ledger_txn r WHERE r.city_id = t.city_id AND r.reverses_txn_id = t.id)
GROUP BY a.person_id, t.kind;
SQL
}

bench_backend() {
  local name="$1" db_url="$2"
  local summary="$WORK/$name-summary.json"
  echo
  echo "== $name: gen-data --scale $SCALE"
  local started gen_s
  started=$(now_ns)
  local -a month_arg=()
  [[ -n "${BENCH_MONTH:-}" ]] && month_arg=(--month "$BENCH_MONTH")
  CIVICGRID_LOG=warn,sqlx=error "$BIN" --database-url "$db_url" gen-data --scale "$SCALE" "${month_arg[@]}" --out "$summary" \
    | sed 's/^/   /'
  gen_s=$(( $(ms_since "$started") / 1000 ))
  local city unit month login password from to
  city="$(field "$summary" city_id)"
  unit="$(field "$summary" city_unit_id)"
  month="$(field "$summary" month)"
  login="$(field "$summary" admin_login)"
  password="$(field "$summary" admin_password)"
  from="$month-01"
  to="$(date -u -d "$from +1 month -1 day" +%Y-%m-%d)"
  if [[ "$db_url" == sqlite://* ]]; then
    echo "   database: $(du -h "${db_url#sqlite://}" | cut -f1)"
  fi

  # (a) the bare SQL aggregation, 3 runs.
  bare_sql "$city" "$from" "$to" >"$WORK/bare.sql"
  local i t rows times=()
  for i in 1 2 3; do
    if [[ "$db_url" == sqlite://* ]]; then
      t=$(now_ns)
      sqlite3 -readonly "${db_url#sqlite://}" <"$WORK/bare.sql" >"$WORK/bare.out"
      times+=("$(ms_since "$t")")
    else
      # psql's own \timing: the query's round trip without psql's start and connection.
      times+=("$( { echo '\timing on'; cat "$WORK/bare.sql"; } \
        | psql -X -w -q -A -t -v ON_ERROR_STOP=1 "$db_url" -o "$WORK/bare.out" \
        | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | awk '{printf "%.1f", $1}')")
    fi
  done
  rows="$(grep -c . "$WORK/bare.out" || true)"
  local bare
  bare="$(printf '%s\n' "${times[@]}" | median)"
  echo "   bare SQL aggregation of $month: ${times[*]} ms (median $bare ms, $rows person×kind rows)"

  # (b) civicgrid assess, twice.
  local assess1="-" assess2="-" ratio="-"
  if [[ "$HAS_ASSESS" == 1 ]]; then
    for i in 1 2; do
      t=$(now_ns)
      if CIVICGRID_LOG=warn,sqlx=error "$BIN" --database-url "$db_url" assess "$month" >"$WORK/$name-assess-$i.log" 2>&1; then
        local took
        took="$(ms_since "$t")"
        echo "   assess $month (run $i): $took ms — $(tail -n 1 "$WORK/$name-assess-$i.log")"
        if [[ $i == 1 ]]; then assess1="$took"; else assess2="$took"; fi
      else
        echo "   assess $month (run $i) failed:"; tail -n 20 "$WORK/$name-assess-$i.log" | sed 's/^/     /'
        if [[ $i == 1 ]]; then assess1="failed"; else assess2="failed"; fi
      fi
    done
    if [[ "$assess1" =~ ^[0-9]+$ && "$bare" =~ ^[0-9.]+$ ]]; then
      ratio="$(awk -v a="$assess1" -v b="$bare" 'BEGIN {printf "%.1f×", a / (b > 0 ? b : 1)}')"
    fi
  else
    echo "   assess not available yet (this civicgrid has no \`assess\` subcommand)"
  fi

  # (c) the dashboard page.
  local port base dash="-"
  port="$(free_port)"
  base="http://127.0.0.1:$port"
  CIVICGRID_LOG=warn "$BIN" --database-url "$db_url" --bind "127.0.0.1:$port" serve >"$WORK/$name-server.log" 2>&1 &
  SERVER_PID=$!
  wait_for_health "$base" "$WORK/$name-server.log" 120
  local jar="$WORK/$name.jar" csrf session
  csrf="$(curl -fsS -c "$jar" "$base/login" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -n 1)"
  [[ -n "$csrf" ]] || { echo "bench: no _csrf field on /login" >&2; exit 1; }
  session="$(curl -sS -b "$jar" -o /dev/null -D - \
      --data-urlencode "_csrf=$csrf" --data-urlencode "login=$login" \
      --data-urlencode "password=$password" --data-urlencode "next=/" "$base/login" \
    | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: cg_session=\([^;]*\);.*/\1/p' | head -n 1)"
  [[ -n "$session" ]] || { echo "bench: page login as $login gave no cg_session cookie" >&2; exit 1; }
  local url="$base/reports/dashboard?unit=$unit&period=$month" code
  code="$(curl -s -o "$WORK/$name-dashboard.html" -w '%{http_code}' -H "Cookie: cg_session=$session" "$url")"
  if [[ "$code" == 404 ]]; then
    echo "   dashboard not available yet (/reports/dashboard answered 404)"
  elif [[ "$code" != 200 ]]; then
    echo "   dashboard answered $code: $(head -c 300 "$WORK/$name-dashboard.html")"
    dash="HTTP $code"
  else
    local dtimes=()
    for i in $(seq 1 "$DASH_N"); do
      dtimes+=("$(curl -s -o /dev/null -w '%{time_total}' -H "Cookie: cg_session=$session" "$url" \
        | awk '{printf "%.1f", $1 * 1000}')")
    done
    dash="$(printf '%s\n' "${dtimes[@]}" | median)"
    echo "   dashboard (city, $month): ${dtimes[*]} ms (median $dash ms, $(wc -c <"$WORK/$name-dashboard.html") bytes)"
  fi
  stop_server

  RESULTS+=("$(printf '| %-10s | %-8s | %9s | %10s | %10s | %10s | %8s | %12s |' \
    "$name" "$SCALE" "$gen_s" "$bare" "$assess1" "$assess2" "$ratio" "$dash")")
}

echo "bench: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load $(cut -d' ' -f1-3 /proc/loadavg); $("$BIN" --version 2>/dev/null || echo '?')"
for backend in $BACKENDS; do
  case "$backend" in
    sqlite) bench_backend sqlite "sqlite://$WORK/civicgrid.db" ;;
    postgres)
      psql -w -q "$PG_ADMIN_URL" -c "CREATE DATABASE $PG_DB" >/dev/null
      PG_CREATED=1
      bench_backend postgres "$(pg_url_for "$PG_ADMIN_URL" "$PG_DB")"
      ;;
    *) echo "bench: unknown backend $backend" >&2; exit 2 ;;
  esac
done

echo
echo "== results (scale $SCALE; times in ms unless said; target: assess ≤ 5× bare SQL, dashboard < 200 ms)"
printf '| %-10s | %-8s | %9s | %10s | %10s | %10s | %8s | %12s |\n' backend scale "gen-data s" "bare SQL" "assess" "assess again" "ratio" "dashboard"
printf '|%s|%s|%s|%s|%s|%s|%s|%s|\n' "------------" "----------" "----------:" "-----------:" "-----------:" "-----------:" "---------:" "-------------:"
printf '%s\n' "${RESULTS[@]}"
