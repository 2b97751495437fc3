// A fake MamuteCloud management API for end-to-end tests, plus a TCP "trap" server.
//
//   const api = await startFakeMamuteCloud({ apiKey: "mk_test", tlsDir: "/tmp/x" });
//   // api.url = "https://127.0.0.1:PORT", api.caFile = PEM of the test CA,
//   // api.requests = [{ method, path, query, url, headers, body }], await api.close()
//
// Only node: built-ins and the `openssl` CLI are used, so it runs on Node >= 18 (Debian 12).
// The state is in memory and per instance. It covers the "Deploy a Static Site" recipe of the
// MamuteCloud reference: API keys, object-storage buckets and their S3 credentials, CDN resources.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import https from "node:https";
import net from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";

const MAX_BODY_BYTES = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// TLS material: a throw-away CA and a server certificate for 127.0.0.1 / localhost.

function openssl(args, cwd) {
    try {
        return execFileSync("openssl", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    } catch (err) {
        const stderr = err.stderr ? err.stderr.toString() : "";
        throw new Error(`openssl ${args.join(" ")} failed: ${err.message}\n${stderr}`);
    }
}

/**
 * Creates ca.key/ca.pem, server.key/server.csr/server.pem (signed by the CA) in tlsDir.
 * @returns {{caFile: string, caKeyFile: string, keyFile: string, certFile: string}}
 */
export function createTestPki(tlsDir) {
    mkdirSync(tlsDir, { recursive: true });
    const f = (name) => path.join(tlsDir, name);

    // CA: self-signed, basicConstraints CA:TRUE (OpenSSL 3 adds it by default for -x509; we are explicit).
    openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
             "-subj", "/CN=mamute-mcp test CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             "-keyout", f("ca.key"), "-out", f("ca.pem")], tlsDir);

    // Server key + CSR.
    openssl(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-sha256",
             "-subj", "/CN=127.0.0.1",
             "-keyout", f("server.key"), "-out", f("server.csr")], tlsDir);

    // Sign with the CA; SANs from an extfile (works on OpenSSL 1.1 and 3.x alike).
    writeFileSync(f("server.ext"), [
        "basicConstraints=CA:FALSE",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        "extendedKeyUsage=serverAuth",
        "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "",
    ].join("\n"));
    openssl(["x509", "-req", "-in", f("server.csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"),
             "-CAcreateserial", "-days", "2", "-sha256", "-extfile", f("server.ext"),
             "-out", f("server.pem")], tlsDir);

    return { caFile: f("ca.pem"), caKeyFile: f("ca.key"), keyFile: f("server.key"), certFile: f("server.pem") };
}

// ---------------------------------------------------------------------------------------------
// Small HTTP helpers.

class HttpError extends Error {
    constructor(status, error, message) {
        super(message);
        this.status = status;
        this.error = error;
    }
}

const badRequest = (message) => new HttpError(400, "bad_request", message);
const notFound = (message) => new HttpError(404, "not_found", message);

function sendJson(res, status, value, extraHeaders = {}) {
    const body = JSON.stringify(value);
    res.writeHead(status, {
        "content-type": "application/json; charset=utf-8",
        "content-length": Buffer.byteLength(body),
        "x-request-id": randomBytes(8).toString("hex"),
        ...extraHeaders,
    });
    res.end(body);
}

function readBody(req) {
    return new Promise((resolve, reject) => {
        const chunks = [];
        let size = 0;
        req.on("data", (chunk) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) {
                reject(new HttpError(413, "payload_too_large", `body larger than ${MAX_BODY_BYTES} bytes`));
                req.destroy();
                return;
            }
            chunks.push(chunk);
        });
        req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        req.on("error", reject);
    });
}

// Parses a JSON object body. An empty body is {} (POST .../credentials is sent without one).
function parseJsonObject(text) {
    if (text.trim() === "") return {};
    let value;
    try {
        value = JSON.parse(text);
    } catch (err) {
        throw badRequest(`request body is not valid JSON: ${err.message}`);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw badRequest("request body must be a JSON object");
    }
    return value;
}

function requireString(body, field, { optional = false } = {}) {
    const v = body[field];
    if (v === undefined && optional) return undefined;
    if (typeof v !== "string" || v.trim() === "") {
        throw badRequest(`'${field}' is required and must be a non-empty string`);
    }
    return v;
}

const newId = (prefix) => `${prefix}_${randomBytes(6).toString("hex")}`;
const now = () => new Date().toISOString();

// Distribution names: DNS labels.
const DIST_NAME_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const CDN_SUFFIX = ".mamutecdn.com";
const STORAGE_CLASSES = new Set(["Standard", "InfrequentAccess", "Archive"]);

// ---------------------------------------------------------------------------------------------
// The fake API.

/**
 * @param {{apiKey: string, tlsDir: string}} options
 * @returns {Promise<{url: string, caFile: string, port: number, requests: object[], state: object,
 *                    close: () => Promise<void>}>}
 */
export async function startFakeMamuteCloud({ apiKey, tlsDir }) {
    if (!apiKey) throw new Error("startFakeMamuteCloud: apiKey is required");
    if (!tlsDir) throw new Error("startFakeMamuteCloud: tlsDir is required");
    const pki = createTestPki(tlsDir);

    const state = {
        apiKeys: new Map(),      // id -> {id, name, key, created_at}
        buckets: new Map(),      // id -> bucket
        credentials: new Map(),  // bucketId -> [{access_key_id, secret_access_key, status, created_at}]
        resources: new Map(),    // id -> CDN resource
    };
    const requests = [];

    function authorized(headers) {
        const validKeys = new Set([apiKey, ...[...state.apiKeys.values()].map((k) => k.key)]);
        const xApiKey = headers["x-api-key"];
        if (typeof xApiKey === "string" && validKeys.has(xApiKey)) return true;
        const auth = headers["authorization"];
        if (typeof auth === "string") {
            const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
            if (m && validKeys.has(m[1])) return true;
        }
        return false;
    }

    function findDistribution(label) {
        const domain = label + CDN_SUFFIX;
        for (const r of state.resources.values()) if (r.distribution_domain === domain) return r;
        return undefined;
    }

    function getBucket(id) {
        const b = state.buckets.get(id);
        if (!b) throw notFound(`bucket '${id}' not found`);
        return b;
    }

    function getResource(id) {
        const r = state.resources.get(id);
        if (!r) throw notFound(`CDN resource '${id}' not found`);
        return r;
    }

    // Each route: [method, regex on the decoded path segments, handler({params, query, body})].
    // Order matters: fixed paths before /{id} patterns.
    const routes = [
        // --- IAM: API keys ---
        ["POST", /^\/security\/apikey$/, ({ body }) => {
            const name = requireString(body, "name");
            const rec = { id: newId("key"), name, key: "mk_" + randomBytes(18).toString("hex"), created_at: now() };
            state.apiKeys.set(rec.id, rec);
            return [201, { ...rec }];
        }],
        ["GET", /^\/security\/apikey$/, () =>
            [200, { data: [...state.apiKeys.values()].map(({ key, ...meta }) => ({ ...meta, key_prefix: key.slice(0, 6) })) }]],

        // --- Object storage: buckets ---
        ["POST", /^\/storage\/object-storage\/buckets$/, ({ body }) => {
            const name = requireString(body, "name");
            const storageClass = body.storage_class === undefined ? "Standard" : body.storage_class;
            if (!STORAGE_CLASSES.has(storageClass)) {
                throw badRequest(`'storage_class' must be one of ${[...STORAGE_CLASSES].join(", ")}`);
            }
            for (const b of state.buckets.values()) {
                if (b.name === name) throw new HttpError(409, "conflict", `bucket name '${name}' already exists`);
            }
            const id = newId("bkt");
            const bucket = { id, name, storage_class: storageClass, region: "us-east-1",
                             endpoint: "https://s3-us-east-1.mamutecloud.com", object_count: 0,
                             size_bytes: 0, created_at: now() };
            state.buckets.set(id, bucket);
            state.credentials.set(id, []);
            return [201, bucket];
        }],
        ["GET", /^\/storage\/object-storage\/buckets$/, () => [200, { data: [...state.buckets.values()] }]],
        ["GET", /^\/storage\/object-storage\/buckets\/([^/]+)$/, ({ params }) => [200, getBucket(params[0])]],

        // --- Object storage: S3 credentials scoped to a bucket ---
        ["POST", /^\/storage\/object-storage\/buckets\/([^/]+)\/credentials$/, ({ params }) => {
            const bucket = getBucket(params[0]);
            const cred = { access_key_id: "MAMU" + randomBytes(8).toString("hex").toUpperCase(),
                           secret_access_key: randomBytes(30).toString("base64"),
                           bucket_id: bucket.id, status: "active", created_at: now() };
            state.credentials.get(bucket.id).push(cred);
            return [201, cred];
        }],
        ["GET", /^\/storage\/object-storage\/buckets\/([^/]+)\/credentials$/, ({ params }) => {
            const bucket = getBucket(params[0]);
            return [200, { data: state.credentials.get(bucket.id).map(({ secret_access_key, ...meta }) => meta) }];
        }],

        // --- CDN resources (check-distribution-name BEFORE /cdn/resource/{id}) ---
        ["GET", /^\/cdn\/resource\/check-distribution-name$/, ({ query }) => {
            const name = query.get("name");
            if (name === null || name === "") throw badRequest("query parameter 'name' is required");
            const label = name.endsWith(CDN_SUFFIX) ? name.slice(0, -CDN_SUFFIX.length) : name;
            if (!DIST_NAME_RE.test(label)) {
                return [200, { name: label, available: false, reason: "invalid name: use a-z, 0-9 and '-'" }];
            }
            return [200, { name: label, available: findDistribution(label) === undefined }];
        }],
        ["POST", /^\/cdn\/resource$/, ({ body }) => {
            const name = requireString(body, "name");
            const og = body.origin_group;
            if (og === null || typeof og !== "object" || Array.isArray(og)) {
                throw badRequest("'origin_group' is required and must be an object");
            }
            let origin_group;
            if (og.type === "storage") {
                const bucketId = requireString(og, "bucket_id");
                if (!state.buckets.has(bucketId)) throw badRequest(`origin_group.bucket_id '${bucketId}' does not exist`);
                origin_group = { type: "storage", bucket_id: bucketId };
            } else if (og.type === "origin_group") {
                origin_group = { type: "origin_group", id: requireString(og, "id") };
            } else {
                throw badRequest("'origin_group.type' must be 'storage' or 'origin_group'");
            }
            const id = randomBytes(6).toString("hex");  // also a DNS label: r-<id>.mamutecdn.com
            const resource = {
                id, name, origin_group,
                distribution_domain: `r-${id}${CDN_SUFFIX}`,
                custom_domains: [],
                status: "in_progress",
                default_root_object: origin_group.type === "storage" ? "index.html" : null,
                created_at: now(),
                updated_at: now(),
            };
            state.resources.set(id, resource);
            return [201, resource];
        }],
        ["GET", /^\/cdn\/resource$/, () => [200, { data: [...state.resources.values()] }]],
        ["GET", /^\/cdn\/resource\/([^/]+)$/, ({ params }) => [200, getResource(params[0])]],
        ["PUT", /^\/cdn\/resource\/([^/]+)$/, ({ params, body }) => {
            const resource = getResource(params[0]);
            const update = {};
            if (body.distribution_domain !== undefined) {
                const raw = requireString(body, "distribution_domain");
                const label = raw.endsWith(CDN_SUFFIX) ? raw.slice(0, -CDN_SUFFIX.length) : raw;
                if (!DIST_NAME_RE.test(label)) throw badRequest(`'distribution_domain' '${raw}' is not a valid name`);
                const owner = findDistribution(label);
                if (owner && owner.id !== resource.id) {
                    throw new HttpError(409, "conflict", `distribution name '${label}' is already taken`);
                }
                update.distribution_domain = label + CDN_SUFFIX;
            }
            if (body.custom_domains !== undefined) {
                if (!Array.isArray(body.custom_domains) || !body.custom_domains.every((d) => typeof d === "string")) {
                    throw badRequest("'custom_domains' must be an array of strings");
                }
                update.custom_domains = [...body.custom_domains];
            }
            if (body.name !== undefined) update.name = requireString(body, "name");
            if (body.default_root_object !== undefined) update.default_root_object = requireString(body, "default_root_object");
            if (Object.keys(update).length === 0) {
                throw badRequest("nothing to update: send distribution_domain, custom_domains, name or default_root_object");
            }
            Object.assign(resource, update, { updated_at: now() });
            return [200, resource];
        }],
        ["DELETE", /^\/cdn\/resource\/([^/]+)$/, ({ params }) => {
            getResource(params[0]);
            state.resources.delete(params[0]);
            return [204, null];
        }],
    ];

    async function handle(req, res) {
        const url = new URL(req.url, "https://127.0.0.1");
        const bodyText = await readBody(req);
        const entry = { method: req.method, path: url.pathname, query: url.search, url: req.url,
                        headers: { ...req.headers }, body: bodyText };
        requests.push(entry);

        if (!authorized(req.headers)) {
            throw new HttpError(401, "unauthorized",
                "missing or invalid credentials: send 'X-API-Key: <key>' or 'Authorization: Bearer <token>'");
        }

        let pathname;
        try {
            pathname = decodeURIComponent(url.pathname);
        } catch {
            throw badRequest("malformed percent-encoding in path");
        }
        let methodMismatch = false;
        for (const [method, re, handler] of routes) {
            const m = re.exec(pathname);
            if (!m) continue;
            if (method !== req.method) {
                methodMismatch = true;
                continue;
            }
            const needsBody = req.method === "POST" || req.method === "PUT" || req.method === "PATCH";
            if (needsBody && bodyText.trim() !== "") {
                const ct = String(req.headers["content-type"] || "");
                if (!/^application\/json\b/i.test(ct)) {
                    throw new HttpError(415, "unsupported_media_type", `content-type must be application/json, got '${ct}'`);
                }
            }
            const body = needsBody ? parseJsonObject(bodyText) : {};
            const [status, value] = handler({ params: m.slice(1), query: url.searchParams, body });
            entry.status = status;
            if (value === null) {
                res.writeHead(status);
                res.end();
            } else {
                sendJson(res, status, value);
            }
            return;
        }
        if (methodMismatch) throw new HttpError(405, "method_not_allowed", `${req.method} is not allowed on ${url.pathname}`);
        throw notFound(`no route for ${req.method} ${url.pathname}`);
    }

    const server = https.createServer({ key: readFileSync(pki.keyFile), cert: readFileSync(pki.certFile) },
        (req, res) => {
            handle(req, res).catch((err) => {
                const status = err instanceof HttpError ? err.status : 500;
                const error = err instanceof HttpError ? err.error : "internal_error";
                const last = requests[requests.length - 1];
                if (last && last.status === undefined) last.status = status;
                if (!res.headersSent) {
                    sendJson(res, status, { error, message: err.message },
                        status === 401 ? { "www-authenticate": 'Bearer realm="mamutecloud"' } : {});
                } else {
                    res.destroy();
                }
            });
        });
    const sockets = new Set();
    server.on("connection", (s) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
    });
    server.on("tlsClientError", () => {});  // clients that reject our cert are not our problem

    await new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            server.off("error", reject);
            resolve();
        });
    });
    const port = server.address().port;

    return {
        url: `https://127.0.0.1:${port}`,
        port,
        caFile: pki.caFile,
        requests,
        state,
        close: () => new Promise((resolve) => {
            for (const s of sockets) s.destroy();
            server.close(() => resolve());
        }),
    };
}

// ---------------------------------------------------------------------------------------------
// A plain TCP server that only counts connections: a request that must be refused must never
// reach it.

/** @returns {Promise<{port: number, url: string, connections: () => number, close: () => Promise<void>}>} */
export async function startTrapServer() {
    let count = 0;
    const sockets = new Set();
    const server = net.createServer((socket) => {
        count += 1;
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.on("error", () => {});
        socket.destroy();
    });
    await new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            server.off("error", reject);
            resolve();
        });
    });
    const port = server.address().port;
    return {
        port,
        url: `http://127.0.0.1:${port}`,
        connections: () => count,
        close: () => new Promise((resolve) => {
            for (const s of sockets) s.destroy();
            server.close(() => resolve());
        }),
    };
}

// Stand-alone: `node fake-mamutecloud.mjs [apiKey] [tlsDir]` serves until Ctrl-C (for curl checks).
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
    const { mkdtempSync } = await import("node:fs");
    const os = await import("node:os");
    const apiKey = process.argv[2] || "mk_test_key";
    const tlsDir = process.argv[3] || mkdtempSync(path.join(os.tmpdir(), "fake-mamutecloud-"));
    const api = await startFakeMamuteCloud({ apiKey, tlsDir });
    const trap = await startTrapServer();
    console.log(`fake MamuteCloud listening on ${api.url} (CA ${api.caFile}, key ${apiKey}); trap on ${trap.url}`);
    const stop = async () => {
        await api.close();
        await trap.close();
        console.log(`${api.requests.length} requests, ${trap.connections()} trap connections`);
        process.exit(0);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
}
