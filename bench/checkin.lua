-- wrk script for bench/checkin.sh: every request uses the next person's token, so the
-- load is made of distinct people. MODE=checkin posts a check-in (first pass "in", second
-- pass "out", later passes repeat and are answered idempotently); MODE=insert posts to the
-- bare-insert endpoint with the same tokens.
local tokens = {}
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local f = assert(io.open(os.getenv("BENCH_TOKENS"), "r"))
  for line in f:lines() do
    if #line > 0 then table.insert(tokens, line) end
  end
  f:close()
  counter = id
  nthreads = tonumber(os.getenv("BENCH_THREADS") or "2")
  mode = os.getenv("MODE")
  path_checkin = "/api/v1/activities/" .. os.getenv("BENCH_ACTIVITY") .. "/checkin"
  lon = os.getenv("BENCH_LON")
  lat = os.getenv("BENCH_LAT")
end

function request()
  local i = counter
  counter = counter + nthreads
  local token = tokens[(i % #tokens) + 1]
  local headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
  if mode == "insert" then
    return wrk.format("POST", "/api/v1/bench/insert", headers, "")
  end
  local direction = "in"
  if math.floor(i / #tokens) % 2 == 1 then direction = "out" end
  local body = '{"direction":"' .. direction .. '","lon":' .. lon .. ',"lat":' .. lat ..
    ',"accuracy":15,"crs":"wgs84"}'
  return wrk.format("POST", path_checkin, headers, body)
end

-- Print the first few failures (status and body) so a run explains its non-2xx count.
local failures = 0
function response(status, headers, body)
  if status >= 300 and failures < 5 then
    failures = failures + 1
    io.stderr:write("non-2xx " .. status .. ": " .. string.sub(body or "", 1, 300) .. "\n")
  end
end
