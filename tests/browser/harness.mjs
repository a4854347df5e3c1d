// The browser tests' world: the local stack (`python -m devserver`, what `make dev` runs) on free ports with a temp
// data folder, named admin keys and one extra collection holding every field type; headless Chromium from Debian
// (/usr/bin/chromium) driven by playwright-core; screenshots kept in out/screenshots/. run.mjs starts one stack for
// every test file (WXBASE_TEST_* variables); a file run on its own starts its own.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { after, before } from "node:test";
import { chromium } from "playwright-core";
import { REPO, startDevserver } from "../devserver_process.mjs";

export { REPO };
export const SCREENSHOTS = path.join(REPO, "out", "screenshots");
export const APPID = "wxsandbox00000001";
export const CALLBACK_TOKEN = "sandboxtoken1"; // the sandbox app's placeholder push token (devserver/stack.py)
const ENCODING_AES_KEY = "sandboxEncodingAesKey0000000000000000000001"; // and its placeholder EncodingAESKey
export const CHROMIUM = process.env.WXBASE_CHROMIUM || "/usr/bin/chromium";
// Debian's Chromium here, headless, as root, on a machine whose only network is loopback.
export const CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"];

const SPECIMENS = {
    id: "pbc_specimens001", name: "specimens", type: "base",
    listRule: null, viewRule: null, createRule: null, updateRule: null, deleteRule: null,
    fields: [
        { name: "id", type: "text", required: true, primaryKey: true, min: 15, max: 15, pattern: "^[a-z0-9]+$", autogeneratePattern: "[a-z0-9]{15}" },
        { name: "title", type: "text", required: true, min: 1, max: 100 },
        { name: "count", type: "number", onlyInt: true, min: 0 },
        { name: "active", type: "bool" },
        { name: "contact", type: "email" },
        { name: "site", type: "url" },
        { name: "body", type: "editor" },
        { name: "due", type: "date" },
        { name: "kind", type: "select", maxSelect: 1, values: ["plant", "animal", "mineral"] },
        { name: "tags", type: "select", maxSelect: 3, values: ["rare", "common", "new"] },
        { name: "meta", type: "json", maxSize: 2000 },
        { name: "photo", type: "file", maxSelect: 1, maxSize: 1048576, mimeTypes: ["image/png"] },
        { name: "post", type: "relation", collectionId: "pbc_1125843985", maxSelect: 1 },
        { name: "created", type: "autodate", onCreate: true, onUpdate: false },
        { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
    ],
    indexes: [],
};

// A public collection with an image field: its thumbnails load in the console without a header.
const GALLERY = {
    id: "pbc_gallery00001", name: "gallery", type: "base",
    listRule: "", viewRule: "", createRule: null, updateRule: null, deleteRule: null,
    fields: [
        { name: "caption", type: "text", max: 100 },
        { name: "picture", type: "file", maxSelect: 1, maxSize: 1048576, mimeTypes: ["image/png"], thumbs: ["300x200"] },
    ],
    indexes: [],
};

// Admins-only articles: rich text and a cover only an admin may fetch (the browser tests of those use it alone).
const ARTICLES = {
    id: "pbc_articles0001", name: "articles", type: "base",
    listRule: null, viewRule: null, createRule: null, updateRule: null, deleteRule: null,
    fields: [
        { name: "title", type: "text", required: true, max: 100 },
        { name: "body", type: "editor" },
        { name: "cover", type: "file", maxSelect: 1, maxSize: 1048576, mimeTypes: ["image/png"] },
    ],
    indexes: [],
};

// Users' snapshots, checked by WeChat's image content security: an image it could not check is held for review.
const SNAPSHOTS = {
    id: "pbc_snapshots001", name: "snapshots", type: "base",
    listRule: "", viewRule: "", createRule: '@request.auth.id != ""', updateRule: null, deleteRule: null,
    fields: [
        { name: "caption", type: "text", max: 100 },
        { name: "picture", type: "file", maxSelect: 1, maxSize: 1048576, mimeTypes: ["image/png"], secCheck: { scene: "social" } },
    ],
    indexes: [],
};

export async function startStack() {
    if (process.env.WXBASE_TEST_URL) {
        return { url: process.env.WXBASE_TEST_URL, sandboxUrl: process.env.WXBASE_TEST_SANDBOX,
                 keys: JSON.parse(process.env.WXBASE_TEST_ADMIN_KEYS), stop: async () => {} };
    }
    const keys = { alice: "alice-" + crypto.randomBytes(18).toString("base64url"),
                   bob: "bob-" + crypto.randomBytes(18).toString("base64url") };
    const { url, sandboxUrl, stop } = await startDevserver({ prefix: "wxbase-console-", configure: (dataDir) => {
        const shipped = JSON.parse(fs.readFileSync(path.join(REPO, "chalicelib", "collections.json"), "utf8"));
        const collections = path.join(dataDir, "collections.json");
        fs.writeFileSync(collections, JSON.stringify([...shipped, SPECIMENS, GALLERY, ARTICLES, SNAPSHOTS], null, 2));
        return { WXBASE_COLLECTIONS: collections, WXBASE_ADMIN_KEYS: `alice:${keys.alice},bob:${keys.bob}` };
    } });
    return { url, sandboxUrl, keys, stop };
}

// A test file's stack and browser, started before its tests and stopped after them: `const world = useWorld();`
// then `world.stack`, `world.browser` inside the tests.
export function useWorld() {
    const world = {};
    before(async () => {
        world.stack = await startStack();
        world.browser = await launch();
    });
    after(async () => {
        await world.browser?.close();
        await world.stack?.stop();
    });
    return world;
}

export async function launch() {
    return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}

// A page at the given size, with the console open; every page error fails the test that reads `errors`.
export async function openConsole(browser, stack, { width = 1280, height = 860 } = {}) {
    const context = await browser.newContext({ viewport: { width, height } });
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => { if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) errors.push(m.text()); });
    const outside = [];
    page.on("request", (r) => { if (!r.url().startsWith("http://127.0.0.1:") && !r.url().startsWith("data:")) outside.push(r.url()); });
    await page.goto(stack.url + "/_/");
    return { page, context, errors, outside };
}

export async function signIn(page, key) {
    await page.getByLabel("Admin key").fill(key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText(/^Signed in as /).waitFor();
}

export async function shot(page, name) {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    const file = path.join(SCREENSHOTS, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
}

// --- the API, for setting up and checking what the console did ---------------------------------------------------
export async function api(stack, method, route, { token, body, headers } = {}) {
    const reply = await fetch(stack.url + route, {
        method, headers: { "Content-Type": "application/json", ...(token ? { Authorization: token } : {}), ...headers },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await reply.text();
    let json = null;
    try { json = JSON.parse(text); } catch { json = null; }
    return { status: reply.status, json, text };
}

export async function login(stack, name, extra = {}) {
    const reply = await api(stack, "POST", "/api/wechat/login", { body: { code: `sandbox-${name}`, appid: APPID, ...extra } });
    if (reply.status !== 200) throw new Error(`login failed: ${reply.text}`);
    return reply.json;
}

export async function sandbox(stack, method, route, body) {
    const reply = await fetch(stack.sandboxUrl + route, { method, headers: { "Content-Type": "application/json" },
                                                         body: body ? JSON.stringify(body) : undefined });
    return reply.json();
}

// WeChat's message push in safe mode (what an app with an EncodingAESKey accepts): the message encrypted with the
// app's key (AES-256-CBC, WeChat's PKCS#7 padding to 32 bytes), signed with its push token.
export async function push(stack, message) {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = String(crypto.randomInt(1e9));
    const key = Buffer.from(ENCODING_AES_KEY + "=", "base64");
    const body = Buffer.from(JSON.stringify(message));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length);
    const plain = Buffer.concat([crypto.randomBytes(16), length, body, Buffer.from(APPID)]);
    const pad = 32 - (plain.length % 32);
    const cipher = crypto.createCipheriv("aes-256-cbc", key, key.subarray(0, 16)).setAutoPadding(false);
    const encrypt = Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()])
        .toString("base64");
    const sign = (...parts) => crypto.createHash("sha1").update(parts.sort().join("")).digest("hex");
    const query = `timestamp=${timestamp}&nonce=${nonce}&encrypt_type=aes` +
        `&msg_signature=${sign(CALLBACK_TOKEN, timestamp, nonce, encrypt)}`;
    return api(stack, "POST", `/api/wechat/callback/${APPID}?${query}`,
               { body: { ToUserName: message.ToUserName, Encrypt: encrypt } });
}

export async function eventually(fn, what, seconds = 60) {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
        const value = await fn();
        if (value) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 500));
    }
}

// A record with an image in `field`, uploaded through the presigned flow as `token` (an admin key or a user's).
export async function recordWithImage(stack, token, collection, field, body = {}) {
    const ticket = await api(stack, "POST", "/api/files/upload", { token, body: {
        collection, field, filename: "leaf.png", size: PNG.length, contentType: "image/png" } });
    if (ticket.status !== 200) throw new Error(`upload refused: ${ticket.text}`);
    const form = new FormData();
    for (const [k, v] of Object.entries(ticket.json.fields)) form.append(k, v);
    form.append("file", new Blob([PNG], { type: "image/png" }), "leaf.png");
    if (!(await fetch(ticket.json.url, { method: "POST", body: form })).ok) throw new Error("storage refused the upload");
    const created = await api(stack, "POST", `/api/collections/${collection}/records`, { token, body: {
        id: ticket.json.recordId, [field]: ticket.json.name, ...body } });
    if (created.status !== 200) throw new Error(`create refused: ${created.text}`);
    return created.json;
}

// A 1x1 PNG, for uploads.
export const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");
