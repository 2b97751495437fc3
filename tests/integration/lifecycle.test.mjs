// Lifecycle of the real binary: SIGTERM with a request in flight completes it and exits 0; SIGHUP
// reloads a changed spec, and a broken one leaves the previous state serving.
// Usage: node lifecycle.test.mjs [path/to/mamute-mcp]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BINARY = path.resolve(process.argv[2] || process.env.MAMUTE_BINARY || path.join(REPO, "build", "mamute-mcp"));

const children = new Set();
const cleanups = [];
// Killed from outside (ctest's timeout, Ctrl-C): no server may outlive the test.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"])
    process.on(signal, () => {
        for (const child of children) child.kill("SIGKILL");
        process.exit(1);
    });
function fail(message) {
    throw new Error(message);
}
function check(condition, message) {
    if (!condition) fail(message);
    console.log(`ok - ${message}`);
}

function spec(paths) {
    return JSON.stringify({
        openapi: "3.0.3",
        info: { title: "Lifecycle API", version: "1" },
        servers: [{ url: "https://api.example.com" }],
        paths,
    });
}
const onePath = { "/items/{id}": { get: { operationId: "getItem", parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }], responses: { 200: { description: "ok" } } } } };
const twoPaths = { ...onePath, "/orders": { get: { operationId: "listOrders", responses: { 200: { description: "ok" } } } } };

// Starts the server and resolves once it listens; `lines` collects its log, `waitFor` awaits a line.
function startServer(args) {
    return new Promise((resolve, reject) => {
        const child = spawn(BINARY, ["--port", "0", ...args], { stdio: ["ignore", "ignore", "pipe"] });
        children.add(child);
        const lines = [];
        const waiters = [];
        let buffered = "";
        child.stderr.on("data", (chunk) => {
            buffered += chunk.toString();
            let newline;
            while ((newline = buffered.indexOf("\n")) >= 0) {
                const line = buffered.slice(0, newline);
                buffered = buffered.slice(newline + 1);
                lines.push(line);
                for (const waiter of [...waiters])
                    if (waiter.pattern.test(line)) {
                        waiters.splice(waiters.indexOf(waiter), 1);
                        waiter.resolve(line);
                    }
                const listening = line.match(/listening on http:\/\/127\.0\.0\.1:(\d+)\/mcp/);
                if (listening) resolve({ child, port: Number(listening[1]), lines, waitFor });
            }
        });
        const exited = new Promise((done) => child.on("exit", (code, signal) => { children.delete(child); done({ code, signal }); }));
        child.exited = exited;
        exited.then(({ code }) => reject(new Error(`server exited early (${code}):\n${lines.join("\n")}`)));
        function waitFor(pattern) {
            const seen = lines.find((line) => pattern.test(line));
            if (seen) return Promise.resolve(seen);
            return new Promise((done) => waiters.push({ pattern, resolve: done }));
        }
    });
}

async function rpc(port, session, id, method, params = {}) {
    const headers = { "content-type": "application/json", accept: "application/json, text/event-stream", "x-api-key": "mk_test_lifecycle" };
    if (session) Object.assign(headers, { "mcp-session-id": session, "mcp-protocol-version": "2025-06-18" });
    const response = await fetch(`http://127.0.0.1:${port}/mcp`, {
        method: "POST", headers, body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
    });
    const text = await response.text();
    return { status: response.status, session: response.headers.get("mcp-session-id"), connection: response.headers.get("connection"), body: text ? JSON.parse(text) : null };
}

async function initialize(port) {
    const reply = await rpc(port, null, 1, "initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "lifecycle-test", version: "1" } });
    if (reply.status !== 200 || !reply.session) fail(`initialize failed: ${JSON.stringify(reply)}`);
    return reply.session;
}

async function operationCount(port, session) {
    const reply = await rpc(port, session, 2, "tools/call", { name: "list-specs", arguments: {} });
    return reply.body.result.structuredContent.specs[0].operations;
}

async function sigtermWithRequestInFlight() {
    // An upstream that holds its answer until the test lets it go.
    let release;
    const released = new Promise((resolve) => { release = resolve; });
    let arrived;
    const arrival = new Promise((resolve) => { arrived = resolve; });
    const upstream = http.createServer(async (request, response) => {
        arrived(request.url);
        await released;
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ id: "42", finished: true }));
    });
    await new Promise((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => upstream.close());
    const dir = mkdtempSync(path.join(os.tmpdir(), "mamute-lifecycle-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(path.join(dir, "spec.json"), spec(onePath));

    const server = await startServer(["--spec", path.join(dir, "spec.json"), "--base-url", `http://127.0.0.1:${upstream.address().port}`]);
    const session = await initialize(server.port);
    // A session event stream, open across the shutdown: it must end, not hold the process.
    const stream = await fetch(`http://127.0.0.1:${server.port}/mcp`, {
        headers: { accept: "text/event-stream", "mcp-session-id": session, "mcp-protocol-version": "2025-06-18" },
    });
    check(stream.status === 200, "a GET event stream is open");
    const streamEnded = stream.body.pipeTo(new WritableStream()).then(() => "ended", (error) => `ended (${error.message})`);
    const pending = rpc(server.port, session, 3, "tools/call", { name: "execute-request", arguments: { method: "GET", path: "/items/42" } });
    check((await arrival) === "/items/42", "the call reached the upstream before the signal");
    server.child.kill("SIGTERM");
    await server.waitFor(/signal 15 received: not accepting; finishing 1 requests/);
    // Not accepting any more: a new connection is refused, while the call in flight goes on.
    const refused = await fetch(`http://127.0.0.1:${server.port}/healthz`).then(() => false, () => true);
    check(refused, "after SIGTERM no new connection is accepted");
    release();
    const reply = await pending;
    check(reply.status === 200 && reply.body.result.structuredContent.status === 200 &&
          reply.body.result.structuredContent.body.finished === true, "the request in flight completed with the upstream's answer");
    check(reply.connection === "close", "the reply told the client the connection closes");
    check((await streamEnded).startsWith("ended"), "the event stream was ended by the shutdown");
    const { code, signal } = await server.child.exited;
    check(code === 0 && signal === null, `the server exited 0 after draining (code ${code}, signal ${signal})`);
}

async function sighupReloads() {
    const dir = mkdtempSync(path.join(os.tmpdir(), "mamute-reload-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, "spec.json");
    writeFileSync(file, spec(onePath));
    const server = await startServer(["--spec", file]);
    const session = await initialize(server.port);
    check((await operationCount(server.port, session)) === 1, "one operation before the reload");

    writeFileSync(file, spec(twoPaths));
    server.child.kill("SIGHUP");
    await server.waitFor(/reloaded: 1 specs, 2 operations/);
    check((await operationCount(server.port, session)) === 2, "a good reload serves the new spec, same session");
    check(!server.lines.some((line) => line.includes("take effect only after a restart")),
          "a reload that changes no http setting does not claim one changed");

    writeFileSync(file, "{ this is not json");
    server.child.kill("SIGHUP");
    const failed = await server.waitFor(/reload failed, still serving the previous config and specs/);
    check(/spec\(s\) could not be loaded|no spec could be loaded/.test(failed), "a broken spec fails the reload and the log says why");
    check(server.lines.some((line) => line.includes("spec not loaded") && line.includes("spec.json")), "the log names the broken file");
    check((await operationCount(server.port, session)) === 2, "after a broken reload the previous spec still serves");

    server.child.kill("SIGTERM");
    const { code } = await server.child.exited;
    check(code === 0, "an idle server exits 0 on SIGTERM");
}

try {
    await sigtermWithRequestInFlight();
    await sighupReloads();
    console.log("lifecycle: all checks passed");
} catch (error) {
    console.error(`not ok - ${error.stack || error}`);
    process.exitCode = 1;
} finally {
    for (const child of children) child.kill("SIGKILL");
    for (const cleanup of cleanups) cleanup();
}
