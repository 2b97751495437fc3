// Benchmark driver for tools/bench-catalog (run with the pinned Node 22). Not a test: it prints numbers.
//
// Spawns mamute-mcp and the peer (@ivotoby/openapi-mcp-server) on free loopback ports, measures
// start-up (spawn -> first successful MCP initialize), resident memory (VmRSS) and tool-call latency
// over MCP Streamable HTTP with the official SDK client (one session, keep-alive, sequential calls),
// and prints one JSON object on stdout for the shell script to tabulate. Every child is killed on exit.
//
// Usage: node bench.mjs CONFIG.json   (CONFIG written by tools/bench-catalog)
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const sdk = (sub) => import(pathToFileURL(`${config.sdkDir}/dist/esm/${sub}`).href);
const { Client } = await sdk("client/index.js");
const { StreamableHTTPClientTransport } = await sdk("client/streamableHttp.js");

// ---- children: every process started here is tracked and killed on any exit ----
const children = new Set();
function killAll() {
    for (const child of children) {
        try { process.kill(child.pid, "SIGKILL"); } catch { /* already gone */ }
    }
    children.clear();
}
process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => { killAll(); process.exit(130); });

const log = (...args) => console.error("[bench]", ...args);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.unref();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address();
            server.close(() => resolve(port));
        });
    });
}

function rssMiB(pid) {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)[1]);
    return kb / 1024;
}

function stop(child) {
    return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) { children.delete(child); return resolve(); }
        const timer = setTimeout(() => { try { child.kill("SIGKILL"); } catch { /* gone */ } }, 3000);
        child.once("exit", () => { clearTimeout(timer); children.delete(child); resolve(); });
        child.kill("SIGTERM");
    });
}

// One raw initialize (the start-up criterion: the first one that succeeds). Same request for both servers.
async function tryInitialize(url) {
    try {
        const response = await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
            body: JSON.stringify({
                jsonrpc: "2.0", id: 1, method: "initialize",
                params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench-probe", version: "0" } },
            }),
            signal: AbortSignal.timeout(60000),
        });
        const text = await response.text();
        return response.status === 200 && text.includes('"result"') && text.includes('"protocolVersion"');
    } catch {
        return false;  // not listening yet
    }
}

// Spawns one server and waits for its first successful initialize; returns timing and the child.
async function startServer(kind, specs, label) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/mcp`;
    let command, args;
    if (kind === "ours") {
        command = config.mamuteBin;
        args = ["--bind", "127.0.0.1", "--port", String(port), "--log-level", "warn"];
        for (const spec of specs) args.push("--spec", spec);
    } else {
        if (specs.length !== 1) throw new Error("the peer takes one --openapi-spec");
        command = config.nodeBin;
        // --verbose false: by default the peer writes every JSON-RPC message (534 KB lists included)
        // to stderr; switched off so its figures are not inflated by logging.
        args = [config.peerJs, "--transport", "http", "--host", "127.0.0.1", "--port", String(port), "--path", "/mcp",
            "--api-base-url", "http://127.0.0.1:9", "--openapi-spec", specs[0], "--tools", "dynamic",
            "--verbose", "false"];
    }
    let stderr = "";
    const started = performance.now();
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
    children.add(child);
    child.stderr.on("data", (chunk) => { if (stderr.length < 20000) stderr += chunk; });
    const deadline = started + 120000;
    for (;;) {
        if (child.exitCode !== null) throw new Error(`${label}: exited with ${child.exitCode} before answering: ${stderr}`);
        if (await tryInitialize(url)) break;
        if (performance.now() > deadline) throw new Error(`${label}: no initialize within 120 s: ${stderr}`);
        await sleep(5);
    }
    const startupMs = performance.now() - started;
    return { child, url, startupMs, rss: rssMiB(child.pid), stderr: () => stderr };
}

async function connect(url) {
    const client = new Client({ name: "mamute-bench", version: "0" });
    const transport = new StreamableHTTPClientTransport(new URL(url));
    await client.connect(transport);
    return { client, transport };
}

// Calls a tool through the SDK client. The peer answers tools/call with 202 and delivers the result on the
// GET event stream the SDK client opens after initialize; the SDK matches it by id, so both servers share this.
async function call(client, name, args, timeout = 30000) {
    const result = await client.callTool({ name, arguments: args }, undefined, { timeout });
    if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content).slice(0, 300)}`);
    return result;
}

function percentile(sorted, q) {
    return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

async function measure(client, name, argsFor, count, warmup) {
    for (let i = 0; i < warmup; ++i) await call(client, name, argsFor(i));
    const ms = [];
    let bytes = 0;
    for (let i = 0; i < count; ++i) {
        const t0 = performance.now();
        const result = await call(client, name, argsFor(i));
        ms.push(performance.now() - t0);
        if (i === 0) bytes = JSON.stringify(result.content).length;
    }
    ms.sort((a, b) => a - b);
    return { count, p50: percentile(ms, 0.5), p99: percentile(ms, 0.99), max: ms[ms.length - 1], bytes };
}

// The same search-endpoints calls as plain keep-alive fetch POSTs in the SDK's session (JSON replies, no SDK
// parsing): how much of the round-trip is the client. Only for mamute-mcp, whose replies come on the POST.
async function measureRaw(url, transport, argsFor, count, warmup) {
    const headers = { "content-type": "application/json", accept: "application/json, text/event-stream",
        "mcp-session-id": transport.sessionId, "mcp-protocol-version": transport.protocolVersion };
    let id = 1e6;
    const once = async (i) => {
        const response = await fetch(url, { method: "POST", headers, body: JSON.stringify({ jsonrpc: "2.0", id: id++,
            method: "tools/call", params: { name: "search-endpoints", arguments: argsFor(i) } }) });
        const text = await response.text();
        if (response.status !== 200 || !text.includes('"result"')) throw new Error(`raw search: ${response.status} ${text.slice(0, 200)}`);
    };
    for (let i = 0; i < warmup; ++i) await once(i);
    const ms = [];
    for (let i = 0; i < count; ++i) {
        const t0 = performance.now();
        await once(i);
        ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    return { count, p50: percentile(ms, 0.5), p99: percentile(ms, 0.99), max: ms[ms.length - 1] };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// Start-up and RSS for one configuration: `runs` fresh starts; the last stays up for the load.
async function startups(kind, specs, label) {
    const times = [], rss = [];
    let last;
    for (let run = 0; run < config.runs; ++run) {
        const server = await startServer(kind, specs, label);
        times.push(server.startupMs);
        rss.push(server.rss);
        log(`${label}: start-up ${server.startupMs.toFixed(0)} ms, RSS ${server.rss.toFixed(1)} MiB (run ${run + 1})`);
        if (run < config.runs - 1) await stop(server.child);
        else last = server;
    }
    return { last, startupMs: median(times), startupAll: times, rssStartMiB: median(rss) };
}

const queries = config.queries;
const endpoint = config.endpoint;  // one endpoint for the get-endpoint / get-api-endpoint-schema rows

async function benchOurs(specs, label) {
    const s = await startups("ours", specs, label);
    const { client, transport } = await connect(s.last.url);
    const search = await measure(client, "search-endpoints", (i) => ({ pattern: queries[i % queries.length] }),
        config.searchCount, config.warmup);
    log(`${label}: search-endpoints p50 ${search.p50.toFixed(3)} ms p99 ${search.p99.toFixed(3)} ms`);
    const raw = await measureRaw(s.last.url, transport, (i) => ({ pattern: queries[i % queries.length] }),
        config.searchCount, config.warmup);
    log(`${label}: search-endpoints without the SDK p50 ${raw.p50.toFixed(3)} ms p99 ${raw.p99.toFixed(3)} ms`);
    const getArgs = { path: endpoint.path, method: endpoint.method };
    if (specs.length > 1) getArgs.title = config.aloneTitle;
    const get = await measure(client, "get-endpoint", () => getArgs, config.schemaCount, config.warmup);
    const list = await measure(client, "list-endpoints", () => (specs.length > 1 ? { title: config.aloneTitle } : {}),
        config.listCount, Math.min(config.warmup, 10));
    const rssLoad = rssMiB(s.last.child.pid);
    await transport.close();
    await stop(s.last.child);
    return { startupMs: s.startupMs, startupAll: s.startupAll, rssStartMiB: s.rssStartMiB, rssLoadMiB: rssLoad,
        processes: 1, search, raw, get, list };
}

async function benchPeerOne(spec, label) {
    const s = await startups("peer", [spec], label);
    const { client, transport } = await connect(s.last.url);
    const list = await measure(client, "list-api-endpoints", () => ({}), config.listCount, Math.min(config.warmup, 10));
    log(`${label}: list-api-endpoints p50 ${list.p50.toFixed(3)} ms p99 ${list.p99.toFixed(3)} ms (${list.bytes} bytes)`);
    const get = await measure(client, "get-api-endpoint-schema", () => ({ endpoint: endpoint.path }),
        config.schemaCount, config.warmup);
    log(`${label}: get-api-endpoint-schema p50 ${get.p50.toFixed(3)} ms p99 ${get.p99.toFixed(3)} ms`);
    const rssLoad = rssMiB(s.last.child.pid);
    await transport.close();
    await stop(s.last.child);
    return { startupMs: s.startupMs, startupAll: s.startupAll, rssStartMiB: s.rssStartMiB, rssLoadMiB: rssLoad,
        processes: 1, list, get };
}

// The peer serves one spec per process, so "every variant" is one process per file, spawned together:
// start-up until the last answers initialize, RSS summed; the load runs on the process for config.loadSpec.
async function benchPeerAll(specs, label) {
    const times = [], rss = [];
    let kept;
    for (let run = 0; run < config.runs; ++run) {
        const t0 = performance.now();
        const servers = await Promise.all(specs.map((spec) => startServer("peer", [spec], `${label} ${spec}`)));
        times.push(performance.now() - t0);
        rss.push(servers.reduce((sum, server) => sum + server.rss, 0));
        log(`${label}: ${specs.length} processes up in ${times.at(-1).toFixed(0)} ms, RSS ${rss.at(-1).toFixed(1)} MiB (run ${run + 1})`);
        if (run < config.runs - 1) await Promise.all(servers.map((server) => stop(server.child)));
        else kept = servers;
    }
    const loaded = kept[specs.indexOf(config.loadSpec)];
    const { client, transport } = await connect(loaded.url);
    const list = await measure(client, "list-api-endpoints", () => ({}), config.listCount, Math.min(config.warmup, 10));
    const get = await measure(client, "get-api-endpoint-schema", () => ({ endpoint: endpoint.path }),
        config.schemaCount, config.warmup);
    const rssLoad = kept.reduce((sum, server) => sum + rssMiB(server.child.pid), 0);
    await transport.close();
    await Promise.all(kept.map((server) => stop(server.child)));
    return { startupMs: median(times), startupAll: times, rssStartMiB: median(rss), rssLoadMiB: rssLoad,
        processes: specs.length, list, get };
}

const results = {};
try {
    results.oursAlone = await benchOurs([config.alone], "mamute-mcp (a)");
    results.peerAlone = await benchPeerOne(config.alone, "peer (a)");
    results.oursAll = await benchOurs(config.variants, "mamute-mcp (b)");
    results.peerAll = await benchPeerAll(config.variants, "peer (b)");
} finally {
    killAll();
}
process.stdout.write(JSON.stringify(results) + "\n");
process.exit(0);
