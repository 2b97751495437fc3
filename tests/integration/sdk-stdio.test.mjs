#!/usr/bin/env node
// End-to-end test of the stdio transport: the official MCP TypeScript SDK's StdioClientTransport
// spawns `mamute-mcp --stdio` (API key in MAMUTECLOUD_API_KEY) against a fake MamuteCloud API over
// HTTPS; then a raw child process checks that stdout carries nothing but JSON-RPC lines.
//
//   node tests/integration/sdk-stdio.test.mjs /path/to/mamute-mcp
//
// Exit code 0 when every check passes, 1 otherwise; the last line is "N passed, M failed".
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

import { startFakeMamuteCloud } from "./fake-mamutecloud.mjs";
import { createChecks } from "../lib/checks.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "..", "..");
const SPEC = path.join(REPO, "spec", "mamutecloud.openapi.json");
const BINARY = path.resolve(process.argv[2] || process.env.MAMUTE_BINARY || path.join(REPO, "build", "mamute-mcp"));

const API_KEY = "mk_stdio_" + Math.random().toString(36).slice(2) + Date.now().toString(36);
const CALL_TIMEOUT_MS = 20_000;
const WATCHDOG_MS = 90_000;
const EXPECTED_TOOLS = ["list-specs", "list-endpoints", "search-endpoints", "get-endpoint",
                        "get-server-variables", "execute-request"];

const { check, counts, log } = createChecks();
const children = new Set();  // every process we spawned, killed in finally

const short = (v, n = 1500) => {
    const s = typeof v === "string" ? v : JSON.stringify(v);
    return s === undefined ? String(v) : s.length > n ? s.slice(0, n) + `... (${s.length} chars)` : s;
};

function textOf(result) {
    return (result.content || []).filter((c) => c.type === "text").map((c) => c.text).join("\n");
}

function killAll() {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

// ---------------------------------------------------------------------------------------------
// 1. The SDK client over stdio.

async function sdkSession(api) {
    const serverArgs = ["--stdio", "--spec", SPEC, "--base-url", api.url, "--ca-file", api.caFile];
    const transport = new StdioClientTransport({
        command: BINARY,
        args: serverArgs,
        env: { MAMUTECLOUD_API_KEY: API_KEY },
        stderr: "pipe",
    });
    let stderr = "";
    transport.stderr.setEncoding("utf8").on("data", (chunk) => { stderr += chunk; });
    const transportErrors = [];
    const client = new Client({ name: "mamute-stdio-e2e", version: "1.0.0" });
    client.onerror = (err) => transportErrors.push(String(err && err.message || err));
    const results = [];  // every tool result, serialised
    const callTool = async (name, args, options = {}) => {
        const raw = await client.callTool({ name, arguments: args }, undefined, { timeout: CALL_TIMEOUT_MS, ...options });
        results.push(JSON.stringify(raw));
        return raw;
    };

    let child;
    let exit;
    try {
        const connected = await check("SDK client spawns `mamute-mcp --stdio` and initializes", async () => {
            await client.connect(transport, { timeout: CALL_TIMEOUT_MS });
            child = transport._process;  // for its exit code; the SDK keeps it private
            if (child) {
                children.add(child);
                exit = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
            }
            const info = client.getServerVersion();
            assert.equal(info?.name, "mamute-mcp", short(info));
            assert.ok(client.getServerCapabilities()?.tools, "capabilities.tools missing");
            return true;
        });
        if (!connected) return;

        await check("tools/list returns the six tools", async () => {
            const { tools } = await client.listTools(undefined, { timeout: CALL_TIMEOUT_MS });
            assert.deepEqual(tools.map((t) => t.name).sort(), [...EXPECTED_TOOLS].sort());
        });

        await check("list-specs shows the MamuteCloud spec", async () => {
            const r = await callTool("list-specs", {});
            assert.notEqual(r.isError, true, textOf(r));
            assert.ok(textOf(r).includes("MamuteCloud API"), short(textOf(r)));
        });

        await check('search-endpoints "purge cache by url" ranks POST /cdn/resource/{id}/purge/url in the top 3', async () => {
            const r = await callTool("search-endpoints", { pattern: "purge cache by url" });
            assert.notEqual(r.isError, true, textOf(r));
            const list = r.structuredContent?.results;
            assert.ok(Array.isArray(list), `no structuredContent.results: ${short(r)}`);
            assert.ok(list.slice(0, 3).some((e) => e.method?.toLowerCase() === "post" && e.path === "/cdn/resource/{id}/purge/url"),
                short(list.slice(0, 3)));
        });

        await check("execute-request POST /storage/object-storage/buckets reaches the fake with the key from the environment", async () => {
            const before = api.requests.length;
            const progress = [];
            const r = await callTool("execute-request",
                { method: "POST", path: "/storage/object-storage/buckets", body: { name: "stdio-site", storage_class: "Standard" } },
                { onprogress: (p) => progress.push(p) });
            assert.notEqual(r.isError, true, textOf(r));
            const out = r.structuredContent ?? JSON.parse(textOf(r));
            assert.equal(out.status, 201, short(out));
            const body = typeof out.body === "string" ? JSON.parse(out.body) : out.body;
            assert.equal(body?.name, "stdio-site", short(out));
            const seen = api.requests.slice(before);
            assert.equal(seen.length, 1, `fake saw ${seen.length} requests`);
            assert.equal(seen[0].headers["x-api-key"], API_KEY, "the key from MAMUTECLOUD_API_KEY was not forwarded");
            assert.ok(progress.length >= 1, "no notifications/progress line reached the client");
        });

        await check("concurrent calls over one pipe all complete", async () => {
            const calls = [];
            for (let i = 0; i < 8; i++) {
                calls.push(i % 2 ? client.ping({ timeout: CALL_TIMEOUT_MS })
                                 : callTool("search-endpoints", { pattern: "create a storage bucket" }));
            }
            const all = await Promise.all(calls);
            assert.equal(all.length, 8);
            const before = api.requests.length;
            const lists = await Promise.all([1, 2, 3].map(() => callTool("execute-request", { method: "GET", path: "/storage/object-storage/buckets" })));
            for (const r of lists) assert.notEqual(r.isError, true, textOf(r));
            assert.equal(api.requests.length - before, 3);
        });

        await check("the API key never appears in a tool result", () => {
            assert.ok(results.length >= 5);
            for (const r of results) assert.ok(!r.includes(API_KEY), `a result contains the key: ${short(r, 300)}`);
        });

        await check("closing stdin ends the server with exit code 0", async () => {
            const started = Date.now();
            await client.close();  // ends stdin; SIGTERM only after 2 s
            const status = exit ? await exit : undefined;
            assert.ok(Date.now() - started < 1900, `took ${Date.now() - started} ms: the server did not exit on EOF`);
            if (status) assert.deepEqual(status, { code: 0, signal: null });
        });

        await check("no transport errors (stdout carried only JSON-RPC)", () => {
            assert.deepEqual(transportErrors, []);
        });

        await check("stderr has the log lines and never the API key", () => {
            assert.match(stderr, /serving MCP on stdio/);
            assert.doesNotMatch(stderr, /listening on/);
            assert.ok(!stderr.includes(API_KEY), "the API key was logged");
        });
    } finally {
        await client.close().catch(() => {});
        if (counts.failed > 0) log(`---- server stderr (last 3000 chars) ----\n${stderr.slice(-3000)}\n----`);
    }
}

// ---------------------------------------------------------------------------------------------
// 2. A raw client: bad lines get errors, stdout is JSON lines only, even at debug log level.

async function rawSession(api) {
    const child = spawn(BINARY, ["--stdio", "--log-level", "trace", "--spec", SPEC, "--base-url", api.url,
                                 "--ca-file", api.caFile, "--api-key", API_KEY],
                        { stdio: ["pipe", "pipe", "pipe"], env: { PATH: process.env.PATH } });
    children.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c) => { stdout += c; });
    child.stderr.setEncoding("utf8").on("data", (c) => { stderr += c; });
    const exit = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    const lines = [
        JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {},
                                                                                clientInfo: { name: "raw", version: "1" } } }),
        JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
        "not json at all",
        JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call",
                         params: { name: "execute-request", arguments: { method: "GET", path: "/cdn/resource" } } }),
        JSON.stringify([{ jsonrpc: "2.0", id: 3, method: "ping" }]),
        JSON.stringify({ jsonrpc: "2.0", id: 4, method: "ping" }),
    ];
    child.stdin.end(lines.join("\n") + "\n");  // EOF right after: the server answers, then exits
    let timer;
    const status = await Promise.race([exit, new Promise((resolve) => { timer = setTimeout(() => resolve("timeout"), 15_000); })]);
    clearTimeout(timer);

    await check("raw client: the server exits 0 after answering everything sent before EOF", () => {
        assert.deepEqual(status, { code: 0, signal: null }, stderr.slice(-2000));
    });
    const replies = await check("raw client: every stdout line is one JSON-RPC message", () => {
        assert.ok(stdout.endsWith("\n"), "output does not end with a newline");
        return stdout.trimEnd().split("\n").map((line) => {
            const message = JSON.parse(line);
            assert.equal(message.jsonrpc ?? message[0]?.jsonrpc, "2.0", line);
            return message;
        });
    });
    if (replies) {
        await check("raw client: initialize, parse error, execute-request, refused batch and ping, one answer each", () => {
            const byId = new Map(replies.filter((r) => !Array.isArray(r) && r.id !== null).map((r) => [r.id, r]));
            assert.equal(byId.get(1)?.result?.protocolVersion, "2025-06-18");
            assert.equal(byId.get(2)?.result?.structuredContent?.status, 200, short(byId.get(2)));
            assert.deepEqual(byId.get(4)?.result, {});
            const errors = replies.filter((r) => r.id === null).map((r) => r.error?.code).sort();
            assert.deepEqual(errors, [-32700, -32600].sort(), short(replies));
            assert.equal(replies.length, 5, short(replies));
        });
    }
    await check("raw client: --api-key reached the fake and is in no output", () => {
        const seen = api.requests.filter((q) => q.path === "/cdn/resource");
        assert.ok(seen.length >= 1, "the fake saw no GET /cdn/resource");
        assert.equal(seen[seen.length - 1].headers["x-api-key"], API_KEY);
        assert.ok(!stdout.includes(API_KEY), "stdout contains the key");
        assert.ok(!stderr.includes(API_KEY), "stderr contains the key (trace level)");
    });
}

async function main() {
    if (!existsSync(BINARY)) throw new Error(`server binary not found: ${BINARY} (pass its path as the first argument)`);
    const tmp = mkdtempSync(path.join(os.tmpdir(), "mamute-mcp-stdio-"));
    let api;
    try {
        api = await startFakeMamuteCloud({ apiKey: API_KEY, tlsDir: path.join(tmp, "tls") });
        log(`fake MamuteCloud at ${api.url}, binary ${BINARY}`);
        await sdkSession(api);
        await rawSession(api);
    } finally {
        killAll();
        if (api) await api.close().catch(() => {});
        rmSync(tmp, { recursive: true, force: true });
    }
}

const watchdog = setTimeout(() => {
    log(`FAIL watchdog: the test did not finish within ${WATCHDOG_MS} ms`);
    killAll();
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
