#!/usr/bin/env node
// Validates the MamuteCloud OpenAPI document (spec/mamutecloud.openapi.json).
//
//   node tests/spec/validate-spec.mjs spec/mamutecloud.openapi.json
//
// 1. Validates the document against the OpenAPI 3.1 schema with
//    @readme/openapi-parser (install with `cd tests && npm install`).
// 2. Checks that it contains exactly the 68 operations of the MamuteCloud API
//    reference (embedded below; cross-checked against
//    ../shared/mamutecloud-api-reference.txt relative to the repo root when
//    that file exists) plus project conventions: unique operationIds, summary,
//    description, exactly one known tag, documented path parameters, security
//    schemes and the request/response fields the reference documents.
// Exits 0 with a summary line on success; prints every problem and exits 1
// otherwise.

import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// --- The 68 operations of the API reference, as `METHOD path`. -------------
const EXPECTED_OPERATIONS = [
  'GET /cdn/origin-group',
  'POST /cdn/origin-group',
  'GET /cdn/origin-group/{id}',
  'PUT /cdn/origin-group/{id}',
  'DELETE /cdn/origin-group/{id}',
  'GET /cdn/resource',
  'POST /cdn/resource',
  'GET /cdn/resource/{id}',
  'PUT /cdn/resource/{id}',
  'DELETE /cdn/resource/{id}',
  'POST /cdn/resource/{id}/purge/url',
  'POST /cdn/resource/{id}/purge/pattern',
  'POST /cdn/resource/{id}/purge/all',
  'GET /cdn/resource/{id}/purge/history',
  'GET /cdn/resource/check-distribution-name',
  'GET /cdn/ssl-certificate',
  'POST /cdn/ssl-certificate',
  'GET /cdn/ssl-certificate/{id}',
  'DELETE /cdn/ssl-certificate/{id}',
  'POST /cdn/ssl-certificate/import',
  'GET /cdn/distributions',
  'POST /cdn/distributions',
  'GET /storage/object-storage/buckets/{bucketId}/credentials',
  'POST /storage/object-storage/buckets/{bucketId}/credentials',
  'DELETE /storage/object-storage/buckets/{bucketId}/credentials/{accessKeyId}',
  'POST /storage/object-storage/buckets/{bucketId}/credentials/{accessKeyId}/deactivate',
  'POST /storage/object-storage/buckets/{bucketId}/credentials/{accessKeyId}/activate',
  'POST /storage/object-storage/buckets/{bucketId}/credentials/{accessKeyId}/regenerate',
  'GET /storage/object-storage/buckets',
  'POST /storage/object-storage/buckets',
  'GET /storage/object-storage/buckets/{bucketId}',
  'GET /storage/object-storage/buckets/{bucketId}/files',
  'GET /storage/buckets',
  'POST /storage/buckets',
  'GET /dns/zones/{zone_id}/records',
  'POST /dns/zones/{zone_id}/records',
  'GET /dns/zones/{zone_id}/records/{record_id}',
  'DELETE /dns/zones/{zone_id}/records/{record_id}',
  'PUT /dns/records/{record_id}',
  'GET /dns/zones',
  'POST /dns/zones',
  'GET /dns/zones/{id}',
  'DELETE /dns/zones/{id}',
  'GET /dns/records',
  'POST /dns/records',
  'GET /organization/profile',
  'PUT /organization/profile',
  'GET /organization',
  'PUT /organization',
  'GET /security/apikey',
  'POST /security/apikey',
  'DELETE /security/apikey',
  'GET /user/profile',
  'PUT /user/profile',
  'POST /user/change-password',
  'GET /storage/user/profile',
  'PUT /storage/user/profile',
  'POST /storage/user/change-password',
  'POST /user/mfa/enable',
  'POST /user/mfa/disable',
  'POST /storage/user/mfa/enable',
  'POST /storage/user/mfa/disable',
  'GET /analytics/stats',
  'GET /analytics/reports',
  'GET /billing/account',
  'PUT /billing/account',
  'GET /billing/usage',
  'GET /billing/invoices',
];

const TAGS = ['CDN', 'Storage', 'DNS', 'Organization', 'IAM', 'Analytics', 'Billing'];
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const DOCUMENTED_RESPONSES = ['200', '400', '401', '404', '500'];

const problems = [];
const problem = (msg) => problems.push(msg);

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const specArg = process.argv[2] ?? path.join(repoRoot, 'spec', 'mamutecloud.openapi.json');
const specPath = path.resolve(specArg);

// --- Load -------------------------------------------------------------------
let doc;
try {
  doc = JSON.parse(readFileSync(specPath, 'utf8'));
} catch (e) {
  console.error(`FAIL: cannot read/parse ${specPath}: ${e.message}`);
  process.exit(1);
}

// --- 1. Real OpenAPI validation ----------------------------------------------
let validatorName = '@readme/openapi-parser';
try {
  const { validate, compileErrors } = await import('@readme/openapi-parser');
  try {
    const pkg = JSON.parse(
      readFileSync(path.join(repoRoot, 'tests', 'node_modules', '@readme', 'openapi-parser', 'package.json'), 'utf8'),
    );
    validatorName += `@${pkg.version}`;
  } catch {
    /* version is informational only */
  }
  // validate() dereferences its input in place: give it a copy.
  const result = await validate(structuredClone(doc));
  if (!result.valid) problem(`OpenAPI validation failed:\n${compileErrors(result)}`);
  if (result.specification !== 'OpenAPI') problem(`validator detected specification ${result.specification}, expected OpenAPI`);
} catch (e) {
  problem(`OpenAPI validation failed/unavailable (${validatorName}; run \`cd tests && npm install\`): ${e.message}`);
}

// --- Helpers ----------------------------------------------------------------
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const nonEmpty = (s) => typeof s === 'string' && s.trim().length > 0;

function resolve(node, seen = new Set()) {
  if (!isObj(node) || typeof node.$ref !== 'string') return node;
  const ref = node.$ref;
  if (!ref.startsWith('#/') || seen.has(ref)) return undefined;
  seen.add(ref);
  let cur = doc;
  for (const seg of ref.slice(2).split('/')) {
    cur = isObj(cur) ? cur[seg.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  }
  return resolve(cur, seen);
}

// --- 2. Document-level checks -------------------------------------------------
if (doc.openapi !== '3.1.0') problem(`openapi is ${JSON.stringify(doc.openapi)}, expected "3.1.0"`);
if (doc.info?.title !== 'MamuteCloud API') problem('info.title must be "MamuteCloud API"');
if (!nonEmpty(doc.info?.version)) problem('info.version missing');
if (!nonEmpty(doc.info?.description)) problem('info.description missing');
else {
  if (!doc.info.description.includes('https://s3-us-east-1.mamutecloud.com'))
    problem('info.description must mention the separate S3 data plane https://s3-us-east-1.mamutecloud.com');
  if (!doc.info.description.includes('X-API-Key') || !/Bearer/.test(doc.info.description))
    problem('info.description must describe both auth options (Bearer token and X-API-Key)');
}
if (!Array.isArray(doc.servers) || !doc.servers.some((s) => s?.url === 'https://api.mamutecloud.com'))
  problem('servers must contain https://api.mamutecloud.com');

const declaredTags = new Map((doc.tags ?? []).map((t) => [t?.name, t]));
for (const t of TAGS) {
  if (!declaredTags.has(t)) problem(`tag ${t} not declared in root tags`);
  else if (!nonEmpty(declaredTags.get(t).description)) problem(`tag ${t} has no description`);
}
for (const name of declaredTags.keys()) if (!TAGS.includes(name)) problem(`unexpected root tag ${name}`);

const schemes = doc.components?.securitySchemes ?? {};
const bearer = schemes.bearerAuth;
if (!(bearer?.type === 'http' && String(bearer.scheme).toLowerCase() === 'bearer'))
  problem('securitySchemes.bearerAuth must be {type: http, scheme: bearer}');
const apiKey = schemes.apiKeyAuth;
if (!(apiKey?.type === 'apiKey' && apiKey.in === 'header' && apiKey.name === 'X-API-Key'))
  problem('securitySchemes.apiKeyAuth must be {type: apiKey, in: header, name: X-API-Key}');
const rootSec = doc.security ?? [];
const secAlternative = (name) =>
  rootSec.some((req) => isObj(req) && Object.keys(req).length === 1 && Array.isArray(req[name]));
if (!secAlternative('bearerAuth') || !secAlternative('apiKeyAuth'))
  problem('root security must accept either bearerAuth or apiKeyAuth ([{bearerAuth: []}, {apiKeyAuth: []}])');

// --- 3. Operation set ----------------------------------------------------------
const expectedSet = new Set(EXPECTED_OPERATIONS);
if (expectedSet.size !== 68 || EXPECTED_OPERATIONS.length !== 68)
  problem(`embedded operation list has ${expectedSet.size} unique of ${EXPECTED_OPERATIONS.length}, expected 68`);

const referencePath = path.resolve(repoRoot, '..', 'shared', 'mamutecloud-api-reference.txt');
let referenceChecked = false;
if (existsSync(referencePath)) {
  referenceChecked = true;
  const text = readFileSync(referencePath, 'utf8');
  const fromRef = [...text.matchAll(/\*\*(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\*\*\s+`([^`]+)`/g)].map(
    (m) => `${m[1]} ${m[2]}`,
  );
  const refSet = new Set(fromRef);
  if (refSet.size !== fromRef.length) problem(`reference lists duplicate operations (${fromRef.length} total, ${refSet.size} unique)`);
  for (const op of refSet) if (!expectedSet.has(op)) problem(`reference has ${op} but the embedded list does not`);
  for (const op of expectedSet) if (!refSet.has(op)) problem(`embedded list has ${op} but the reference does not`);
}

const ops = new Map(); // "METHOD path" -> {path, method, op, pathItem}
for (const [p, pathItem] of Object.entries(doc.paths ?? {})) {
  for (const m of HTTP_METHODS) {
    if (pathItem?.[m]) ops.set(`${m.toUpperCase()} ${p}`, { path: p, method: m, op: pathItem[m], pathItem });
  }
}
for (const key of expectedSet) if (!ops.has(key)) problem(`missing operation: ${key}`);
for (const key of ops.keys()) if (!expectedSet.has(key)) problem(`operation not in the reference: ${key}`);

// --- 4. Per-operation checks -----------------------------------------------------
const opIds = new Map();
for (const [key, { path: p, op, pathItem }] of ops) {
  const id = op.operationId;
  if (!nonEmpty(id)) problem(`${key}: missing operationId`);
  else {
    if (!/^[a-z][a-zA-Z0-9]*$/.test(id)) problem(`${key}: operationId ${id} is not camelCase`);
    if (opIds.has(id)) problem(`${key}: operationId ${id} duplicates ${opIds.get(id)}`);
    else opIds.set(id, key);
  }
  if (!nonEmpty(op.summary)) problem(`${key}: missing summary`);
  if (!nonEmpty(op.description)) problem(`${key}: missing description`);
  if (!Array.isArray(op.tags) || op.tags.length !== 1 || !TAGS.includes(op.tags[0]))
    problem(`${key}: must have exactly one tag from ${TAGS.join(', ')} (has ${JSON.stringify(op.tags)})`);
  if (!/^https:\/\/docs\.mamutecloud\.com\/reference\/\S+$/.test(op.externalDocs?.url ?? ''))
    problem(`${key}: externalDocs.url must be the docs.mamutecloud.com reference URL`);

  // path parameters: operation-level overrides path-level (by name+in)
  const params = new Map();
  for (const raw of [...(pathItem.parameters ?? []), ...(op.parameters ?? [])]) {
    const prm = resolve(raw);
    if (isObj(prm)) params.set(`${prm.in}:${prm.name}`, prm);
  }
  const templateNames = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  for (const name of templateNames) {
    const prm = params.get(`path:${name}`);
    if (!prm) problem(`${key}: no path parameter for {${name}}`);
    else {
      if (prm.required !== true) problem(`${key}: path parameter ${name} must be required`);
      if (!nonEmpty(prm.description)) problem(`${key}: path parameter ${name} has no description`);
      if (resolve(prm.schema)?.type !== 'string') problem(`${key}: path parameter ${name} must have schema type string`);
    }
  }
  for (const prm of params.values())
    if (prm.in === 'path' && !templateNames.includes(prm.name)) problem(`${key}: path parameter ${prm.name} not in path`);

  for (const code of DOCUMENTED_RESPONSES) {
    const r = resolve(op.responses?.[code]);
    if (!isObj(r) || !nonEmpty(r.description)) problem(`${key}: response ${code} missing or without description`);
  }
  if (op.requestBody) {
    const rb = resolve(op.requestBody);
    if (!isObj(rb?.content?.['application/json'])) problem(`${key}: requestBody must be application/json`);
  }
}

// --- 5. Documented schemas and fields ----------------------------------------------
function bodySchema(key) {
  const rb = resolve(ops.get(key)?.op?.requestBody);
  return resolve(rb?.content?.['application/json']?.schema);
}
function okSchema(key) {
  const r = resolve(ops.get(key)?.op?.responses?.['200']);
  return resolve(r?.content?.['application/json']?.schema);
}
function prop(schema, name) {
  return resolve(schema?.properties?.[name]);
}
function requireProps(where, schema, names) {
  if (!isObj(schema)) return problem(`${where}: schema missing`);
  for (const n of names) if (!isObj(prop(schema, n))) problem(`${where}: property ${n} missing`);
}
function requireBodyRef(key, schemaName) {
  const rb = resolve(ops.get(key)?.op?.requestBody);
  const ref = rb?.content?.['application/json']?.schema?.$ref;
  if (ref !== `#/components/schemas/${schemaName}`) problem(`${key}: requestBody schema must $ref ${schemaName}`);
}

const schemas = doc.components?.schemas ?? {};

// API key
const apikeyReq = resolve(schemas.CreateApikeyRequest);
if (!isObj(apikeyReq)) problem('components.schemas.CreateApikeyRequest missing');
else {
  if (prop(apikeyReq, 'name')?.type !== 'string') problem('CreateApikeyRequest.name must be a string property');
  if (!Array.isArray(apikeyReq.required) || !apikeyReq.required.includes('name')) problem('CreateApikeyRequest must require name');
}
requireBodyRef('POST /security/apikey', 'CreateApikeyRequest');

// Buckets and credentials
requireProps('POST /storage/object-storage/buckets request', bodySchema('POST /storage/object-storage/buckets'), ['name', 'storage_class']);
requireProps('POST /storage/object-storage/buckets 200', okSchema('POST /storage/object-storage/buckets'), ['id']);
requireProps(
  'POST /storage/object-storage/buckets/{bucketId}/credentials 200',
  okSchema('POST /storage/object-storage/buckets/{bucketId}/credentials'),
  ['access_key_id', 'secret_access_key'],
);

// CDN resources
for (const key of ['POST /cdn/resource', 'PUT /cdn/resource/{id}']) {
  const s = bodySchema(key);
  requireProps(`${key} request`, s, ['name', 'origin_group', 'distribution_domain', 'custom_domains']);
  requireProps(`${key} request origin_group`, prop(s, 'origin_group'), ['type', 'bucket_id']);
  const cd = prop(s, 'custom_domains');
  if (isObj(cd) && !(cd.type === 'array' && resolve(cd.items)?.type === 'string'))
    problem(`${key} request: custom_domains must be an array of strings`);
}
requireProps('POST /cdn/resource 200', okSchema('POST /cdn/resource'), ['id', 'distribution_domain', 'status']);

// User
for (const key of ['POST /user/change-password', 'POST /storage/user/change-password']) requireBodyRef(key, 'ChangePasswordRequest');
for (const key of ['PUT /user/profile', 'PUT /storage/user/profile']) requireBodyRef(key, 'UpdateUserRequest');
requireProps('ChangePasswordRequest', resolve(schemas.ChangePasswordRequest), ['current_password', 'new_password']);
requireProps('UpdateUserRequest', resolve(schemas.UpdateUserRequest), ['name', 'phone', 'profile_image']);

// Distribution name check
{
  const key = 'GET /cdn/resource/check-distribution-name';
  const q = (ops.get(key)?.op?.parameters ?? []).map((x) => resolve(x)).find((x) => x?.in === 'query' && x?.name === 'name');
  if (!q) problem(`${key}: query parameter name missing`);
  else if (q.required !== true || !nonEmpty(q.description)) problem(`${key}: query parameter name must be required and described`);
}

// --- Report ----------------------------------------------------------------------------
if (problems.length) {
  for (const p of problems) console.error(`FAIL: ${p}`);
  console.error(`\n${problems.length} problem(s) in ${specArg}`);
  process.exit(1);
}
const perTag = TAGS.map((t) => `${t} ${[...ops.values()].filter(({ op }) => op.tags?.[0] === t).length}`).join(', ');
console.log(
  `OK: ${specArg} is valid OpenAPI ${doc.openapi} (${validatorName}); ` +
    `${ops.size}/${EXPECTED_OPERATIONS.length} operations, ${opIds.size} unique operationIds ` +
    `[${perTag}]; reference cross-check: ${referenceChecked ? 'done' : 'skipped (reference not found)'}`,
);
