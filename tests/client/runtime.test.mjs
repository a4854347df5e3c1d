// The simulated runtime is as strict as a mini-program's, and the package needs nothing beyond it.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ABSENT, MiniProgram, REPO } from "./harness/runtime.mjs";

function bareRuntime() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wxbase-mp-"));
    return new MiniProgram({ dir, user: "nobody", appid: "wxsandbox00000001", tripwires: false });
}

test("the runtime has none of the web or Node globals a mini-program lacks", () => {
    const rt = bareRuntime();
    const present = rt.run("(names) => names.filter((n) => typeof globalThis[n] !== 'undefined')", ABSENT);
    assert.deepEqual(Array.from(present), []);
    assert.equal(rt.eval("typeof fetch"), "undefined");
    assert.throws(() => rt.eval("new AbortController()"), /AbortController is not defined/);
    assert.equal(rt.eval("typeof wx.request"), "function");
    rt.close();
    fs.rmSync(rt.dir, { recursive: true });
});

test("the package loads and builds a client in the bare runtime without touching any of them", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wxbase-mp-"));
    const rt = new MiniProgram({ dir, user: "nobody", appid: "wxsandbox00000001", tripwires: true });
    const pkg = rt.loadPackage();
    const pb = pkg.createClient({ url: "http://127.0.0.1:9" });
    assert.equal(typeof pb.collection("posts").getList, "function");
    assert.equal(typeof pb.wx.login, "function");
    assert.equal(pb.authStore.isValid, false);
    const ours = rt.touched.filter((t) => t.where.includes("wxbase-miniprogram/index.js"));
    assert.deepEqual(ours, []);
    // the SDK's module-level checks (typeof navigator/global/atob) are the only reads
    assert.ok(rt.touched.every((t) => ["navigator", "global", "atob", "window"].includes(t.name)), JSON.stringify(rt.touched));
    rt.close();
    fs.rmSync(dir, { recursive: true });
});

test("without wx and without an adapter the client says what to pass", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wxbase-mp-"));
    const rt = new MiniProgram({ dir, user: "nobody", appid: "wxsandbox00000001", adapter: "taro" });
    const pkg = rt.loadPackage();
    assert.throws(() => pkg.createClient({ url: "http://127.0.0.1:9" }), /adapter: Taro/);
    assert.throws(() => pkg.createClient({}), /url/);
    rt.close();
    fs.rmSync(dir, { recursive: true });
});

test("the bundlers' entries: import (dist/index.mjs with the pocketbase package) and require build the same client", async () => {
    const { createRequire } = await import("node:module");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wxbase-mp-"));
    const rt = new MiniProgram({ dir, user: "nobody", appid: "wxsandbox00000001", adapter: "taro" });
    const esm = await import(path.join(REPO, "client", "dist", "index.mjs"));
    const cjs = createRequire(path.join(REPO, "client", "package.json"))(path.join(REPO, "client"));
    for (const pkg of [esm, cjs]) {
        const pb = pkg.createClient({ url: "http://127.0.0.1:9/", adapter: rt.taro() });
        assert.ok(pb instanceof pkg.PocketBase);
        assert.equal(pb.baseURL, "http://127.0.0.1:9");
        assert.equal(typeof pb.wx.subscribe, "function");
        assert.equal(pkg.default, pkg.createClient);
    }
    rt.close();
    fs.rmSync(dir, { recursive: true });
});
