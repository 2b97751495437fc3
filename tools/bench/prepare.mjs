// Writes the benchmark's inputs into WORKDIR for tools/bench-catalog: retitled copies of every GitHub variant
// (they all share one info.title, and mamute-mcp addresses specs by unique title) and the driver's config.
// Usage: node prepare.mjs WORKDIR GENERATED_DIR TASKS_JSON  (the remaining settings come from the environment)
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [workdir, generated, tasksFile] = process.argv.slice(2);
const files = readdirSync(generated).filter((f) => f.endsWith(".json")).sort();
const variants = files.filter((f) => !f.endsWith(".deref.json"));
const skipped = files.filter((f) => f.endsWith(".deref.json"));
const methods = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);
const countOps = (doc) => Object.values(doc.paths ?? {}).reduce(
    (n, item) => n + Object.keys(item).filter((k) => methods.has(k)).length, 0);

const specs = [];
for (const file of variants) {
    const doc = JSON.parse(readFileSync(join(generated, file), "utf8"));
    const name = file.replace(/\.json$/, "");
    const originalTitle = doc.info.title;
    doc.info.title = `GitHub ${name}`;
    const out = join(workdir, file);
    writeFileSync(out, JSON.stringify(doc));
    specs.push({ file, name, out, title: doc.info.title, originalTitle, version: doc.info.version,
        operations: countOps(doc), bytes: readFileSync(join(generated, file)).length });
}
const alone = specs.find((s) => s.name === "api.github.com");
const loadSpec = specs.find((s) => s.name === "ghec") ?? alone;

const tasks = JSON.parse(readFileSync(tasksFile, "utf8")).tasks.map((t) => t.task);
// The labelled GitHub tasks plus a few more phrasings, operationIds and paths an agent would type.
const extra = [
    "list my repositories", "star a repository", "create a gist", "get the latest release",
    "list workflow runs for a repository", "download a workflow artifact", "add a collaborator to a repo",
    "create a webhook", "list organization members", "search code", "get a user's public keys",
    "delete a branch protection rule", "list commits on a branch", "create a deployment status",
    "repos/create-for-authenticated-user", "pulls/list", "/repos/{owner}/{repo}/issues", "GET /user",
    "rerun a failed job", "list dependabot alerts",
];
const env = process.env;
const config = {
    mamuteBin: env.BENCH_MAMUTE, nodeBin: env.BENCH_NODE, peerJs: env.BENCH_PEER_JS, sdkDir: env.BENCH_SDK,
    runs: Number(env.BENCH_RUNS ?? 3), warmup: Number(env.BENCH_WARMUP ?? 50),
    searchCount: Number(env.BENCH_QUERIES ?? 500), schemaCount: Number(env.BENCH_SCHEMA_CALLS ?? 500),
    listCount: Number(env.BENCH_LIST_CALLS ?? 100),
    alone: join(generated, alone.file), aloneTitle: alone.title, aloneOriginalTitle: alone.originalTitle,
    variants: specs.map((s) => s.out), loadSpec: loadSpec.out, loadName: loadSpec.name,
    specs, skipped, endpoint: { path: "/repos/{owner}/{repo}/pulls", method: "get" },
    queries: [...tasks, ...extra],
};
writeFileSync(join(workdir, "config.json"), JSON.stringify(config, null, 1));
