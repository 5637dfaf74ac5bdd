-- wrk script: each connection is one simulated user completing wizards, one after another.
--
--   wrk -t16 -c16 -d30s -s bench/wizard.lua http://127.0.0.1:PORT            complete wizards
--   wrk -t16 -c16 -d30s -s bench/wizard.lua http://127.0.0.1:PORT -- /review COOKIES [SAMPLES]
--       one page, again and again, user n with line n of the file COOKIES as its Cookie header
--       ("-": no cookie); SAMPLES, when given, is a file that receives every request's time in µs,
--       one a line, so that several runs can be merged into one set of percentiles
--
-- Run it with as many threads as connections: wrk calls request() and response() per thread, so a
-- thread with one connection is one user whose next request depends on the last answer. At the end
-- it prints one line per step, "STEP <method> <path> <count> <p50 µs> <p99 µs>", then
-- "WIZARDS <completed> <failed>". Every page is measured by this same script, the floor included.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock, bench_timespec *now);
]]
local clock = ffi.new("bench_timespec")
local function micros()
  ffi.C.clock_gettime(1, clock)  -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1e6 + tonumber(clock.tv_nsec) / 1e3
end

local KINESIS = "name=Bench+account&description=load&access_key_id=AKIAIOSFODNN7EXAMPLE"
  .. "&secret_key=wJalrXUtnFEMI%2FK7MDENG%2FbPxRfiCYEXAMPLEKEY&region=eu-west-1&action=next"
local WIZARD = {
  { "GET", "/sandbox", 200 },
  { "POST", "/sandbox", 302, "sandbox=prod" },
  { "GET", "/kinesis", 200 },
  { "POST", "/kinesis", 302, KINESIS },
  { "GET", "/review", 200 },
  { "POST", "/review", 302, "action=create" },
  { "GET", "/done", 200 },
}

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("user", counter)
  table.insert(threads, thread)
end

-- Per thread: the user's state, and what it measured. wrk copies flat tables between threads but
-- not nested ones, so the timings are two parallel lists: the step, and its time in µs.
local steps, cookie, token, position, started
step_of, took, completed, failed = {}, {}, 0, 0

function init(args)
  if args[1] then                      -- one page, with a session prepared for it
    steps = { { "GET", args[1], 200 } }
    samples_path = args[3]
    local n = 0
    for line in io.lines(args[2] ~= "-" and args[2] or "/dev/null") do
      n = n + 1
      if n == user then cookie = line end
    end
  else
    steps = WIZARD
  end
  position = 1
end

function request()
  local step = steps[position]
  local headers, body = {}, nil
  if cookie then headers["Cookie"] = cookie end
  if step[1] == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    body = step[4] .. "&csrf_token=" .. (token or "")
  end
  started = micros()
  return wrk.format(step[1], wrk.path:gsub("/$", "") .. step[2], headers, body)
end

function response(status, headers, body)
  local step = steps[position]
  table.insert(step_of, position)
  table.insert(took, micros() - started)
  if #steps == 1 then return end
  local set_cookie = headers["Set-Cookie"]
  if set_cookie then cookie = set_cookie:match("^([^;]+)") end
  if position == 1 then token = body:match('name="csrf_token" type="hidden" value="([^"]+)"') end
  if status ~= step[3] then            -- start again as a new user
    failed = failed + 1
    position, cookie, token = 1, nil, nil
    return
  end
  position = position + 1
  if position > #steps then
    if body:find("connection-id", 1, true) then completed = completed + 1 else failed = failed + 1 end
    position, cookie, token = 1, nil, nil
  end
end

local function percentile(sorted, p)
  if #sorted == 0 then return 0 end
  return sorted[math.max(1, math.min(#sorted, math.floor(p / 100 * (#sorted - 1) + 1.5)))]
end

function done(summary, latency, requests)
  local merged = {}
  local wizards, failures = 0, 0
  for _, thread in ipairs(threads) do
    local steps_measured, times = thread:get("step_of"), thread:get("took")
    for n, i in ipairs(steps_measured) do
      merged[i] = merged[i] or {}
      table.insert(merged[i], times[n])
    end
    wizards = wizards + thread:get("completed")
    failures = failures + thread:get("failed")
  end
  local samples_path = threads[1]:get("samples_path")
  if samples_path and merged[1] then
    local out = assert(io.open(samples_path, "w"))
    out:write(table.concat(merged[1], "\n"), "\n")
    out:close()
  end
  for i = 1, #merged do
    table.sort(merged[i])
    local step = (#merged == 1) and { "GET", "page" } or WIZARD[i]
    io.write(string.format("STEP %s %s %d %.0f %.0f\n", step[1], step[2], #merged[i],
      percentile(merged[i], 50), percentile(merged[i], 99)))
  end
  io.write(string.format("WIZARDS %d %d\n", wizards, failures))
end
