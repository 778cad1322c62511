# Shared by bench/load.sh and bench/checkin.sh (sourced): stopping the server, a free
# loopback port, and a PostgreSQL URL for another database.

# Stop the server started in the background as $SERVER_PID (TERM, then KILL after 10 s).
stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}

free_port() {
  if command -v python3 >/dev/null; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
  else
    node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
  fi
}

# The same URL with another database name (keeps user, host, port and ?query).
pg_url_for() {
  local url="$1" db="$2" base query=""
  base="${url%%\?*}"
  [[ "$url" == *\?* ]] && query="?${url#*\?}"
  local rest="${base#*://}"
  if [[ "$rest" == */* ]]; then base="${base%/*}"; fi
  echo "$base/$db$query"
}

# The civicgrid binary to measure: $CIVICGRID_BIN (relative to the current directory or to
# the repository root $1), else a fresh release build. Prints its path.
bench_binary() {
  local root="$1" bin
  if [[ -n "${CIVICGRID_BIN:-}" ]]; then
    bin="$CIVICGRID_BIN"
    if [[ ! -x "$bin" && -x "$root/$bin" ]]; then bin="$root/$bin"; fi
  else
    echo "bench: cargo build --release --bin civicgrid" >&2
    (cd "$root" && cargo build --release --bin civicgrid >&2)
    bin="$root/target/release/civicgrid"
  fi
  [[ -x "$bin" ]] || { echo "bench: no civicgrid binary at $bin" >&2; return 2; }
  echo "$bin"
}

# Wait until the server started as $SERVER_PID answers $1/healthz (at most ${2:-60} s; the
# log $3 is shown when it exits first).
wait_for_health() {
  local base="$1" log="$2" limit="${3:-60}"
  local deadline=$((SECONDS + limit))
  until curl -fsS -o /dev/null --max-time 2 "$base/healthz" 2>/dev/null; do
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "bench: server exited early:" >&2; tail -n 30 "$log" >&2; return 1; }
    (( SECONDS < deadline )) || { echo "bench: /healthz did not answer within $limit s" >&2; return 1; }
    sleep 0.5
  done
}

# The work folder and what bench_cleanup undoes: sets WORK (a new folder named after $1),
# SERVER_PID, PG_ADMIN_URL (from CIVICGRID_BENCH_POSTGRES_URL), PG_DB and PG_CREATED, and
# traps EXIT (cleanup) and INT/TERM.
bench_workdir() {
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/civicgrid-$1.XXXXXX")"
  SERVER_PID=""
  PG_ADMIN_URL="${CIVICGRID_BENCH_POSTGRES_URL:-}"
  PG_DB="cg_$1_$$"
  PG_CREATED=""
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}

# On exit: stop the server, drop the PostgreSQL database made for the run, and remove the
# work folder — kept, with the logs, when the run failed.
bench_cleanup() {
  local status=$?
  stop_server
  if [[ -n "$PG_CREATED" ]]; then
    psql -w -q "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 \
      || echo "bench: could not drop database $PG_DB" >&2
  fi
  if [[ $status -ne 0 ]]; then
    echo "bench: failed; server logs and wrk output kept in $WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}
