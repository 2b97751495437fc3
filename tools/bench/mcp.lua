-- wrk script for tools/bench: one request type per run.
-- Environment:
--   BENCH_METHOD     POST (default) or GET
--   BENCH_BODY_FILE  request bodies, one per line, used in turn; "__ID__" becomes a unique JSON-RPC id
--   BENCH_SESSION    Mcp-Session-Id to send (MCP-Protocol-Version 2025-06-18 goes with it)
--   BENCH_HEADERS    extra headers, "Name: value" separated by "|"
--   BENCH_CHECK_REPLIES=1  count 2xx replies holding a JSON-RPC error or isError (rpc_errors)
-- done() prints one JSON line: requests, seconds, rps, p50/p99/mean latency in microseconds, socket errors
-- (connect+read+write+timeout), non-2xx/3xx replies and 2xx replies holding a JSON-RPC error or isError.
local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("tid", #threads)
end

local bodies = {}
local counter = 0
local method = os.getenv("BENCH_METHOD") or "POST"

function init(args)
   local file = os.getenv("BENCH_BODY_FILE")
   if file and file ~= "" then
      for line in io.lines(file) do
         if line:match("%S") then table.insert(bodies, line) end
      end
   end
   wrk.method = method
   if method == "POST" then
      wrk.headers["Content-Type"] = "application/json"
      wrk.headers["Accept"] = "application/json, text/event-stream"
   end
   local session = os.getenv("BENCH_SESSION")
   if session and session ~= "" then
      wrk.headers["Mcp-Session-Id"] = session
      wrk.headers["MCP-Protocol-Version"] = "2025-06-18"
   end
   local extra = os.getenv("BENCH_HEADERS")
   if extra and extra ~= "" then
      for item in extra:gmatch("[^|]+") do
         local name, value = item:match("^%s*([^:]+):%s*(.-)%s*$")
         if name then wrk.headers[name] = value end
      end
   end
end

function request()
   if #bodies == 0 then
      return wrk.format(method, nil, nil, nil)
   end
   counter = counter + 1
   local body = bodies[(counter % #bodies) + 1]
   body = body:gsub("__ID__", tostring((tid or 0) * 1000000000 + counter))
   return wrk.format(method, nil, nil, body)
end

-- Replies that are HTTP 200 but carry a JSON-RPC error or a failed tool call: a server answering those fast
-- must not look fast. Counted per thread (each has its own Lua state), summed in done(). Only with
-- BENCH_CHECK_REPLIES=1 (the tools/call runs): handing every 17 KB tools/list body to Lua would slow wrk,
-- which shares the cores with the servers, more than the check is worth there.
rpc_errors = 0
if os.getenv("BENCH_CHECK_REPLIES") == "1" then
   function response(status, headers, body)
      if body and (body:find('"isError":true', 1, true) or body:find('"error":{"code":', 1, true)) then
         rpc_errors = rpc_errors + 1
      end
   end
end

function done(summary, latency, requests)
   local seconds = summary.duration / 1e6
   local e = summary.errors
   local failed = 0
   for _, thread in ipairs(threads) do failed = failed + (thread:get("rpc_errors") or 0) end
   io.write(string.format(
      '{"requests":%d,"seconds":%.3f,"rps":%.1f,"p50":%.1f,"p99":%.1f,"mean":%.1f,"errors":%d,"non2xx":%d,"rpc_errors":%d}\n',
      summary.requests, seconds, summary.requests / seconds, latency:percentile(50), latency:percentile(99),
      latency.mean, e.connect + e.read + e.write + e.timeout, e.status, failed))
end
