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
