#!/usr/bin/env node
// End-to-end test: the official MCP TypeScript SDK client against a real mamute-mcp binary, with a
// fake MamuteCloud API (HTTPS, test CA) behind it.
//
//   node tests/integration/sdk-client.test.mjs /path/to/mamute-mcp
//
// (npm dependencies: `cd tests && npm install`.) MAMUTE_E2E_VERBOSE=1 prints every tool call and result. Exit code 0 when every check passes, 1 otherwise;
// the last line is "N passed, M failed". Works on Node >= 18.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";

import { startFakeMamuteCloud, startTrapServer } from "./fake-mamutecloud.mjs";
import { createChecks } from "../lib/checks.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "..", "..");
const SPEC = path.join(REPO, "spec", "mamutecloud.openapi.json");
const BINARY = path.resolve(process.argv[2] || process.env.MAMUTE_BINARY || path.join(REPO, "build", "mamute-mcp"));

const API_KEY = "mk_e2e_" + Math.random().toString(36).slice(2) + Date.now().toString(36);
const WRONG_KEY = "mk_wrong_" + Math.random().toString(36).slice(2);
const SPEC_TITLE = "MamuteCloud API";
const READY_TIMEOUT_MS = 20_000;
const CALL_TIMEOUT_MS = 20_000;
const SHUTDOWN_TIMEOUT_MS = 5_000;
const WATCHDOG_MS = 180_000;
const VERBOSE = process.env.MAMUTE_E2E_VERBOSE === "1";  // print every tool call and result

const EXPECTED_TOOLS = ["list-specs", "list-endpoints", "search-endpoints", "get-endpoint",
                        "get-server-variables", "execute-request"];
const READ_ONLY_TOOLS = EXPECTED_TOOLS.filter((t) => t !== "execute-request");

// ---------------------------------------------------------------------------------------------
// Check bookkeeping.

const { check, counts, log } = createChecks();

function requirePrereq(value, what) {
    if (value === undefined || value === null) throw new Error(`skipped: prerequisite missing (${what})`);
    return value;
}

const short = (v, n = 1500) => {
    const s = typeof v === "string" ? v : JSON.stringify(v);
    return s === undefined ? String(v) : s.length > n ? s.slice(0, n) + `... (${s.length} chars)` : s;
};

// ---------------------------------------------------------------------------------------------
// JSON helpers: tool results are free-form JSON, so find things by shape, not by exact layout.

/** Depth-first search; returns {node, ancestors: [{key, node}...]} of the first match. */
function deepFind(value, pred, ancestors = []) {
    if (pred(value)) return { node: value, ancestors };
    if (value !== null && typeof value === "object") {
        const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
        for (const [key, child] of entries) {
            const found = deepFind(child, pred, [...ancestors, { key, node: value }]);
            if (found) return found;
        }
    }
    return undefined;
}

function deepFindAll(value, pred, ancestors = [], out = []) {
    if (pred(value)) out.push({ node: value, ancestors });
    if (value !== null && typeof value === "object") {
        const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
        for (const [key, child] of entries) deepFindAll(child, pred, [...ancestors, { key, node: value }], out);
    }
    return out;
}

const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const methodIs = (v, m) => typeof v === "string" && v.toLowerCase() === m.toLowerCase();
const isEndpoint = (v, method, p) => isObj(v) && methodIs(v.method, method) && v.path === p;

function parseMaybeJson(v) {
    if (typeof v !== "string") return v;
    try {
        return JSON.parse(v);
    } catch {
        return v;
    }
}

// ---------------------------------------------------------------------------------------------
// The server process.

let activeServer;  // for the watchdog

function spawnServer(args) {
    const child = spawn(BINARY, args, { stdio: ["ignore", "pipe", "pipe"], env: process.env });
    const server = { child, output: "", exited: false, exitCode: null, exitSignal: null };
    activeServer = server;
    const exitPromise = new Promise((resolve) => {
        child.on("exit", (code, signal) => {
            server.exited = true;
            server.exitCode = code;
            server.exitSignal = signal;
            resolve();
        });
    });
    server.exitPromise = exitPromise;
    server.ready = new Promise((resolve, reject) => {
        let done = false;
        const finish = (fn, v) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            fn(v);
        };
        const timer = setTimeout(() => finish(reject, new Error(
            `server did not log "listening on http://127.0.0.1:PORT/mcp" within ${READY_TIMEOUT_MS} ms; output so far:\n${server.output}`)),
            READY_TIMEOUT_MS);
        const onData = (chunk) => {
            server.output += chunk;
            const m = /listening on (http:\/\/127\.0\.0\.1:(\d+)\/mcp)\b/.exec(server.output);
            if (m) finish(resolve, m[1]);
        };
        child.stdout.setEncoding("utf8").on("data", onData);
        child.stderr.setEncoding("utf8").on("data", onData);
        child.on("error", (err) => finish(reject, new Error(`cannot start ${BINARY}: ${err.message}`)));
        child.on("exit", (code, signal) => finish(reject, new Error(
            `server exited before it was ready (code ${code}, signal ${signal}); output:\n${server.output}`)));
    });
    server.ready.catch(() => {});
    return server;
}

/** SIGTERM, then SIGKILL after SHUTDOWN_TIMEOUT_MS. Resolves true if SIGTERM alone was enough. */
async function stopServer(server) {
    if (server.exited) return true;
    server.child.kill("SIGTERM");
    let timer;
    const timedOut = await Promise.race([
        server.exitPromise.then(() => false),
        new Promise((resolve) => { timer = setTimeout(() => resolve(true), SHUTDOWN_TIMEOUT_MS); }),
    ]);
    clearTimeout(timer);
    if (timedOut && !server.exited) {
        server.child.kill("SIGKILL");
        await server.exitPromise;
        return false;
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// MCP client helpers.

async function connectClient(mcpUrl, apiKey, name) {
    const client = new Client({ name, version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), {
        requestInit: { headers: { "X-API-Key": apiKey } },
    });
    await client.connect(transport, { timeout: CALL_TIMEOUT_MS });
    return client;
}

const resultLog = [];  // every tool result, serialised, with the key the caller used

/** Calls a tool; returns {raw, text, json, isError}. json is the first text item that parses. */
async function callTool(client, name, args, keyUsed = API_KEY) {
    const raw = await client.callTool({ name, arguments: args }, undefined, { timeout: CALL_TIMEOUT_MS });
    resultLog.push({ tool: name, keyUsed, serialized: JSON.stringify(raw) });
    if (VERBOSE) log(`     ${name} ${short(args, 300)}\n       -> ${raw.isError ? "[isError] " : ""}${short(raw.content, 800)}`);
    const texts = (raw.content || []).filter((c) => c.type === "text").map((c) => c.text);
    let json;
    for (const t of texts) {
        try {
            json = JSON.parse(t);
            break;
        } catch { /* not JSON */ }
    }
    if (json === undefined && raw.structuredContent !== undefined) json = raw.structuredContent;
    return { raw, text: texts.join("\n"), json, isError: raw.isError === true };
}

/** execute-request that must succeed upstream: returns {status, statusText, headers, body(parsed)}. */
async function executeOk(client, args, okStatuses = [200, 201]) {
    const r = await callTool(client, "execute-request", args);
    assert.notEqual(r.isError, true, `execute-request returned isError: ${short(r.text)}`);
    assert.ok(isObj(r.json), `execute-request result is not a JSON object: ${short(r.text)}`);
    for (const field of ["status", "statusText", "headers", "body"]) {
        assert.ok(field in r.json, `execute-request result lacks '${field}': ${short(r.json)}`);
    }
    assert.ok(okStatuses.includes(r.json.status), `status ${r.json.status} not in ${okStatuses}: ${short(r.json)}`);
    return { ...r.json, body: parseMaybeJson(r.json.body) };
}

// ---------------------------------------------------------------------------------------------
// The test.

async function main() {
    if (!existsSync(BINARY)) throw new Error(`server binary not found: ${BINARY} (pass its path as the first argument)`);
    if (!existsSync(SPEC)) throw new Error(`spec not found: ${SPEC}`);

    const tmp = mkdtempSync(path.join(os.tmpdir(), "mamute-mcp-e2e-"));
    let api, trap, server;
    const clients = [];
    try {
        api = await startFakeMamuteCloud({ apiKey: API_KEY, tlsDir: path.join(tmp, "tls") });
        trap = await startTrapServer();
        log(`fake MamuteCloud at ${api.url}, trap at ${trap.url}, binary ${BINARY}`);

        // 1. Start the server and wait for its "listening on" line.
        server = spawnServer(["--port", "0", "--base-url", api.url, "--ca-file", api.caFile, "--spec", SPEC]);
        const mcpUrl = await check("server starts and logs 'listening on http://127.0.0.1:PORT/mcp'", () => server.ready);
        if (!mcpUrl) return;

        // 2. Connect, server info, tools/list.
        const client = await check("SDK client connects (initialize handshake)", () => connectClient(mcpUrl, API_KEY, "mamute-e2e"));
        if (!client) return;
        clients.push(client);

        await check("server reports name and version", () => {
            const info = client.getServerVersion();
            assert.ok(isObj(info), "no serverInfo");
            assert.equal(typeof info.name, "string");
            assert.ok(info.name.length > 0, "empty server name");
            assert.equal(typeof info.version, "string");
            assert.ok(info.version.length > 0, "empty server version");
            assert.ok(isObj(client.getServerCapabilities()?.tools), "capabilities.tools missing");
        });

        const tools = await check("tools/list returns exactly the six tools", async () => {
            const { tools } = await client.listTools(undefined, { timeout: CALL_TIMEOUT_MS });
            assert.deepEqual(tools.map((t) => t.name).sort(), [...EXPECTED_TOOLS].sort());
            return tools;
        });
        if (tools) {
            await check("every tool has a description and inputSchema.type 'object'", () => {
                for (const t of tools) {
                    assert.equal(typeof t.description, "string", `${t.name}: no description`);
                    assert.ok(t.description.trim().length > 0, `${t.name}: empty description`);
                    assert.equal(t.inputSchema?.type, "object", `${t.name}: inputSchema.type`);
                }
            });
            await check("read tools have annotations.readOnlyHint === true", () => {
                for (const name of READ_ONLY_TOOLS) {
                    const t = tools.find((x) => x.name === name);
                    assert.equal(t.annotations?.readOnlyHint, true, `${name}: ${short(t.annotations)}`);
                }
            });
            await check("execute-request has openWorldHint === true and is not read-only", () => {
                const t = tools.find((x) => x.name === "execute-request");
                assert.equal(t.annotations?.openWorldHint, true, short(t.annotations));
                assert.notEqual(t.annotations?.readOnlyHint, true, short(t.annotations));
            });
        }

        // 3. The read tools.
        await check(`list-specs shows "${SPEC_TITLE}" with 68 operations`, async () => {
            const r = await callTool(client, "list-specs", {});
            assert.notEqual(r.isError, true, r.text);
            // Structured output: {specs: [...]} (the SDK validated it against outputSchema), same as the text.
            assert.ok(Array.isArray(r.raw.structuredContent?.specs), `no structuredContent.specs: ${short(r.raw)}`);
            assert.deepEqual(r.raw.structuredContent, r.json, "structuredContent differs from the text content");
            const found = deepFind(r.json, (v) => isObj(v) && Object.values(v).includes(SPEC_TITLE));
            assert.ok(found, `no spec titled "${SPEC_TITLE}": ${short(r.text)}`);
            const counts = Object.entries(found.node).filter(([, v]) => typeof v === "number");
            assert.ok(counts.some(([, v]) => v === 68), `no count of 68 operations in ${short(found.node)}`);
        });

        await check("list-endpoints lists GET /cdn/resource under the CDN tag", async () => {
            let cursor;
            for (let page = 0; page < 50; page += 1) {
                const args = cursor === undefined ? { title: SPEC_TITLE } : { title: SPEC_TITLE, cursor };
                const r = await callTool(client, "list-endpoints", args);
                assert.notEqual(r.isError, true, r.text);
                const found = deepFind(r.json, (v) => isEndpoint(v, "get", "/cdn/resource"));
                if (found) {
                    const labels = [];
                    for (const { key, node } of found.ancestors) {
                        if (typeof key === "string") labels.push(key);
                        for (const f of ["tag", "name", "title"]) if (typeof node[f] === "string") labels.push(node[f]);
                    }
                    for (const f of ["tag", "tags"]) {
                        const v = found.node[f];
                        if (typeof v === "string") labels.push(v);
                        if (Array.isArray(v)) labels.push(...v.filter((x) => typeof x === "string"));
                    }
                    assert.ok(labels.some((l) => /\bCDN\b/i.test(l)),
                        `GET /cdn/resource found but not under a CDN tag (labels: ${short(labels)})`);
                    return;
                }
                cursor = r.json?.nextCursor ?? r.json?.next_cursor;
                if (cursor === undefined || cursor === null) {
                    assert.fail(`GET /cdn/resource not listed: ${short(r.text)}`);
                }
            }
            assert.fail("list-endpoints: more than 50 pages");
        });

        await check('search-endpoints "purge cache by url" ranks POST /cdn/resource/{id}/purge/url in the top 3', async () => {
            const r = await callTool(client, "search-endpoints", { pattern: "purge cache by url" });
            assert.notEqual(r.isError, true, r.text);
            // Structured output: {results: [...]} (the SDK validated it against outputSchema), same as the text.
            assert.ok(Array.isArray(r.raw.structuredContent?.results), `no structuredContent.results: ${short(r.raw)}`);
            assert.deepEqual(r.raw.structuredContent, r.json, "structuredContent differs from the text content");
            const list = deepFind(r.json, (v) => Array.isArray(v) && v.length > 0 && v.every((e) => isObj(e) && typeof e.path === "string"));
            assert.ok(list, `no ranked list of endpoints: ${short(r.text)}`);
            const top3 = list.node.slice(0, 3);
            assert.ok(top3.some((e) => isEndpoint(e, "post", "/cdn/resource/{id}/purge/url")),
                `top 3: ${short(top3.map((e) => `${e.method} ${e.path}`))}`);
        });

        await check("get-endpoint POST /security/apikey shows the required 'name' in the request body schema", async () => {
            const r = await callTool(client, "get-endpoint", { title: SPEC_TITLE, path: "/security/apikey", method: "post" });
            assert.notEqual(r.isError, true, r.text);
            const schemas = deepFindAll(r.json, (v) => isObj(v) && Array.isArray(v.required) && v.required.includes("name")
                && isObj(v.properties) && isObj(v.properties.name));
            assert.ok(schemas.length > 0, `no schema with required 'name': ${short(r.text)}`);
            assert.ok(schemas.some((s) => s.ancestors.some((a) => typeof a.key === "string" && /request.?body/i.test(a.key))),
                `schema with required 'name' is not under the request body: ${short(r.text)}`);
        });

        await check("get-server-variables shows https://api.mamutecloud.com", async () => {
            const r = await callTool(client, "get-server-variables", { title: SPEC_TITLE });
            assert.notEqual(r.isError, true, r.text);
            assert.ok(r.text.includes("https://api.mamutecloud.com"), short(r.text));
        });

        // 4. The "Deploy a Static Site" recipe through execute-request.
        const seenBefore = api.requests.length;

        await check("execute-request POST /security/apikey {name: deploy-key} (structured) creates a key", async () => {
            const res = await executeOk(client, { method: "POST", path: "/security/apikey", body: { name: "deploy-key" } });
            assert.equal(res.body?.name, "deploy-key", short(res));
            assert.match(String(res.body?.key), /^mk_/, short(res));
        });

        const bucketId = await check("execute-request POST /storage/object-storage/buckets (structured) creates a bucket", async () => {
            const res = await executeOk(client, { method: "POST", path: "/storage/object-storage/buckets",
                                                  body: { name: "my-site", storage_class: "Standard" } });
            assert.equal(typeof res.statusText, "string");
            assert.equal(typeof res.body?.id, "string", short(res));
            assert.equal(res.body.name, "my-site");
            assert.equal(res.body.storage_class, "Standard");
            return res.body.id;
        });

        await check("execute-request harRequest POST .../buckets/{id}/credentials on api.mamutecloud.com reaches the fake", async () => {
            requirePrereq(bucketId, "bucket id");
            const before = api.requests.length;
            const res = await executeOk(client, { harRequest: {
                method: "POST",
                url: `https://api.mamutecloud.com/storage/object-storage/buckets/${bucketId}/credentials`,
                headers: [{ name: "content-type", value: "application/json" }],
            } });
            assert.equal(typeof res.body?.access_key_id, "string", short(res));
            assert.equal(typeof res.body?.secret_access_key, "string", short(res));
            const seen = api.requests.slice(before);
            assert.ok(seen.some((q) => q.method === "POST" && q.path === `/storage/object-storage/buckets/${bucketId}/credentials`),
                `fake did not see the credentials request: ${short(seen.map((q) => `${q.method} ${q.url}`))}`);
        });

        const resourceId = await check("execute-request POST /cdn/resource backed by the bucket", async () => {
            requirePrereq(bucketId, "bucket id");
            const res = await executeOk(client, { method: "POST", path: "/cdn/resource",
                body: { name: "my-site", origin_group: { type: "storage", bucket_id: bucketId } } });
            assert.equal(typeof res.body?.id, "string", short(res));
            assert.equal(res.body.distribution_domain, `r-${res.body.id}.mamutecdn.com`);
            assert.equal(res.body.status, "in_progress");
            assert.equal(res.body.default_root_object, "index.html");
            assert.deepEqual(res.body.origin_group, { type: "storage", bucket_id: bucketId });
            return res.body.id;
        });

        await check("execute-request GET /cdn/resource/check-distribution-name?name=my-site (query) -> available", async () => {
            const before = api.requests.length;
            const res = await executeOk(client, { method: "GET", path: "/cdn/resource/check-distribution-name",
                                                  query: { name: "my-site" } }, [200]);
            assert.deepEqual(res.body, { name: "my-site", available: true });
            const q = api.requests.slice(before).find((x) => x.path === "/cdn/resource/check-distribution-name");
            assert.ok(q, "fake did not see the request");
            assert.equal(q.query, "?name=my-site");
        });

        await check("execute-request PUT /cdn/resource/{id} (pathParams) renames to my-site.mamutecdn.com", async () => {
            requirePrereq(resourceId, "CDN resource id");
            const before = api.requests.length;
            const res = await executeOk(client, { method: "PUT", path: "/cdn/resource/{id}", pathParams: { id: resourceId },
                                                  body: { distribution_domain: "my-site" } }, [200]);
            assert.equal(res.body?.distribution_domain, "my-site.mamutecdn.com", short(res));
            assert.equal(res.body.id, resourceId);
            const seen = api.requests.slice(before).map((q) => `${q.method} ${q.path}`);
            assert.deepEqual(seen, [`PUT /cdn/resource/${resourceId}`]);
        });

        await check("execute-request harRequest GET with queryString: my-site is now taken", async () => {
            requirePrereq(resourceId, "CDN resource id");
            const res = await executeOk(client, { harRequest: {
                method: "GET",
                url: "https://api.mamutecloud.com/cdn/resource/check-distribution-name",
                queryString: [{ name: "name", value: "my-site" }],
            } }, [200]);
            assert.deepEqual(res.body, { name: "my-site", available: false });
        });

        await check("execute-request GET /cdn/resource/{id} for an unknown id reports the upstream 404", async () => {
            const r = await callTool(client, "execute-request", { method: "GET", path: "/cdn/resource/{id}",
                                                                  pathParams: { id: "does-not-exist" } });
            assert.ok(r.text.includes("404"), short(r.text));
        });

        await check("the fake API saw X-API-Key on every request of the recipe", () => {
            const seen = api.requests.slice(seenBefore);
            assert.ok(seen.length >= 8, `only ${seen.length} requests reached the fake`);
            for (const q of seen) {
                assert.equal(q.headers["x-api-key"], API_KEY, `${q.method} ${q.url}: x-api-key=${short(q.headers["x-api-key"])}`);
                assert.ok(q.status < 500, `${q.method} ${q.url} -> ${q.status}`);
            }
        });

        // Refusals: hosts that are not servers of the spec are never contacted.
        const beforeRefusals = api.requests.length;
        for (const [label, url] of [["trap server 127.0.0.1", `http://127.0.0.1:${trap.port}/cdn/resource`],
                                    ["evil.example.com", "https://evil.example.com/cdn/resource"]]) {
            await check(`execute-request harRequest to ${label} is refused (isError)`, async () => {
                const r = await callTool(client, "execute-request", { harRequest: { method: "GET", url } });
                assert.equal(r.isError, true, `not an error: ${short(r.text)}`);
                assert.match(r.text, /refus/i, short(r.text));
            });
        }
        await check("refused requests never connected (trap: 0 connections, fake: no new requests)", () => {
            assert.equal(trap.connections(), 0, "trap server was contacted");
            assert.deepEqual(api.requests.slice(beforeRefusals).map((q) => `${q.method} ${q.url}`), []);
        });

        await check("execute-request {} (no request) is a tool error, not a protocol error", async () => {
            const r = await callTool(client, "execute-request", {});
            assert.equal(r.isError, true, short(r.text));
        });

        await check("calling an unknown tool is a JSON-RPC error -32602 (McpError), not a result", async () => {
            await assert.rejects(
                client.callTool({ name: "no-such-tool", arguments: {} }, undefined, { timeout: CALL_TIMEOUT_MS }),
                (err) => {
                    assert.ok(err instanceof McpError, `not an McpError: ${err}`);
                    assert.equal(err.code, -32602, String(err));
                    return true;
                });
        });

        // A second connection with a wrong key: the upstream 401 comes back as a tool error.
        const wrong = await check("second SDK client (wrong key) connects", () => connectClient(mcpUrl, WRONG_KEY, "mamute-e2e-wrong-key"));
        if (wrong) {
            clients.push(wrong);
            await check("execute-request with a wrong key -> isError with 401", async () => {
                const before = api.requests.length;
                const r = await callTool(wrong, "execute-request", { method: "GET", path: "/cdn/resource" }, WRONG_KEY);
                assert.equal(r.isError, true, short(r.text));
                assert.ok(r.text.includes("401"), short(r.text));
                const seen = api.requests.slice(before);
                assert.equal(seen.length, 1, `fake saw ${seen.length} requests`);
                assert.equal(seen[0].headers["x-api-key"], WRONG_KEY, "the wrong client's own key was not forwarded");
            });
        }

        await check("API keys never appear in any tool result", () => {
            assert.ok(resultLog.length > 0);
            for (const { tool, serialized } of resultLog) {
                assert.ok(!serialized.includes(API_KEY), `${tool} result contains the caller's API key`);
                assert.ok(!serialized.includes(WRONG_KEY), `${tool} result contains the wrong client's API key`);
            }
        });

        // 5. Shut down.
        await check("SDK clients close cleanly", async () => {
            while (clients.length) await clients.pop().close();
        });
        await check("server exits on SIGTERM", async () => {
            const graceful = await stopServer(server);
            assert.ok(graceful, `still running ${SHUTDOWN_TIMEOUT_MS} ms after SIGTERM (killed)`);
        });
        await check("server output never contains an API key", () => {
            assert.ok(!server.output.includes(API_KEY), "the caller's API key was logged");
            assert.ok(!server.output.includes(WRONG_KEY), "the wrong client's API key was logged");
        });
    } finally {
        for (const c of clients) await c.close().catch(() => {});
        if (server) {
            await stopServer(server).catch(() => {});
            if (counts.failed > 0 || VERBOSE) log(`---- server output (last 4000 chars) ----\n${server.output.slice(-4000)}\n----`);
        }
        if (api && VERBOSE) {
            log("---- requests seen by the fake API ----");
            for (const q of api.requests) {
                const headers = { ...q.headers };
                for (const h of ["x-api-key", "authorization"]) if (h in headers) headers[h] = "<redacted>";
                log(`${q.method} ${q.url} -> ${q.status} ${JSON.stringify(headers)}${q.body ? " body=" + short(q.body, 200) : ""}`);
            }
            log("----");
        }
        if (trap) await trap.close().catch(() => {});
        if (api) await api.close().catch(() => {});
        rmSync(tmp, { recursive: true, force: true });
    }
}

const watchdog = setTimeout(() => {
    log(`FAIL watchdog: the test did not finish within ${WATCHDOG_MS} ms`);
    if (activeServer && !activeServer.exited) {
        activeServer.child.kill("SIGKILL");
        log(`---- server output (last 4000 chars) ----\n${activeServer.output.slice(-4000)}\n----`);
    }
    log(`${counts.passed} passed, ${counts.failed + 1} failed`);
    process.exit(1);
}, WATCHDOG_MS);

try {
    await main();
} catch (err) {
    counts.failed += 1;
    counts.failures.push({ name: "setup", message: err && err.stack || String(err) });
    log(`FAIL setup: ${err && err.stack || err}`);
}
clearTimeout(watchdog);
if (counts.failed > 0) {
    log("\nFailures:");
    for (const f of counts.failures) log(`  - ${f.name}: ${f.message.split("\n")[0]}`);
}
log(`${counts.passed} passed, ${counts.failed} failed`);
process.exit(counts.failed === 0 && counts.passed > 0 ? 0 : 1);
