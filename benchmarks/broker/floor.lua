-- wrk script: the cost of the broker API's serving stack without the broker, for comparison with fetch.lua. The same
-- caller token and headers, to a path the broker filter chain denies after authenticating the bearer token
-- (denyAll: 403 insufficient_scope): Tomcat, the servlet filters and Spring Security with the cached introspection;
-- no MVC dispatch, no database read, no unseal.
--
--   BROKER_TOKEN=<access token> wrk -t2 -c32 -d20s --latency -s floor.lua http://127.0.0.1:PORT
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local c = dofile(dir .. "../token-endpoint/common.lua")

wrk.method = "GET"
wrk.path = "/broker/v1/not-an-endpoint"
wrk.headers["Authorization"] = "Bearer " .. c.env("BROKER_TOKEN")
wrk.headers["Accept"] = "application/json"

local function denied(status)
  return status == 403
end

setup = c.setup
-- Every answer must be the 403 of an authenticated caller (a 401 would mean the token was not accepted).
response = function(status, headers, body)
  if not denied(status) then
    statuses[status] = (statuses[status] or 0) + 1
    if sample == nil then sample = status .. " " .. string.sub(body or "", 1, 300) end
  end
end
done = c.done(c.env("BENCH_LABEL", "broker-floor-403"), nil)
