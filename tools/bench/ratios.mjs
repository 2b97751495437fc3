// Prints tools/bench/run's table from results.jsonl (one JSON object per line, {"key": ..., ...}).
// Usage: node ratios.mjs RESULTS SPECSETS PEER_VERSION CORES SECONDS_PER_RUN REPEAT ELAPSED_S THREADS
import { readFileSync } from "node:fs";

const [resultsFile, specsetsFile, peerVersion, cores, seconds, repeat, elapsed, threads] = process.argv.slice(2);
const all = readFileSync(resultsFile, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
const specsets = JSON.parse(readFileSync(specsetsFile, "utf8"));
const get = (key) => all.filter((r) => r.key === key);
// A row run several times (BENCH_REPEAT) reports its median run by req/s; other records, the last one.
const one = (key) => {
    const runs = get(key);
    if (runs.length === 0) return {};
    if (runs[0].rps === undefined) return runs.at(-1);
    return [...runs].sort((a, b) => a.rps - b.rps)[Math.floor((runs.length - 1) / 2)];
};
// Beside each target: whether this run met it (computed on the exact figures, not the rounded ones printed);
// SUSPECT when a run it rests on answered nothing or had errors (failed replies answered fast look fast).
const verdict = (met, ...runs) =>
    runs.some((r) => !r.requests || errorsOf(r) > 0) ? "SUSPECT" : met ? "met" : "MISSED";
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const startup = (key) => median(get(key).map((r) => r.startup_ms));
const mib = (key) => (one(key).kib ?? 0) / 1024;

// A figure a failed or missing run did not produce prints as "-".
const known = (format) => (v) => (typeof v === "number" && isFinite(v) ? format(v) : "-");
const fmt = {
    rps: known((v) => (v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(1)) + "/s"),
    us: known((v) => (v >= 10000 ? (v / 1000).toFixed(1) + " ms" : Math.round(v) + " µs")),
    ms: known((v) => (v >= 100 ? Math.round(v) : v.toFixed(1)) + " ms"),
    mib: known((v) => v.toFixed(1) + " MiB"),
};
const x = (v) => (!isFinite(v) || v <= 0 ? "-" : v >= 10 ? v.toFixed(0) + "x" : v.toFixed(2) + "x");

function table(title, header, rows) {
    console.log(`\n${title}`);
    const width = header.map((_, i) => Math.max(header[i].length, ...rows.map((r) => String(r[i] ?? "").length)));
    const line = (r) => r.map((c, i) => (i === 0 || i === r.length - 1 ? String(c ?? "").padEnd(width[i])
        : String(c ?? "").padStart(width[i]))).join("  ").trimEnd();
    console.log(line(header));
    console.log(line(width.map((w) => "-".repeat(w))));
    for (const r of rows) console.log(line(r));
}

const added = (a, b) => `${a >= b ? "+" : "-"}${Math.round(Math.abs(a - b))} µs`;
const errorsOf = (r) => (r.errors ?? 0) + (r.non2xx ?? 0) + (r.rpc_errors ?? 0);
const flagged = [];
for (const r of all)
    if (r.requests !== undefined && errorsOf(r) > 0)
        flagged.push(`${r.key}: ${r.errors} socket errors, ${r.non2xx} failed replies` +
            (r.rpc_errors ? `, ${r.rpc_errors} replies with a JSON-RPC error or isError` : ""));
// A closed-loop client is busy about (requests x mean latency / connections) of the run. Much less means some
// connections waited on replies that never came (wrk counts no error until its timeout), so req/s is too low.
for (const r of all) {
    if (r.requests === undefined || !r.conns || r.conns > 100 || !r.seconds) continue;  // 1,000: connecting dominates
    const busy = (r.requests * r.mean) / 1e6 / r.conns / r.seconds;
    if (busy < 0.6) flagged.push(`${r.key}: connections busy ${(busy * 100).toFixed(0)}% of the run: replies stalled (req/s understated)`);
}

console.log(`mamute-mcp benchmark: ${cores} cores, mamute-mcp --threads ${threads}, ${seconds} s per run, rows of tables 1, 2 ` +
    `and 3a the median of ${repeat} runs, ${elapsed} s of measuring; ` +
    `peer @ivotoby/openapi-mcp-server ${peerVersion} (Node ${process.versions.node}).`);
console.log("Ratios read \"times better for mamute-mcp\": peer/ours for latency and memory, ours/peer for req/s.");

// User + system CPU time of the server process during the run, per request answered.
const cpuPerRequest = (r) => (r.requests > 0 && r.server_cpu_us !== undefined ? r.server_cpu_us / r.requests : NaN);

// ---- 1. against the peer ----
const rows1 = [];
const pair = (label, ours, peer, target, note = "") => {
    const o = one(ours), p = one(peer);
    rows1.push([`${label} req/s`, fmt.rps(o.rps), fmt.rps(p.rps), x(o.rps / p.rps), target, verdict(o.rps / p.rps >= 10, o, p), note]);
    rows1.push([`${label} p50`, fmt.us(o.p50), fmt.us(p.p50), x(p.p50 / o.p50), "", "", ""]);
    rows1.push([`${label} p99`, fmt.us(o.p99), fmt.us(p.p99), x(p.p99 / o.p99), "", "", ""]);
    rows1.push([`${label} server CPU per request`, fmt.us(cpuPerRequest(o)), fmt.us(cpuPerRequest(p)),
        x(cpuPerRequest(p) / cpuPerRequest(o)), "", "", "e"]);
};
pair("tools/list", "ours.list.c10", "peer.list.c10", ">= 10x",
    `a: ${one("ours.tools_list_bytes").bytes} vs ${one("peer.tools_list_bytes").bytes} bytes`);
pair("search", "ours.search.c10", "peer.search.c10", ">= 10x", "b: search-endpoints vs list-api-endpoints");
pair("endpoint schema", "ours.get.c10", "peer.get.c10", ">= 10x", "c: get-endpoint vs get-api-endpoint-schema");
pair("live call", "ours.exec.c10", "peer.exec.c10", ">= 10x", "d: execute-request vs invoke-api-endpoint");
rows1.push(["RSS idle (after initialize)", fmt.mib(mib("ours.mamute.rss_idle")), fmt.mib(mib("peer.mamute.rss_idle")),
    x(mib("peer.mamute.rss_idle") / mib("ours.mamute.rss_idle")), "a fraction",
    verdict(mib("ours.mamute.rss_idle") < mib("peer.mamute.rss_idle")), ""]);
rows1.push(["RSS peak under load (VmHWM)", fmt.mib(mib("ours.mamute.rss_peak")), fmt.mib(mib("peer.mamute.rss_peak")),
    x(mib("peer.mamute.rss_peak") / mib("ours.mamute.rss_peak")), "a fraction",
    verdict(mib("ours.mamute.rss_peak") < mib("peer.mamute.rss_peak")), "after all the runs above"]);
rows1.push(["start-up (spawn -> initialize), median of 3", fmt.ms(startup("ours.mamute.start")),
    fmt.ms(startup("peer.mamute.start")), x(startup("peer.mamute.start") / startup("ours.mamute.start")), "", "", ""]);
table("1. Against the peer: MamuteCloud spec (68 operations), 10 connections, the same nginx upstream for live calls",
    ["", "mamute-mcp", "peer", "ratio", "target", "verdict", "note"], rows1);

// ---- 2. against the limit ----
const list = one("ours.list.c10"), lim = one("limit.c10");
const exec1 = one("ours.exec.c1"), direct1 = one("direct.c1"), exec10 = one("ours.exec.c10"), direct10 = one("direct.c10");
const rows2 = [
    ["tools/list vs fixed body, req/s (10 conn)", fmt.rps(list.rps), fmt.rps(lim.rps), (list.rps / lim.rps).toFixed(2), ">= 0.50",
        verdict(list.rps / lim.rps >= 0.5, list, lim), `nginx returns the same ${one("limit.bytes").bytes} bytes`],
    ["search vs fixed body, req/s (10 conn)", fmt.rps(one("ours.search.c10").rps), fmt.rps(lim.rps),
        (one("ours.search.c10").rps / lim.rps).toFixed(2), "", "", ""],
    ["get-endpoint vs fixed body, req/s (10 conn)", fmt.rps(one("ours.get.c10").rps), fmt.rps(lim.rps),
        (one("ours.get.c10").rps / lim.rps).toFixed(2), "", "", ""],
    ["live call vs direct GET, req/s (10 conn)", fmt.rps(exec10.rps), fmt.rps(direct10.rps), (exec10.rps / direct10.rps).toFixed(2), "",
        "", "execute-request -> nginx vs wrk -> nginx"],
    ["live call vs direct GET, p50 (1 conn)", fmt.us(exec1.p50), fmt.us(direct1.p50), added(exec1.p50, direct1.p50),
        "< +100 µs", verdict(exec1.p50 - direct1.p50 < 100, exec1, direct1), "added by execute-request over a direct keep-alive call"],
    ["live call vs direct GET, p99 (1 conn)", fmt.us(exec1.p99), fmt.us(direct1.p99), added(exec1.p99, direct1.p99), "", "", ""],
];
table("2. Against the limit: nginx (2 workers) returning a fixed body with no work, and the upstream called directly",
    ["", "mamute-mcp", "limit", "share", "target", "verdict", "note"], rows2);

// ---- 3. scale ----
const sets = [
    ["MamuteCloud (68 ops, 0.1 MB)", "mamute", "ours.mamute.start", "ours.mamute.rss_idle"],
    [`GitHub api.github.com (${specsets.githubOps} ops, ${(specsets.githubBytes / 1e6).toFixed(1)} MB)`, "github", "scale.github.start", "scale.github.rss_idle"],
    [`all ${specsets.variants.length} GitHub variants (${specsets.variantsOps} ops, ${(specsets.variantsBytes / 1e6).toFixed(0)} MB)`, "all", "scale.all.start", "scale.all.rss_idle"],
];
const rows3 = sets.map(([label, k, start, idle]) => {
    const s = one(`scale.${k}.search`), g = one(`scale.${k}.get`);
    return [label, fmt.ms(startup(start)), fmt.mib(mib(idle)), fmt.mib(mib(`scale.${k}.rss_peak`)),
        fmt.us(s.p50), fmt.us(s.p99), fmt.rps(s.rps), fmt.us(g.p50), fmt.us(g.p99)];
});
table("3a. Scale with spec size (mamute-mcp, 1 connection; GitHub rows: 40 task phrasings in turn, searched across every spec loaded)",
    ["spec set", "start-up", "RSS idle", "RSS peak", "search p50", "search p99", "search req/s", "get p50", "get p99"], rows3);
console.log(`targets: search p99 under 1 ms on GitHub's spec (measured ${fmt.us(one("scale.github.search").p99)}, HTTP round trip ` +
    `included: ${verdict(one("scale.github.search").p99 < 1000, one("scale.github.search"))}); start-up under 1 s with every GitHub variant ` +
    `(measured ${fmt.ms(startup("scale.all.start"))}: ${verdict(startup("scale.all.start") < 1000)}).`);
console.log("RSS peak is taken after that spec set's runs at one connection (MamuteCloud's before the sweep below, " +
    `which took it to ${fmt.mib(mib("sweep.rss_peak"))}).`);

const rows4 = [1, 10, 100, 1000].map((c) => {
    const l = one(`sweep.ours.list.c${c}`), s = one(`sweep.ours.search.c${c}`), f = one(`sweep.limit.c${c}`);
    return [String(c), fmt.rps(l.rps), fmt.us(l.p50), fmt.us(l.p99), fmt.rps(s.rps), fmt.us(s.p50), fmt.us(s.p99),
        fmt.rps(f.rps), (l.rps / f.rps).toFixed(2)];
});
table("3b. Concurrent connections (MamuteCloud spec; wrk -t2, -t1 for 1 connection)",
    ["connections", "tools/list", "p50", "p99", "search", "p50", "p99", "fixed body (nginx)", "list/fixed"], rows4);
console.log("One run per cell, not a median: the trend across a row or column is what this table shows; table 2 " +
    "has the figures to quote. On two cores shared with wrk, nginx itself slows down at 1,000 connections: " +
    "list/fixed there compares two loaded servers, it is not a share of a ceiling.");

console.log(`
Where the peer's protocol differs (so the rows compare like for like as far as they can):
  a. tools/list: the peer lists 3 tools (list-api-endpoints, get-api-endpoint-schema, invoke-api-endpoint)
     and answers it on the POST as JSON; mamute-mcp lists 6 tools with
     titles, annotations and output schemas, so its reply is larger.
  b. The peer has no search: list-api-endpoints (no arguments, every endpoint in one text block) stands in
     for search-endpoints {pattern} (ranked results for a phrase).
  c. get-api-endpoint-schema {endpoint} (a path) vs get-endpoint {path, method} (one operation, $refs resolved).
  d. invoke-api-endpoint {endpoint, method, params} vs execute-request {method, path}; both send
     GET /dns/zones to the same nginx upstream with X-API-Key.
  The peer answers every tools/call POST with 202 and no body and sends the result as one SSE message on the
  session's GET stream (by JSON-RPC id). wrk cannot wait for that, so the peer's b/c/d rows come from
  tools/bench/mcp-client.mjs sse-load (Node 22 fetch, 10 requests in flight, latency = POST sent -> SSE
  message received); every mamute-mcp row, and the peer's tools/list row, are wrk with the reply on the POST.
  e. Server CPU per request: the user + system CPU time the server process used during the run
     (/proc/PID/stat) over the requests it answered. Unlike req/s it does not depend on how much of the
     cores the load generator takes (the Node client of the peer's b/c/d rows takes far more than wrk).
  Both servers run with one session created by initialize (protocol 2025-06-18) and keep-alive connections;
  mamute-mcp with --threads ${threads} --log-level warn and access logs off; the peer with --verbose false.
Memory: VmRSS after start-up + initialize, and VmHWM (peak RSS) after the load. Start-up: spawn until the
first successful initialize (polled every 2 ms), median of 3.
The peer at GitHub scale (one process per spec, no search): tools/bench-catalog.`);
if (flagged.length) console.log(`\nRuns with errors or stalls (their figures are suspect):\n  ${flagged.join("\n  ")}`);
else console.log("\nNo run had socket errors or failed replies.");
