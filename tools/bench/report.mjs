// Prints tools/bench-catalog's table from the driver's results. Usage: node report.mjs CONFIG RESULTS INPROCESS PEER_VERSION CORES
import { readFileSync } from "node:fs";
const [configFile, resultsFile, inprocessFile, peerVersion, cores] = process.argv.slice(2);
const config = JSON.parse(readFileSync(configFile, "utf8"));
const r = JSON.parse(readFileSync(resultsFile, "utf8"));
const inprocess = readFileSync(inprocessFile, "utf8").trim();

const ms = (v) => (v < 10 ? v.toFixed(3) : v.toFixed(0)) + " ms";
const mib = (v) => v.toFixed(1) + " MiB";
const ratio = (ours, peer) => (ours > 0 ? (peer / ours).toFixed(peer / ours < 10 ? 2 : 0) + "x" : "-");
const rows = [];
const row = (what, ours, peer, format, note = "") => rows.push([what, format(ours), peer == null ? "n/a" : format(peer),
    peer == null ? "-" : ratio(ours, peer), note]);
const section = (title) => rows.push([title]);

const alone = config.specs.find((s) => s.name === "api.github.com");
const totalOps = config.specs.reduce((n, s) => n + s.operations, 0);
const target = {
    search: "target: search p99 under 1 ms on GitHub's spec",
    startAll: "target: start-up under 1 s with every variant",
};

section(`(a) GitHub's spec alone: api.github.com.json, ${alone.operations} operations, ${(alone.bytes / 1e6).toFixed(1)} MB`);
let o = r.oursAlone, p = r.peerAlone;
row("start-up (spawn -> first initialize), median", o.startupMs, p.startupMs, ms);
row("RSS after start-up, median", o.rssStartMiB, p.rssStartMiB, mib);
row("RSS after the call load", o.rssLoadMiB, p.rssLoadMiB, mib);
row(`search-endpoints p50 (${o.search.count} queries) [peer: no search]`, o.search.p50, null, ms);
row("search-endpoints p99", o.search.p99, null, ms, target.search + " (this row includes HTTP + SDK client)");
row("search-endpoints without the SDK (raw fetch) p50 / p99", o.raw.p50, null, ms, `p99 ${ms(o.raw.p99)}`);
row(`ours list-endpoints (1 page) vs peer list-api-endpoints (all), p50*`, o.list.p50, p.list.p50, ms,
    `${o.list.count} calls; ${o.list.bytes} vs ${p.list.bytes} bytes of content`);
row("  same, p99*", o.list.p99, p.list.p99, ms);
row(`ours get-endpoint vs peer get-api-endpoint-schema, p50*`, o.get.p50, p.get.p50, ms,
    `${o.get.count} calls, ${config.endpoint.method.toUpperCase()} ${config.endpoint.path}; ${o.get.bytes} vs ${p.get.bytes} bytes`);
row("  same, p99*", o.get.p99, p.get.p99, ms);

section(`(b) every variant together: ${config.specs.map((s) => s.name).join(", ")} (${totalOps} operations)`);
o = r.oursAll; p = r.peerAll;
row(`start-up, median [peer: ${p.processes} processes, one per spec, until the last answers]`, o.startupMs, p.startupMs, ms,
    target.startAll);
row(`RSS after start-up, median [peer: sum of ${p.processes}]`, o.rssStartMiB, p.rssStartMiB, mib);
row(`RSS after the call load [peer: sum of ${p.processes}]`, o.rssLoadMiB, p.rssLoadMiB, mib);
row(`search-endpoints p50 over all ${config.specs.length} specs [peer: no search]`, o.search.p50, null, ms);
row("search-endpoints p99", o.search.p99, null, ms, target.search.replace("on GitHub's spec", "(stated for one spec)"));
row("search-endpoints without the SDK (raw fetch) p50 / p99", o.raw.p50, null, ms, `p99 ${ms(o.raw.p99)}`);
row(`list p50* [peer: the ${config.loadName} process]`, o.list.p50, p.list.p50, ms, `${o.list.bytes} vs ${p.list.bytes} bytes`);
row("  same, p99*", o.list.p99, p.list.p99, ms);
row(`get-endpoint vs get-api-endpoint-schema p50* [peer: ${config.loadName}]`, o.get.p50, p.get.p50, ms);
row("  same, p99*", o.get.p99, p.get.p99, ms);

const width = [0, 1, 2, 3].map((i) => Math.max(...rows.filter((x) => x.length > 1).map((x) => x[i].length)));
const line = (x) => x.map((c, i) => (i < 4 ? (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i])) : c)).join("  ").trimEnd();
console.log(`mamute-mcp vs @ivotoby/openapi-mcp-server ${peerVersion} (Node ${process.versions.node}), ${cores} cores; ratio = peer / ours`);
console.log(line(["", "mamute-mcp", "peer", "ratio", "note"]));
for (const x of rows) console.log(x.length === 1 ? `\n${x[0]}` : line(x));
console.log(`
* different operations: the peer has no search. Its closest tools are list-api-endpoints (every endpoint
  in one text block) and get-api-endpoint-schema {endpoint} (one path); beside them are mamute-mcp's
  list-endpoints (first page, default limit) and get-endpoint (one operation, default depth).
Client: the official MCP SDK client (@modelcontextprotocol/sdk, StreamableHTTPClientTransport) for both
servers: one session, keep-alive, sequential calls (search: ${config.queries.length} phrases in turn) after ${config.warmup} warm-up calls; latency is client-side
round-trip (JSON-RPC over HTTP on loopback, SDK parsing included). The peer answers tools/call with 202 and
sends the result on the GET event stream the SDK client opens after initialize; the SDK handles that.
Start-up: spawn until the first successful initialize (one raw POST, polled every 5 ms), median of ${config.runs} runs.
RSS: VmRSS from /proc/PID/status. The peer runs with --tools dynamic --verbose false (its default logs every
message to stderr). mamute-mcp runs with --log-level warn and one worker thread per core.
(b): the peer takes one --openapi-spec, so serving every variant takes ${config.specs.length} peer processes.
All variants share the title "${config.aloneOriginalTitle}", so both servers get copies retitled
"GitHub <variant>". Not loaded: ${config.skipped.join(", ")} (the same variants with every $ref inlined).`);
if (inprocess) console.log(`\nIn process (mamute_unit_tests "[github]", no HTTP):\n${inprocess.replace(/^/gm, "  ")}`);
else console.log("\nIn process: skipped (BENCH_SKIP_INPROCESS set, or build/tests/mamute_unit_tests not built: run tools/test).");
