#!/usr/bin/env node
// Interop: Claude Code (npm @anthropic-ai/claude-code, pinned in tests/package.json) connects to a real
// mamute-mcp binary over Streamable HTTP, as the README tells users to set it up.
//
//   node tests/interop/claude-code.test.mjs /path/to/mamute-mcp
//
// Starts the binary on a free port; then, with HOME and cwd in throwaway directories, no login, no model
// and no network beyond 127.0.0.1 (auto-update, telemetry, error reporting and other non-essential
// traffic off), each command with a 60 s deadline:
//   claude mcp add --transport http mamutecloud http://127.0.0.1:P/mcp -H "X-API-Key: test-key"
//   claude mcp add --transport http control http://127.0.0.1:P/nope -H "X-API-Key: test-key"   (must fail)
//   claude mcp list
//   claude mcp get mamutecloud
// and checks that `claude mcp list` printed mamutecloud as connected (and the control as not), and that
// the server's access log shows Claude Code's requests to /mcp. It prints the protocol path Claude Code
// took (server/discover probe, initialize fallback) from its MCP log and the server's log.
// Last line "N passed, M failed"; exit 0 when every check passes. MAMUTE_INTEROP_KEEP=1 keeps the temp dirs.
import assert from "node:assert/strict";
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync } from "node:fs";
import path from "node:path";

import {
    binaryFromArgv, clientEnv, createChecks, describeRun, installedPackage, log, makeTempDir, requirePrereq,
    runCommand, runMain, short, startServer, stripAnsi,
} from "./harness.mjs";

const SERVER_NAME = "mamutecloud";
const CONTROL_NAME = "control";
const API_KEY = "test-key";
const COMMAND_TIMEOUT_MS = 60_000;
const LOG_WAIT_MS = 5_000;    // for the server's access-log line of a request the client already saw answered
const WATCHDOG_MS = 170_000;  // below the ctest TIMEOUT of 180 s

const binary = binaryFromArgv(import.meta.url);
const { check, state } = createChecks();
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** How to run `claude`: the native binary the postinstall put in bin/claude.exe, else the package's Node wrapper. */
function claudeCommand() {
    const { dir, pkg } = installedPackage("@anthropic-ai/claude-code");
    const bin = path.join(dir, typeof pkg.bin === "string" ? pkg.bin : pkg.bin.claude);
    const magic = Buffer.alloc(4);
    try {
        const fd = openSync(bin, "r");
        try { readSync(fd, magic, 0, 4, 0); } finally { closeSync(fd); }
    } catch { /* missing: use the wrapper */ }
    if (magic.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) return { version: pkg.version, file: bin, pre: [] };
    // Installed with --ignore-scripts: the placeholder stub is still there; the wrapper finds the native package.
    const wrapper = path.join(dir, "cli-wrapper.cjs");
    if (!existsSync(wrapper)) throw new Error(`${bin} is not the native binary and ${wrapper} is missing (cd tests && npm ci)`);
    return { version: pkg.version, file: process.execPath, pre: [wrapper] };
}

/** Lines of Claude Code's per-server MCP debug log(s) under its (throwaway) home, as parsed JSON. */
function mcpLogEntries(home, name) {
    const out = [];
    const walk = (dir, depth) => {
        if (depth > 6 || !existsSync(dir)) return;
        for (const e of readdirSync(dir, { withFileTypes: true })) {
            const p = path.join(dir, e.name);
            if (e.isDirectory()) walk(p, depth + 1);
            else if (e.isFile() && path.basename(dir) === `mcp-logs-${name}` && e.name.endsWith(".jsonl")) {
                for (const line of readFileSync(p, "utf8").split("\n")) {
                    try { if (line.trim()) out.push(JSON.parse(line)); } catch { /* partial line */ }
                }
            }
        }
    };
    walk(home, 0);
    return out;
}

async function main() {
    const started = Date.now();
    try {
        await run();
    } catch (err) {
        state.failed += 1;
        log(`FAIL ${err && err.stack ? err.stack : err}`);
    }
    log(`\nclaude-code interop: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    log(`${state.passed} passed, ${state.failed} failed`);
    return state.failed === 0 && state.passed > 0 ? 0 : 1;
}

async function run() {
    const claude = claudeCommand();
    log(`Claude Code ${claude.version} (${claude.pre[0] || claude.file})`);

    const home = makeTempDir("mamute-interop-claude-home-");
    const cwd = makeTempDir("mamute-interop-claude-cwd-");
    const env = clientEnv(home, {
        DISABLE_AUTOUPDATER: "1",
        DISABLE_TELEMETRY: "1",
        DISABLE_ERROR_REPORTING: "1",
        DISABLE_BUG_COMMAND: "1",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    });

    const server = await startServer(binary);
    const url = server.url;
    const controlUrl = url.replace(/\/mcp$/, "/nope");
    log(`server ${binary} listening on ${url}`);

    let timedOutBefore = false;
    const skippedRun = { code: null, signal: null, stdout: "", stderr: "not run: an earlier command timed out", timedOut: true, ms: 0 };
    const claudeRun = async (args) => {
        log(`$ claude ${args.map((a) => (/[\s"]/.test(a) ? JSON.stringify(a) : a)).join(" ")}`);
        if (timedOutBefore) return { ...skippedRun };  // one hung command already: do not wait out the rest
        const r = await runCommand(claude.file, [...claude.pre, ...args], { env, cwd, timeoutMs: COMMAND_TIMEOUT_MS });
        timedOutBefore = r.timedOut;
        r.stdout = stripAnsi(r.stdout);
        r.stderr = stripAnsi(r.stderr);
        log(`  -> exit ${r.timedOut ? "TIMEOUT" : r.code} in ${r.ms} ms`);
        for (const line of `${r.stdout}${r.stderr}`.trimEnd().split("\n")) if (line.trim()) log(`     | ${line}`);
        return r;
    };

    const versionRun = await claudeRun(["--version"]);
    await check("claude --version runs offline and prints the pinned version", () => {
        assert.ok(!versionRun.timedOut && versionRun.code === 0, describeRun("claude --version", versionRun));
        assert.ok(versionRun.stdout.includes(claude.version), `expected ${claude.version} in:\n${versionRun.stdout}`);
    });

    const addRun = await claudeRun(["mcp", "add", "--transport", "http", SERVER_NAME, url, "-H", `X-API-Key: ${API_KEY}`]);
    const added = await check(`claude mcp add registers ${SERVER_NAME} (HTTP, with the X-API-Key header)`, () => {
        assert.ok(!addRun.timedOut && addRun.code === 0, describeRun("claude mcp add", addRun));
        assert.match(addRun.stdout, new RegExp(`Added HTTP MCP server ${SERVER_NAME} with URL: ${escapeRe(url)}`));
        assert.ok(!addRun.stdout.includes(API_KEY) || /REDACTED/.test(addRun.stdout), "the key was echoed");
        return true;
    });
    const controlRun = await claudeRun(["mcp", "add", "--transport", "http", CONTROL_NAME, controlUrl, "-H", `X-API-Key: ${API_KEY}`]);
    const controlAdded = await check(`claude mcp add registers the control server ${CONTROL_NAME} (a path the server does not serve)`, () => {
        assert.ok(!controlRun.timedOut && controlRun.code === 0, describeRun("claude mcp add control", controlRun));
        return true;
    });

    // `claude mcp list` health-checks every configured server: a real MCP handshake for each.
    const mark = server.lines.length;
    const listRun = await claudeRun(["mcp", "list"]);
    const listOutput = `${listRun.stdout}\n${listRun.stderr}`;
    await check(`claude mcp list prints ${SERVER_NAME} at ${url} as connected`, () => {
        requirePrereq(added, "claude mcp add");
        assert.ok(!listRun.timedOut && listRun.code === 0, describeRun("claude mcp list", listRun));
        const line = listOutput.split("\n").find((l) => l.startsWith(`${SERVER_NAME}: `));
        assert.ok(line, `no "${SERVER_NAME}: ..." line in:\n${listOutput}`);
        assert.ok(line.includes(url), `the line does not show ${url}: ${line}`);
        assert.match(line, /\(HTTP\) - [✓✔] Connected\s*$/, `not reported connected: ${line}`);
    });
    await check(`claude mcp list prints the control server as failed (the check above can fail)`, () => {
        requirePrereq(controlAdded, "claude mcp add control");
        const line = listOutput.split("\n").find((l) => l.startsWith(`${CONTROL_NAME}: `));
        assert.ok(line, `no "${CONTROL_NAME}: ..." line in:\n${listOutput}`);
        assert.doesNotMatch(line, /Connected/, `the control is reported connected: ${line}`);
        assert.match(line, /[✗✘] Failed|Needs authentication/, line);
    });

    await check("server access log: Claude Code's `mcp list` handshake reached POST /mcp and was answered 2xx", async () => {
        // The client has its answers, so the lines are written or about to be: wait for them, no sleep.
        const ok = await server.waitForLine((l) => /\] POST \/mcp 20\d\b/.test(l), mark, LOG_WAIT_MS);
        const entries = server.accessLog(mark);
        log(`       access log during \`claude mcp list\`:\n${server.lines.slice(mark).map((l) => `         ${l}`).join("\n")}`);
        assert.ok(ok, `no "POST /mcp 2xx" line in the server log after \`claude mcp list\` started`);
        const mcpPosts = entries.filter((e) => e.method === "POST" && e.path === "/mcp");
        assert.ok(mcpPosts.some((e) => e.status === 200), "no POST /mcp answered 200");
        assert.ok(entries.some((e) => e.path === "/nope"), "the control server's requests are missing (was the log read right?)");
        const bad = entries.filter((e) => e.status >= 500);
        assert.equal(bad.length, 0, `5xx answers:\n${bad.map((e) => e.line).join("\n")}`);
        assert.equal(server.exited, null, "the server exited");
    });

    // Which protocol path Claude Code took: recorded, not asserted (server/discover may be answered or not).
    const ccLog = mcpLogEntries(home, SERVER_NAME);
    const established = ccLog.map((e) => String(e.debug || e.error || ""))
                             .find((d) => d.startsWith("Connection established with capabilities:"));
    let caps = {};
    try { caps = established ? JSON.parse(established.slice(established.indexOf("{"))) : {}; } catch { /* keep {} */ }
    const mcpLines = server.lines.slice(mark).filter((l) => /\] POST \/mcp \d{3}\b|session started/.test(l));
    const firstPost = server.accessLog(mark).find((e) => e.path === "/mcp" && e.method === "POST");
    const session = mcpLines.find((l) => /session started/.test(l));
    const pathDesc = session
        ? `${firstPost && firstPost.status >= 400 ? `first POST /mcp (the server/discover probe) answered ${firstPost.status}, then ` : ""}` +
          `initialize: ${/session started, (.*)$/.exec(session)[1]}`
        : firstPost ? `no initialize (the stateless 2026-07-28 path?); POST /mcp answers: ${mcpLines.map((l) => /POST \/mcp (\d{3})/.exec(l)?.[1]).join(",")}`
        : "no POST /mcp reached the server";
    log(`protocol path: ${pathDesc}; Claude Code's MCP log: protocolEra=${caps.protocolEra ?? "?"}, ` +
        `negotiatedProtocolVersion=${caps.negotiatedProtocolVersion ?? "?"}, serverVersion=${JSON.stringify(caps.serverVersion ?? null)}`);

    const getRun = await claudeRun(["mcp", "get", SERVER_NAME]);
    await check(`claude mcp get ${SERVER_NAME} shows it connected, over HTTP, with the X-API-Key header`, () => {
        requirePrereq(added, "claude mcp add");
        assert.ok(!getRun.timedOut && getRun.code === 0, describeRun("claude mcp get", getRun));
        assert.match(getRun.stdout, /Status: [✓✔] Connected/, short(getRun.stdout));
        assert.match(getRun.stdout, /Type: http/, short(getRun.stdout));
        assert.match(getRun.stdout, new RegExp(`URL: ${escapeRe(url)}`), short(getRun.stdout));
        assert.match(getRun.stdout, /X-API-Key: /, short(getRun.stdout));
    });
}

runMain(main, { watchdogMs: WATCHDOG_MS });
