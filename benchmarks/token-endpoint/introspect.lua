-- wrk script: OAuth 2.0 token introspection (RFC 7662), client_secret_basic.
--
--   CLIENT_ID=bench-client CLIENT_SECRET=... INTROSPECT_TOKEN=<access token> \
--     wrk -t2 -c16 -d30s -s introspect.lua http://127.0.0.1:PORT/path/to/introspect
--
-- Every response is checked: non-2xx statuses are counted by code, and a 2xx
-- whose body does not say "active":true counts as a bad body (an inactive
-- answer is much cheaper to produce, so it must not pass as a success).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local c = dofile(dir .. "common.lua")

c.form_post("token=" .. c.formencode(c.env("INTROSPECT_TOKEN")))

local function is_active(body)
  return string.find(body, '"active"%s*:%s*true') ~= nil
end

setup = c.setup
response = c.response(is_active)
done = c.done(c.env("BENCH_LABEL", "introspection"), '"active":true check')
