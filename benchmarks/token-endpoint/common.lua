-- Shared helpers for the wrk scripts cc.lua and introspect.lua (loaded with
-- dofile from the same directory).  Not a wrk script on its own.
--
-- wrk runs setup()/done() in the main Lua state and request()/response() in
-- one Lua state per thread; per-thread counters are globals read back in
-- done() with thread:get().
local M = {}

local b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

function M.base64(data)
  return ((data:gsub(".", function(x)
    local r, b = "", x:byte()
    for i = 8, 1, -1 do r = r .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and "1" or "0") end
    return r
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
    if #x < 6 then return "" end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
    return b64chars:sub(c + 1, c + 1)
  end) .. ({ "", "==", "=" })[#data % 3 + 1])
end

-- application/x-www-form-urlencoded encoding (RFC 6749 section 2.3.1 asks for
-- it on client_id and client_secret before they go into HTTP Basic).
function M.formencode(s)
  return (s:gsub("[^%w%-%._~]", function(c)
    if c == " " then return "+" end
    return string.format("%%%02X", c:byte())
  end))
end

function M.basic_auth(id, secret)
  return "Basic " .. M.base64(M.formencode(id) .. ":" .. M.formencode(secret))
end

function M.env(name, default)
  local v = os.getenv(name)
  if v == nil or v == "" then
    if default == nil then error("environment variable " .. name .. " must be set") end
    return default
  end
  return v
end

-- Configure wrk for a form POST with HTTP Basic client authentication.
function M.form_post(body)
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Accept"] = "application/json"
  wrk.headers["Authorization"] =
    M.basic_auth(M.env("CLIENT_ID", "bench-client"), M.env("CLIENT_SECRET"))
end

local threads = {}

function M.setup(thread)
  table.insert(threads, thread)
end

-- Per-thread state (globals of each thread's Lua state).
statuses = {}      -- status code -> count, for non-2xx responses
bad_bodies = 0     -- 2xx responses whose body failed the check
sample = nil       -- first non-2xx / bad response, for the report

-- check(body) -> true when a 2xx body is acceptable.
function M.response(check)
  return function(status, headers, body)
    if status < 200 or status > 299 then
      statuses[status] = (statuses[status] or 0) + 1
      if sample == nil then sample = status .. " " .. string.sub(body or "", 1, 300) end
    elseif check ~= nil and not check(body or "") then
      bad_bodies = bad_bodies + 1
      if sample == nil then sample = status .. " (failed body check) " .. string.sub(body or "", 1, 300) end
    end
  end
end

function M.done(label, check_label)
  return function(summary, latency, requests)
    local non2xx, bad, byStatus, sampleText = 0, 0, {}, nil
    for _, t in ipairs(threads) do
      local s = t:get("statuses") or {}
      for code, n in pairs(s) do
        byStatus[code] = (byStatus[code] or 0) + n
        non2xx = non2xx + n
      end
      bad = bad + (t:get("bad_bodies") or 0)
      sampleText = sampleText or t:get("sample")
    end
    local secs = summary.duration / 1e6
    local rps = summary.requests / secs
    local e = summary.errors
    local p50 = latency:percentile(50) / 1000
    local p90 = latency:percentile(90) / 1000
    local p99 = latency:percentile(99) / 1000
    local max = latency.max / 1000
    io.write("------------------------------------------------------------\n")
    io.write(string.format("%s: %d requests in %.2fs\n", label, summary.requests, secs))
    io.write(string.format("  requests/s      %.1f\n", rps))
    io.write(string.format("  latency ms      p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", p50, p90, p99, max))
    io.write(string.format("  non-2xx         %d\n", non2xx))
    for code, n in pairs(byStatus) do
      io.write(string.format("    HTTP %d: %d\n", code, n))
    end
    if check_label ~= nil then
      io.write(string.format("  2xx failing %s: %d\n", check_label, bad))
    end
    io.write(string.format("  socket errors   connect %d, read %d, write %d, timeout %d\n",
      e.connect, e.read, e.write, e.timeout))
    if sampleText ~= nil then io.write("  first bad response: " .. sampleText .. "\n") end
    -- One machine-readable line for run.sh.
    io.write(string.format(
      "RESULT label=%s requests=%d seconds=%.3f rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f non2xx=%d bad_body=%d socket_errors=%d\n",
      label, summary.requests, secs, rps, p50, p90, p99, max, non2xx, bad,
      e.connect + e.read + e.write + e.timeout))
  end
end

return M
