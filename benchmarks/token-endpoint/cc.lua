-- wrk script: OAuth 2.0 client_credentials grant, client_secret_basic.
--
--   CLIENT_ID=bench-client CLIENT_SECRET=... [CC_BODY=...] \
--     wrk -t2 -c16 -d30s -s cc.lua http://127.0.0.1:PORT/path/to/token
--
-- CC_BODY defaults to "grant_type=client_credentials".  Every response is
-- checked: non-2xx statuses are counted by code, and a 2xx without an
-- "access_token" member counts as a bad body; both are printed in done().
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local c = dofile(dir .. "common.lua")

c.form_post(c.env("CC_BODY", "grant_type=client_credentials"))

local function has_token(body)
  return string.find(body, '"access_token"', 1, true) ~= nil
end

setup = c.setup
response = c.response(has_token)
done = c.done(c.env("BENCH_LABEL", "client_credentials"), "access_token check")
