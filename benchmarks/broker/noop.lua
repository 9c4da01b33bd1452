-- wrk script: the no-op reference, GET /noop on benchmarks/noop-server (a Spring MVC endpoint answering "ok").
-- Every answer is checked as fetch.lua checks its own, so that wrk spends the same per response in both runs.
--
--   wrk -t1 -c16 -d30s --latency -s noop.lua http://127.0.0.1:PORT
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local c = dofile(dir .. "../token-endpoint/common.lua")

wrk.method = "GET"
wrk.path = "/noop"

setup = c.setup
response = c.response(function(body) return body == "ok" end)
done = c.done(c.env("BENCH_LABEL", "noop-reference"), "body is ok")
