-- wrk script: the broker's token fetch, GET /broker/v1/connections/{id}/token, for a connection picked at random
-- from a file of connection ids (one per line), with a bearer token of a service client.
--
--   BROKER_TOKEN=<access token> IDS_FILE=<ids file> \
--     wrk -t1 -c16 -d30s --latency -s fetch.lua http://127.0.0.1:PORT
--
-- Every response is checked: non-2xx statuses are counted by code, and a 2xx without an "access_token" or
-- "api_key" member counts as a bad body; both are printed in done() (common.lua of the token-endpoint benchmark).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local c = dofile(dir .. "../token-endpoint/common.lua")

-- Each wrk thread runs this file in a Lua state of its own. init() runs in each thread after wrk has set the Host
-- header: every thread reads the ids and pre-formats one request per connection, so request() only picks one.
local requests = {}

function init(args)
  local headers = {
    ["Host"] = wrk.headers["Host"],
    ["Authorization"] = "Bearer " .. c.env("BROKER_TOKEN"),
    ["Accept"] = "application/json",
  }
  for id in io.lines(c.env("IDS_FILE")) do
    if id ~= "" then
      requests[#requests + 1] = wrk.format("GET", "/broker/v1/connections/" .. id .. "/token", headers)
    end
  end
  if #requests == 0 then error("no connection ids in " .. c.env("IDS_FILE")) end
  -- The threads start in the same second: seed each with its own table address so they do not walk the same ids.
  math.randomseed(os.time() + tonumber(tostring(requests):match("0x(%x+)") or "0", 16) % 1000003)
end

request = function()
  return requests[math.random(#requests)]
end

local function has_secret(body)
  return string.find(body, '"access_token"', 1, true) ~= nil or string.find(body, '"api_key"', 1, true) ~= nil
end

setup = c.setup
response = c.response(has_secret)
done = c.done(c.env("BENCH_LABEL", "broker-fetch"), "access_token/api_key check")
