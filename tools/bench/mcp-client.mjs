// Small MCP-over-HTTP helpers for tools/bench (run with the pinned Node 22). Not a test: it prints numbers.
//
//   spawn LOGFILE -- CMD ARGS...   picks a free loopback port (replaces {PORT} in ARGS), starts CMD detached
//                                  (stdout/stderr to LOGFILE), polls initialize every 2 ms and prints
//                                  "PID PORT STARTUP_MS" (spawn -> first successful initialize). The caller kills PID.
//   port                           prints a free loopback port.
//   session URL [HEADER:VALUE...]  initialize + notifications/initialized; prints the Mcp-Session-Id.
//   call URL SESSION BODY          one POST (BODY with __ID__ replaced); prints status and the reply.
//   sse-load URL SESSION BODYFILE CONNECTIONS SECONDS
//                                  closed-loop load for a server that answers tools/call with 202 and sends the
//                                  result on the session's GET event stream (the peer): CONNECTIONS loops, each
//                                  POSTs a body (one line of BODYFILE in turn, __ID__ replaced by a unique id) and
//                                  waits for the SSE event carrying that id. Prints one JSON line like wrk's
//                                  done(): requests, rps, p50/p99/mean in microseconds, errors.
import { spawn } from "node:child_process";
import { openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { performance } from "node:perf_hooks";

const PROTOCOL = "2025-06-18";
const [command, ...rest] = process.argv.slice(2);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const baseHeaders = { "content-type": "application/json", accept: "application/json, text/event-stream" };

function freePort() {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address();
            server.close(() => resolve(port));
        });
    });
}

function initializeBody(id = 1) {
    return JSON.stringify({ jsonrpc: "2.0", id, method: "initialize",
        params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: "mamute-bench", version: "0" } } });
}

async function initialize(url, extra = {}) {
    const response = await fetch(url, { method: "POST", headers: { ...baseHeaders, ...extra }, body: initializeBody(),
        signal: AbortSignal.timeout(60000) });
    const text = await response.text();
    if (response.status !== 200 || !text.includes('"protocolVersion"')) return null;
    return response.headers.get("mcp-session-id") ?? "";
}

async function cmdSpawn(args) {
    const sep = args.indexOf("--");
    const logFile = args[0];
    const [cmd, ...cmdArgs] = args.slice(sep + 1);
    const port = await freePort();
    const finalArgs = cmdArgs.map((a) => a.replaceAll("{PORT}", String(port)));
    const url = `http://127.0.0.1:${port}/mcp`;
    const log = openSync(logFile, "a");
    const t0 = performance.now();
    const child = spawn(cmd, finalArgs, { stdio: ["ignore", log, log], detached: true });
    child.unref();
    // Stopped while waiting (the bench interrupted): take the server, in its own process group, along.
    const stopBoth = () => { try { process.kill(-child.pid, "SIGTERM"); } catch { /* gone */ } process.exit(143); };
    process.on("SIGTERM", stopBoth);
    process.on("SIGINT", stopBoth);
    let exited = null;
    child.on("exit", (code, signal) => { exited = code ?? signal; });
    const deadline = t0 + 120000;
    for (;;) {
        if (exited !== null) { console.error(`spawn: ${cmd} exited (${exited}); see ${logFile}`); process.exit(1); }
        try { if ((await initialize(url)) !== null) break; } catch { /* not listening yet */ }
        if (performance.now() > deadline) {
            try { process.kill(child.pid, "SIGKILL"); } catch { /* gone */ }
            console.error(`spawn: no initialize within 120 s; see ${logFile}`); process.exit(1);
        }
        await sleep(2);
    }
    const ms = performance.now() - t0;
    console.log(`${child.pid} ${port} ${ms.toFixed(1)}`);
    process.exit(0);
}

async function cmdSession([url, ...headerArgs]) {
    const extra = Object.fromEntries(headerArgs.map((h) => [h.slice(0, h.indexOf(":")), h.slice(h.indexOf(":") + 1)]));
    const session = await initialize(url, extra);
    if (!session) { console.error("session: initialize failed"); process.exit(1); }
    const headers = { ...baseHeaders, ...extra, "mcp-session-id": session, "mcp-protocol-version": PROTOCOL };
    const r = await fetch(url, { method: "POST", headers,
        body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) });
    await r.text();
    console.log(session);
}

async function cmdCall([url, session, body]) {
    const headers = { ...baseHeaders, "mcp-session-id": session, "mcp-protocol-version": PROTOCOL };
    const r = await fetch(url, { method: "POST", headers, body: body.replaceAll("__ID__", "7") });
    const text = await r.text();
    console.log(r.status, r.headers.get("content-type"), text.length);
    console.log(text);
}

// Reads "data: ..." lines of an event stream and hands each parsed JSON message to onMessage.
async function readEvents(response, onMessage) {
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of response.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = event.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart()).join("\n");
            if (data) { try { onMessage(JSON.parse(data)); } catch { /* not JSON */ } }
        }
    }
}

async function cmdSseLoad([url, session, bodyFile, connections, seconds]) {
    const bodies = readFileSync(bodyFile, "utf8").split("\n").filter((l) => l.trim());
    const headers = { ...baseHeaders, "mcp-session-id": session, "mcp-protocol-version": PROTOCOL };
    const pending = new Map();
    const controller = new AbortController();
    // The peer writes the stream's headers only with its first event, so the GET is not awaited here: it is
    // sent, given a moment to register on the server, and read once the first result arrives.
    let toolErrors = 0;
    const streamDone = fetch(url, { method: "GET", headers: { accept: "text/event-stream", "mcp-session-id": session,
        "mcp-protocol-version": PROTOCOL }, signal: controller.signal })
        .then((stream) => {
            if (stream.status !== 200) { console.error(`sse-load: GET stream ${stream.status}`); process.exit(1); }
            return readEvents(stream, (message) => {
                const resolve = pending.get(message.id);
                if (!resolve) return;
                pending.delete(message.id);
                if (message.error || message.result?.isError) ++toolErrors;
                resolve();
            });
        })
        .catch(() => { /* aborted at the end */ });
    await sleep(200);
    let nextId = 1, errors = 0, stop = false;
    const latencies = [];
    const once = async () => {
        const id = nextId++;
        const body = bodies[id % bodies.length].replaceAll("__ID__", String(id));
        const t0 = performance.now();
        const done = new Promise((resolve) => pending.set(id, resolve));
        const r = await fetch(url, { method: "POST", headers, body });
        await r.arrayBuffer();
        if (r.status !== 202 && r.status !== 200) { pending.delete(id); ++errors; return; }
        if (await Promise.race([done.then(() => true), sleep(10000).then(() => false)])) latencies.push((performance.now() - t0) * 1000);
        else ++errors;
    };
    const loop = async () => { while (!stop) { try { await once(); } catch { ++errors; } } };
    const started = performance.now();
    setTimeout(() => { stop = true; }, Number(seconds) * 1000);
    await Promise.all(Array.from({ length: Number(connections) }, loop));
    const elapsed = (performance.now() - started) / 1000;
    controller.abort();
    void streamDone;
    latencies.sort((a, b) => a - b);
    const pct = (q) => latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil(q * latencies.length) - 1))] ?? 0;
    const mean = latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length);
    console.log(JSON.stringify({ requests: latencies.length, seconds: elapsed, rps: latencies.length / elapsed,
        p50: pct(0.5), p99: pct(0.99), mean, errors, non2xx: toolErrors }));
    process.exit(0);
}

async function cmdPort() { console.log(await freePort()); }

const commands = { port: cmdPort, spawn: cmdSpawn, session: cmdSession, call: cmdCall, "sse-load": cmdSseLoad };
if (!commands[command]) { console.error(`usage: mcp-client.mjs ${Object.keys(commands).join("|")} ...`); process.exit(2); }
await commands[command](rest);
