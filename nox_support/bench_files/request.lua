-- One benchmark case for wrk: the request comes from the environment, the summary
-- is printed as one JSON line that nox_support/bench.py reads.
--   BENCH_METHOD, BENCH_PATH (may hold "{id}"), BENCH_TOKEN, BENCH_BODY,
--   BENCH_IDS (comma-separated; each request takes the next one for "{id}")
local method = os.getenv("BENCH_METHOD") or "GET"
local path = os.getenv("BENCH_PATH") or "/"
local body = os.getenv("BENCH_BODY")
local headers = {}
if os.getenv("BENCH_TOKEN") then
  headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
end
if body then
  headers["Content-Type"] = "application/json"
end
local ids = {}
for id in string.gmatch(os.getenv("BENCH_IDS") or "", "[^,]+") do
  ids[#ids + 1] = id
end
local next_id = 0

function init(args)
  -- Threads start at different ids, so they do not queue on one row.
  next_id = math.random(0, math.max(#ids - 1, 0))
end

function request()
  local target = path
  if #ids > 0 then
    next_id = next_id % #ids + 1
    target = string.gsub(path, "{id}", ids[next_id])
  end
  return wrk.format(method, target, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
