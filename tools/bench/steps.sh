#!/usr/bin/env bash
# The steps of tools/bench/run (see there and README.md "Benchmark"). Sourced environment: root, node_bin, mamute,
# peer_js, generated, workdir, results, the pids array and DUR. Appends one JSON object per line to $results.
set -euo pipefail
client=(env "$node_bin" "$root/tools/bench/mcp-client.mjs")
lua=$root/tools/bench/mcp.lua
say() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
record() { printf '{"key":"%s",%s}\n' "$1" "$2" >>"$results"; }   # record KEY 'json fields'
kib() { awk -v f="$2" '$1 == f":" { print $2 }' "/proc/$1/status"; }  # kib PID VmRSS|VmHWM
# CPU time the server under test ($PID) has used, user + system, in clock ticks: per request it is the cost
# of the work itself, which the load generator sharing the cores (Node's fetch for the peer's calls takes
# far more than wrk) does not distort the way it does req/s.
ticks() { awk '{ print $14 + $15 }' "/proc/$PID/stat" 2>/dev/null || echo 0; }
tick_us=$(( 1000000 / $(getconf CLK_TCK) ))

# in_background OUTFILE CMD...: runs CMD with its stdout in OUTFILE and waits for it. A Ctrl-C then interrupts
# the wait and reaches run's INT trap: in the foreground, bash takes no action on a SIGINT that the child
# catches and exits 0 from, as wrk does, and would go on with the next step. The EXIT trap stops $client_pid.
in_background() {
    local out=$1 status=0
    shift
    "$@" >"$out" &
    client_pid=$!
    wait "$client_pid" || status=$?
    client_pid=
    return "$status"
}

# wrk_run KEY URL CONNECTIONS BODYFILE SESSION [EXTRA_HEADERS] [METHOD]: REPEAT runs (default 1), each recorded;
# the report takes the median run by req/s.
wrk_run() {
    local key=$1 url=$2 conns=$3 bodies=$4 session=$5 headers=${6:-} method=${7:-POST} threads=2 line run
    [ "$conns" -lt 2 ] && threads=1
    for run in $(seq "${REPEAT:-1}"); do
        local before=$(ticks)
        local check_replies=0
        grep -q '"tools/call"' "${bodies:-/dev/null}" 2>/dev/null && check_replies=1
        BENCH_BODY_FILE=$bodies BENCH_SESSION=$session BENCH_HEADERS=$headers BENCH_METHOD=$method \
            BENCH_CHECK_REPLIES=$check_replies \
            in_background "$workdir/wrk.out" wrk -t"$threads" -c"$conns" -d"${DUR}s" --timeout 10s -s "$lua" "$url" || true
        local cpu_us=$(( ($(ticks) - before) * tick_us ))
        line=$(grep '^{"requests"' "$workdir/wrk.out" || true)
        [ -n "$line" ] || { say "$key: wrk printed no result"; line='{"requests":0,"rps":0,"p50":0,"p99":0,"errors":1,"non2xx":0}'; }
        printf '{"key":"%s","conns":%d,"server_cpu_us":%d,%s\n' "$key" "$conns" "$cpu_us" "${line#\{}" >>"$results"
        say "$key: $line"
    done
}

# sse_run KEY URL BODYFILE SESSION CONNECTIONS   (the peer's tools/call: result on the GET event stream)
sse_run() {
    local line run
    for run in $(seq "${REPEAT:-1}"); do
        local before=$(ticks)
        in_background "$workdir/sse.out" "${client[@]}" sse-load "$2" "$4" "$3" "$5" "$DUR"
        local cpu_us=$(( ($(ticks) - before) * tick_us ))
        line=$(cat "$workdir/sse.out")
        printf '{"key":"%s","conns":%d,"server_cpu_us":%d,%s\n' "$1" "$5" "$cpu_us" "${line#\{}" >>"$results"
        say "$1: $line"
    done
}

# start KEY LOG CMD... : spawns a server (ARGS may hold {PORT}) and waits for its first initialize.
# Sets PID, PORT, URL, STARTUP_MS; the pid goes on the list the EXIT trap kills.
start() {
    local key=$1 log=$2 out
    shift 2
    in_background "$workdir/spawn.out" "${client[@]}" spawn "$log" -- "$@"
    read -r PID PORT STARTUP_MS <"$workdir/spawn.out"
    pids+=("$PID")
    : >"$workdir/spawn.out"  # registered; until here the EXIT trap finds the new server's pid in this file
    URL=http://127.0.0.1:$PORT/mcp
    record "$key" "\"startup_ms\":$STARTUP_MS"
}
stop() {  # stop PID
    kill "$1" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done
    kill -9 "$1" 2>/dev/null || true
}

# Verifies the calls before a timed run: each reply must carry a result that is not a tool error.
check() {  # check LABEL URL SESSION BODYFILE: every body in the file, once
    local reply body
    while IFS= read -r body; do
        [ -n "$body" ] || continue
        reply=$("${client[@]}" call "$2" "$3" "$body" | tail -n +2)
        case $reply in
            *'"isError":true'*|*'"error":{"code":'*) say "WARNING $1: the call failed: ${reply:0:300}" ;;
            *'"result"'*) ;;
            *) say "WARNING $1: unexpected reply: ${reply:0:300}" ;;
        esac
    done <"$4"
}

# ---------------------------------------------------------------------------------------------------------
# Inputs: request bodies (one per line, __ID__ = a unique JSON-RPC id), GitHub variants retitled.
say "preparing inputs in $workdir"
"$node_bin" "$root/tools/bench/prepare.mjs" "$workdir" "$generated" "$root/tests/search/github.tasks.json"
"$node_bin" - "$workdir" <<'EOF'
const [dir] = process.argv.slice(2);
const fs = require("fs");
const config = JSON.parse(fs.readFileSync(`${dir}/config.json`, "utf8"));
const call = (name, args) => JSON.stringify({ jsonrpc: "2.0", id: "__ID__", method: "tools/call", params: { name, arguments: args } })
    .replace('"__ID__"', "__ID__");
const write = (file, lines) => fs.writeFileSync(`${dir}/${file}`, lines.join("\n") + "\n");
write("list.body", [JSON.stringify({ jsonrpc: "2.0", id: "__ID__", method: "tools/list" }).replace('"__ID__"', "__ID__")]);
const mamuteQueries = ["list dns zones", "purge cache by url", "create a storage bucket", "upload an ssl certificate",
    "create an api key", "billing account", "deploy a static site", "cdn resource", "organization profile",
    "analytics report", "delete a dns record", "bucket credentials"];
write("search-mamute.body", mamuteQueries.map((pattern) => call("search-endpoints", { pattern })));
write("search-github.body", config.queries.slice(0, 40).map((pattern) => call("search-endpoints", { pattern })));
write("get-mamute.body", [call("get-endpoint", { path: "/dns/zones", method: "get" })]);
write("get-github.body", [call("get-endpoint", { path: "/repos/{owner}/{repo}/pulls", method: "get" })]);
write("get-github-all.body", [call("get-endpoint", { title: "GitHub api.github.com", path: "/repos/{owner}/{repo}/pulls", method: "get" })]);
write("exec-mamute.body", [call("execute-request", { method: "GET", path: "/dns/zones" })]);
write("peer-search.body", [call("list-api-endpoints", {})]);
write("peer-get.body", [call("get-api-endpoint-schema", { endpoint: "/dns/zones" })]);
write("peer-exec.body", [call("invoke-api-endpoint", { endpoint: "/dns/zones", method: "GET", params: {} })]);
const count = (file) => { const d = JSON.parse(fs.readFileSync(file, "utf8")); return Object.values(d.paths ?? {})
    .reduce((n, item) => n + Object.keys(item).filter((k) => ["get","put","post","delete","patch","head","options","trace"].includes(k)).length, 0); };
fs.writeFileSync(`${dir}/specsets.json`, JSON.stringify({
    variants: config.specs.map((s) => s.name), variantsOps: config.specs.reduce((n, s) => n + s.operations, 0),
    variantsBytes: config.specs.reduce((n, s) => n + s.bytes, 0),
    githubOps: config.specs.find((s) => s.name === "api.github.com").operations,
    githubBytes: config.specs.find((s) => s.name === "api.github.com").bytes,
}));
EOF
mapfile -t variant_files < <("$node_bin" -e 'for (const s of require(process.argv[1]).specs) console.log(s.out)' "$workdir/config.json")
github_spec=$generated/api.github.com.json
mamute_spec=$root/spec/mamutecloud.openapi.json

# nginx: the upstream (any path: a small fixed JSON reply) and the limit server (POST /mcp: the same bytes as
# mamute-mcp's tools/list reply, from a file; nginx's static handler refuses POST, so error_page turns the 405 into
# a 200 with the file, a cached descriptor and sendfile). Unprivileged workers, so the tree is world-readable.
chmod 755 "$workdir"
mkdir -p "$workdir/nginx/logs" "$workdir/nginx/tmp" "$workdir/nginx/www"
chmod 755 "$workdir/nginx" "$workdir/nginx/www"
printf '{"zones":[{"id":"z-1","name":"example.com","status":"active"}]}' >"$workdir/nginx/www/upstream.json"
up_port=$("${client[@]}" port)
limit_port=$("${client[@]}" port)
cat >"$workdir/nginx/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $workdir/nginx/nginx.pid;
error_log $workdir/nginx/logs/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $workdir/nginx/tmp;
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  open_file_cache max=16 inactive=120s;
  open_file_cache_valid 120s;
  sendfile on;
  default_type application/json;
  root $workdir/nginx/www;
  server { listen 127.0.0.1:$up_port;
    location / { error_page 405 =200 /upstream.json; try_files /upstream.json =404; }
    location = /upstream.json { }
  }
  server { listen 127.0.0.1:$limit_port;
    location = /mcp { error_page 405 =200 /tools-list.json; return 405; }
    location = /tools-list.json { internal; }
  }
}
EOF
nginx -p "$workdir/nginx" -c "$workdir/nginx/nginx.conf" 2>>"$workdir/nginx/logs/error.log" &
pids+=($!)
upstream=http://127.0.0.1:$up_port
limit=http://127.0.0.1:$limit_port/mcp
for _ in $(seq 200); do curl -fs -o /dev/null "$upstream/dns/zones" && break; sleep 0.05; done
curl -fs -o /dev/null "$upstream/dns/zones" || { say "nginx did not start: $(cat "$workdir/nginx/logs/error.log")"; exit 1; }

ours_args=(--port "{PORT}" --log-level warn --threads "$THREADS" --base-url "$upstream")
export MAMUTE_MCP_LOG_ACCESS=false
api_key='X-API-Key: bench-key'

# ---------------------------------------------------------------------------------------------------------
# 1. mamute-mcp against the peer, MamuteCloud spec, 10 connections.
say "1. MamuteCloud spec: mamute-mcp"
for run in 1 2 3; do
    start "ours.mamute.start" "$workdir/ours.log" "$mamute" "${ours_args[@]}" --spec "$mamute_spec"
    [ $run -lt 3 ] && stop "$PID"
done
session=$("${client[@]}" session "$URL")
record ours.mamute.rss_idle "\"kib\":$(kib "$PID" VmRSS)"
"${client[@]}" call "$URL" "$session" "$(cat "$workdir/list.body")" | tail -n +2 | tr -d '\n' >"$workdir/nginx/www/tools-list.json"
chmod 644 "$workdir/nginx/www/"*.json
record ours.tools_list_bytes "\"bytes\":$(stat -c %s "$workdir/nginx/www/tools-list.json")"
for kind in search get exec; do check "mamute-mcp $kind" "$URL" "$session" "$workdir/$kind-mamute.body"; done
# One second of each first, unrecorded in the tables: the first run after start-up paid for warming up.
for kind in list search-mamute; do DUR=1 REPEAT=1 wrk_run warmup.ours "$URL" 10 "$workdir/$kind.body" "$session"; done
wrk_run ours.list.c10 "$URL" 10 "$workdir/list.body" "$session"
wrk_run ours.search.c10 "$URL" 10 "$workdir/search-mamute.body" "$session"
wrk_run ours.get.c10 "$URL" 10 "$workdir/get-mamute.body" "$session"
wrk_run ours.exec.c10 "$URL" 10 "$workdir/exec-mamute.body" "$session" "$api_key"
record ours.mamute.rss_peak "\"kib\":$(kib "$PID" VmHWM)"

# 2. The limit: the live call at one connection (latency added) and direct; the fixed-body server.
say "2. limit: direct upstream, nginx fixed body, execute-request at 1 connection"
wrk_run ours.exec.c1 "$URL" 1 "$workdir/exec-mamute.body" "$session" "$api_key"
wrk_run direct.c1 "$upstream/dns/zones" 1 "" "" "$api_key" GET
wrk_run direct.c10 "$upstream/dns/zones" 10 "" "" "$api_key" GET
wrk_run limit.c10 "$limit" 10 "$workdir/list.body" ""
record limit.bytes "\"bytes\":$(curl -s -X POST -d '{}' "$limit" | wc -c)"

# 3a. Scale with spec size, MamuteCloud (this process), one connection: before the sweep, so its peak RSS is
# comparable with the GitHub rows (1,000 connections' buffers would be in it otherwise).
wrk_run scale.mamute.search "$URL" 1 "$workdir/search-mamute.body" "$session"
wrk_run scale.mamute.get "$URL" 1 "$workdir/get-mamute.body" "$session"
record scale.mamute.rss_peak "\"kib\":$(kib "$PID" VmHWM)"

# 3b. Concurrency sweep (MamuteCloud): tools/list and search on mamute-mcp, the fixed body on nginx; one run each.
say "3. concurrency sweep"
for c in 1 10 100 1000; do
    REPEAT=1 wrk_run "sweep.ours.list.c$c" "$URL" "$c" "$workdir/list.body" "$session"
    REPEAT=1 wrk_run "sweep.ours.search.c$c" "$URL" "$c" "$workdir/search-mamute.body" "$session"
    REPEAT=1 wrk_run "sweep.limit.c$c" "$limit" "$c" "$workdir/list.body" ""
done
record sweep.rss_peak "\"kib\":$(kib "$PID" VmHWM)"
stop "$PID"

# 1 (peer). The peer, same spec, same upstream: tools/list on the POST (wrk); tools/call answered 202 with the
# result on the GET event stream, so those rows use the SSE client (closed loop, 10 in flight).
say "1. MamuteCloud spec: peer @ivotoby/openapi-mcp-server (--tools dynamic)"
peer_args=("$node_bin" "$peer_js" --transport http --host 127.0.0.1 --port "{PORT}" --path /mcp
           --api-base-url "$upstream" --openapi-spec "$mamute_spec" --tools dynamic --verbose false
           --headers "X-API-Key:bench-key")
for run in 1 2 3; do
    start "peer.mamute.start" "$workdir/peer.log" "${peer_args[@]}"
    [ $run -lt 3 ] && stop "$PID"
done
session=$("${client[@]}" session "$URL")
record peer.mamute.rss_idle "\"kib\":$(kib "$PID" VmRSS)"
record peer.tools_list_bytes "\"bytes\":$("${client[@]}" call "$URL" "$session" "$(cat "$workdir/list.body")" | tail -n +2 | tr -d '\n' | wc -c)"
DUR=1 REPEAT=1 wrk_run warmup.peer "$URL" 10 "$workdir/list.body" "$session"
DUR=1 REPEAT=1 sse_run warmup.peer "$URL" "$workdir/peer-search.body" "$session" 10
wrk_run peer.list.c10 "$URL" 10 "$workdir/list.body" "$session"
sse_run peer.search.c10 "$URL" "$workdir/peer-search.body" "$session" 10
sse_run peer.get.c10 "$URL" "$workdir/peer-get.body" "$session" 10
sse_run peer.exec.c10 "$URL" "$workdir/peer-exec.body" "$session" 10
record peer.mamute.rss_peak "\"kib\":$(kib "$PID" VmHWM)"
stop "$PID"

# 3a. GitHub's spec, then every GitHub variant together (mamute-mcp only; tools/bench-catalog has the peer there).
for set in github all; do
    say "3. spec size: $set"
    if [ $set = github ]; then specs=(--spec "$github_spec"); getbody=get-github.body
    else specs=(); for f in "${variant_files[@]}"; do specs+=(--spec "$f"); done; getbody=get-github-all.body; fi
    for run in 1 2 3; do
        start "scale.$set.start" "$workdir/ours-$set.log" "$mamute" "${ours_args[@]}" "${specs[@]}"
        [ $run -lt 3 ] && stop "$PID"
    done
    session=$("${client[@]}" session "$URL")
    record "scale.$set.rss_idle" "\"kib\":$(kib "$PID" VmRSS)"
    check "mamute-mcp $set search" "$URL" "$session" "$workdir/search-github.body"
    check "mamute-mcp $set get" "$URL" "$session" "$workdir/$getbody"
    wrk_run "scale.$set.search" "$URL" 1 "$workdir/search-github.body" "$session"
    wrk_run "scale.$set.get" "$URL" 1 "$workdir/$getbody" "$session"
    record "scale.$set.rss_peak" "\"kib\":$(kib "$PID" VmHWM)"
    stop "$PID"
done
