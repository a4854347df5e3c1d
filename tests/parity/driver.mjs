// Sends the parity corpus to one server through the official PocketBase JS SDK and prints every answer as JSON.
//
//   node driver.mjs <input.json> <output.json>
//
// input: {"url", "actors": {"<name>": null | {"token", "record"}}, "cases": [{"id", "steps": [step, …]}]}
// step:  {"as", "op": "list|full|first|view|create|update|delete|send", "collection", "id"?, "body"?,
//         "page"?, "perPage"?, "filter"?, "options"?, "files"?: {"<field>": [{"name", "type", "text"}]},
//         "path"?, "method"?, "requests"?: [{"collection", "action": "create|update|delete|upsert", "id"?, "body"?,
//         "options"?, "files"?}]} — op "batch" sends `requests` through pb.createBatch()
// output: {"<case id>": [{"status", "body"}, …]} — the SDK's result (status 200; a delete's `true`) or, for a
// ClientResponseError, its status and response body. Steps of a case run in order; cases marked "writes" run one
// at a time in corpus order after the read-only cases, which run a few at a time.
import { readFileSync, writeFileSync } from "node:fs";
import PocketBase, { ClientResponseError } from "pocketbase";

const [inputPath, outputPath] = process.argv.slice(2);
const input = JSON.parse(readFileSync(inputPath, "utf8"));
const READ_CONCURRENCY = 4;

const clients = {};
for (const [name, actor] of Object.entries(input.actors)) {
  const pb = new PocketBase(input.url);
  pb.autoCancellation(false);
  if (actor) pb.authStore.save(actor.token, actor.record);
  clients[name] = pb;
}

function withFiles(body, files) {
  if (!files) return body;
  const out = { ...body };
  for (const [field, list] of Object.entries(files)) {
    const blobs = list.map((f) => new File([f.text], f.name, { type: f.type }));
    out[field] = blobs.length === 1 && !field.endsWith("+") && !field.startsWith("+") ? blobs[0] : blobs;
  }
  return out;
}

function call(step) {
  const pb = clients[step.as];
  if (!pb) throw new Error(`unknown actor ${step.as}`);
  const options = { ...(step.options || {}) };
  if (step.op === "send") {
    return pb.send(step.path, { method: step.method || "GET", body: step.body, ...options });
  }
  if (step.op === "batch") {
    const batch = pb.createBatch();
    for (const r of step.requests) {
      const sub = batch.collection(r.collection);
      if (r.action === "delete") sub.delete(r.id, r.options || {});
      else if (r.action === "update") sub.update(r.id, withFiles(r.body || {}, r.files), r.options || {});
      else sub[r.action](withFiles(r.body || {}, r.files), r.options || {});
    }
    return batch.send(options);
  }
  const records = pb.collection(step.collection);
  switch (step.op) {
    case "list":
      return records.getList(step.page ?? 1, step.perPage ?? 30, options);
    case "full":
      return records.getFullList(options);
    case "first":
      return records.getFirstListItem(step.filter ?? "", options);
    case "view":
      return records.getOne(step.id, options);
    case "create":
      return records.create(withFiles(step.body ?? {}, step.files), options);
    case "update":
      return records.update(step.id, withFiles(step.body ?? {}, step.files), options);
    case "delete":
      return records.delete(step.id, options);
    default:
      throw new Error(`unknown op ${step.op}`);
  }
}

async function runStep(step) {
  try {
    const body = await call(step);
    return { status: 200, body: body === undefined ? null : body };
  } catch (err) {
    if (err instanceof ClientResponseError) {
      if (err.status === 0) return { status: 0, body: { error: String(err.originalError || err.message) } };
      return { status: err.status, body: err.response };
    }
    return { status: -1, body: { error: String(err && err.stack ? err.stack : err) } };
  }
}

async function runCase(c) {
  const answers = [];
  for (const step of c.steps) answers.push(await runStep(step));
  return answers;
}

const results = {};
const reads = input.cases.filter((c) => !c.writes);
const writes = input.cases.filter((c) => c.writes);
let next = 0;
async function worker() {
  while (next < reads.length) {
    const c = reads[next++];
    results[c.id] = await runCase(c);
  }
}
await Promise.all(Array.from({ length: READ_CONCURRENCY }, worker));
for (const c of writes) results[c.id] = await runCase(c);
writeFileSync(outputPath, JSON.stringify(results));
console.log(`${Object.keys(results).length} cases sent to ${input.url}`);
