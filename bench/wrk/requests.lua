-- wrk script: each thread replays its own list of requests, round robin.
-- Usage: wrk -t4 -c4 -d20s -s requests.lua http://127.0.0.1:PORT -- /path/prefix
-- Reads <prefix>.<n>.txt for thread n: line 1 is the Cookie header ("-" for none), then one request
-- a line: METHOD<TAB>PATH<TAB>BODY (BODY url-encoded, may be empty).
-- done() prints one JSON line between markers for bench/loadgen.py, with the status counts.

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

local requests = {}
local index = 0
statuses = {}

function init(args)
  local path = args[1] .. "." .. tid .. ".txt"
  local file = assert(io.open(path, "r"))
  local cookie = file:read("*l")
  local headers = {}
  if cookie ~= "-" then
    headers["Cookie"] = cookie
  end
  for line in file:lines() do
    local method, target, body = line:match("^(%u+)\t([^\t]*)\t?(.*)$")
    local h = {}
    for k, v in pairs(headers) do h[k] = v end
    if method == "POST" then
      h["Content-Type"] = "application/x-www-form-urlencoded"
    else
      body = nil
    end
    table.insert(requests, wrk.format(method, target, h, body))
  end
  file:close()
  index = 0
end

function request()
  index = index % #requests + 1
  return requests[index]
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for k, v in pairs(s) do
      counts[k] = (counts[k] or 0) + v
    end
  end
  local parts = {}
  for k, v in pairs(counts) do
    table.insert(parts, string.format('"%s": %d', k, v))
  end
  io.write("BENCH-JSON ")
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"min": %d, "mean": %.1f, "max": %d, "p50": %d, "p90": %d, "p95": %d, "p99": %d}, ' ..
    '"statuses": {%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
    summary.errors.timeout,
    latency.min, latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    table.concat(parts, ", ")))
end
