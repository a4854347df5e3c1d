// Test helpers: one stack per test file (or the shared one), and mini-programs signed into it.
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before } from "node:test";
import { MiniProgram, SDK_FEATURE_CHECKS } from "./runtime.mjs";
import { startStack } from "./stack.mjs";

export function useStack() {
    const holder = {};
    const apps = [];
    before(async () => {
        Object.assign(holder, await startStack());
    });
    after(async () => {
        apps.forEach((a) => a.rt.close());
        for (const a of apps) {
            assertNoWebGlobalsTouched(a.rt);
        }
        await holder.stop();
        apps.forEach((a) => fs.rmSync(a.rt.dir, { recursive: true, force: true }));
    });
    holder.apps = apps;
    return holder;
}

export function uniqueName(prefix) {
    return prefix + crypto.randomBytes(4).toString("hex");
}

/**
 * A mini-program on a fresh folder (or `dir` to restart one), with the package loaded and a client created.
 * Options: user (sandbox name), adapter ("wx" | "taro"), client (createClient options).
 */
export function openApp(stack, { user = uniqueName("u"), dir = null, adapter = "wx", client = {} } = {}) {
    const folder = dir || fs.mkdtempSync(path.join(os.tmpdir(), "wxbase-mp-"));
    const rt = new MiniProgram({ dir: folder, user, appid: stack.appid, adapter, sandboxUrl: stack.sandboxUrl });
    const pkg = rt.loadPackage();
    const options = Object.assign({ url: stack.url }, client);
    if (adapter === "taro") {
        options.adapter = rt.taro();
    }
    const pb = pkg.createClient(options);
    const app = { rt, pkg, pb, user, dir: folder };
    stack.apps.push(app);
    return app;
}

// A watcher (with the given client options) and a writer, each signed in on its own simulated device.
export async function twoUsers(stack, client) {
    const watcher = openApp(stack, { client });
    const writer = openApp(stack);
    const me = (await watcher.pb.wx.login()).record;
    const author = (await writer.pb.wx.login()).record;
    return { watcher, writer, me, author };
}

/** The package never reads a web/Node global; the SDK only makes its harmless `typeof` feature checks. */
export function assertNoWebGlobalsTouched(rt) {
    const ours = rt.touched.filter((t) => t.where.includes("wxbase-miniprogram/index.js"));
    assert.deepEqual(ours, [], "the package read globals a mini-program lacks");
    const other = rt.touched.filter((t) => !SDK_FEATURE_CHECKS.includes(t.name));
    assert.deepEqual(other, [], "the SDK reached code that needs a global a mini-program lacks");
}

export function requestsTo(rt, pattern, method) {
    return rt.log.filter((e) => pattern.test(e.url) && (!method || e.method === method));
}

export function sleep(ms) {
    return new Promise((r) => setTimeout(r, ms));
}

export async function until(check, { timeout = 15000, every = 50, message = "condition" } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
        const value = await check();
        if (value) {
            return value;
        }
        if (Date.now() > deadline) {
            throw new Error(`timed out waiting for ${message}`);
        }
        await sleep(every);
    }
}
