// `make test-example`: the example mini-program as WeChat DevTools builds and shows it. 构建 npm lays the client
// package out in miniprogram_npm/ (tests/example/build_npm.mjs, refusing what a mini-program couldn't load); WeChat's
// compilers, wcc and wcsc, compile every page's template and the app's styles; then each page runs in the strict
// simulated runtime (tests/client/harness: only wx.*, over real HTTP to make dev's server) and is rendered from wcc's
// output by miniprogram-simulate in jsdom, and driven through what it renders: load, pull-down refresh, reach
// bottom, and publishing a post with a cover upload.
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { JSDOM } from "jsdom";
import { openApp, uniqueName, until, useStack } from "../client/harness/app.mjs";
import { EXAMPLE_DIR, MiniProgram, PACKAGE_DIST } from "../client/harness/runtime.mjs";
import { buildNpm, layOut } from "./build_npm.mjs";
import { compile } from "./compile.mjs";

// the webview miniprogram-simulate renders into
const dom = new JSDOM("<!doctype html><html><head></head><body></body></html>", { pretendToBeVisual: true });
for (const name of ["window", "document", "Node", "HTMLElement", "MutationObserver"]) {
    globalThis[name] = name === "window" ? dom.window : dom.window[name];
}

/** A user's event on a rendered node: made with the webview's Event classes (Node's own stay for its WebSocket). */
function fire(node, name, detail) {
    const own = [globalThis.Event, globalThis.CustomEvent];
    [globalThis.Event, globalThis.CustomEvent] = [dom.window.Event, dom.window.CustomEvent];
    try {
        node.dispatchEvent(name, detail === undefined ? {} : { detail });
    } finally {
        [globalThis.Event, globalThis.CustomEvent] = own;
    }
}
const simulate = createRequire(import.meta.url)("miniprogram-simulate");

const stack = useStack();
const project = fs.mkdtempSync(path.join(os.tmpdir(), "wxbase-example-build-"));
const npmProblems = layOut(EXAMPLE_DIR, project);

test("构建 npm lays the client package out in miniprogram_npm/ and every file loads in a mini-program", () => {
    assert.deepEqual(npmProblems, []);
    const built = path.join(project, "miniprogram_npm", "wxbase-miniprogram");
    assert.deepEqual(fs.readdirSync(built).sort(), fs.readdirSync(PACKAGE_DIST).sort());
    assert.ok(fs.readFileSync(path.join(built, "index.js")).equals(fs.readFileSync(path.join(PACKAGE_DIST, "index.js"))));
});

test("构建 npm's rules refuse a package a mini-program couldn't load", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wxbase-npm-rules-"));
    fs.mkdirSync(path.join(dir, "esm", "dist"), { recursive: true });
    fs.writeFileSync(path.join(dir, "esm", "package.json"), JSON.stringify({ name: "esm", miniprogram: "dist" }));
    fs.writeFileSync(path.join(dir, "esm", "dist", "index.js"), 'import x from "./x.js"\nrequire("absent")\n');
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ dependencies: { esm: "file:./esm" } }));
    const problems = buildNpm(dir);
    assert.ok(problems.some((p) => p.includes("not a CommonJS script")), problems.join("\n"));
    assert.ok(problems.some((p) => p.includes('require("absent")')), problems.join("\n"));
});

const compiled = compile(project, dom.window);

test("wcc compiles every page's template and wcsc the app's styles", () => {
    for (const route of compiled.pages) {
        const render = compiled.wxml(`${route}.wxml`);
        assert.equal(typeof render, "function", route);
        assert.equal(typeof render({}), "object", route);
    }
    compiled.wxss("app.wxss")();
    const styles = [...document.querySelectorAll("style")].map((s) => s.textContent).join("\n");
    assert.match(styles, /\.title\s*\{[^}]*font-size/); // rpx turned into px for the device
});

/** Opens `url` as WeChat does, the page rendered from wcc's output by miniprogram-simulate; its component. */
function openPage(rt, url) {
    const [route, qs] = url.replace(/^\//, "").split("?");
    if (!rt.pageDefs[route]) {
        rt.loadingRoute = route;
        rt.require(`${route}.js`);
        rt.loadingRoute = null;
    }
    const def = rt.pageDefs[route];
    const methods = Object.fromEntries(Object.entries(def).filter(([, v]) => typeof v === "function"));
    const id = simulate.load({ template: compiled.wxml(`${route}.wxml`), data: JSON.parse(JSON.stringify(def.data || {})), methods });
    const comp = simulate.render(id);
    comp.attach(document.createElement("page-wrapper"));
    const page = comp.instance;
    // setData crosses to the view as JSON in WeChat; here that also brings the runtime realm's arrays into this one
    const setData = page.setData.bind(page);
    page.setData = (patch, done) => setData(JSON.parse(JSON.stringify(patch)), done);
    page.route = route;
    page.comp = comp;
    const top = rt.pages.at(-1);
    if (top && top.onHide) top.onHide();
    rt.pages.push(page);
    if (page.onLoad) page.onLoad(rt.toCtx(Object.fromEntries(new URLSearchParams(qs || ""))));
    if (page.onShow) page.onShow();
    return page;
}

const texts = (page, selector) => page.comp.querySelectorAll(selector).map((node) => node.dom.textContent);

test("the pages, rendered and driven against make dev: load, pull-down refresh, reach bottom, publish with a cover", async () => {
    const rt = new MiniProgram({ dir: fs.mkdtempSync(path.join(os.tmpdir(), "wxbase-example-rt-")), user: "ignored",
        appid: stack.appid, projectDir: project });
    stack.apps.push({ rt });
    rt.navigateTo = (url) => openPage(rt, url); // wx.navigateTo opens rendered pages too
    const app = rt.launch({ "config.js": { url: stack.url, appid: stack.appid, sandboxUser: uniqueName("reader"),
        replyTemplateId: "tmpl-reply", realtime: { interval: 200, maxInterval: 1000 } } });
    await until(() => app.pb.authStore.isValid, { message: "the sign-in at launch" });

    const writer = openApp(stack);
    const author = (await writer.pb.wx.login()).record;
    const marker = uniqueName("post");
    for (let i = 0; i < 12; i++) {
        await writer.pb.collection("posts").create({ title: `${marker} ${i}`, status: "published", owner: author.id });
    }

    const feed = openPage(rt, "pages/feed/feed");
    await until(() => feed.data.page === 1 && !feed.data.loading, { message: "the first page" });
    await until(() => texts(feed, ".title").length === 10, { message: "ten posts rendered" });
    assert.equal(texts(feed, ".title")[0], `${marker} 11`); // newest first
    assert.match(texts(feed, ".end").join(""), /Pull up for more/);

    await writer.pb.collection("posts").create({ title: `${marker} late`, status: "published", owner: author.id });
    feed.onPullDownRefresh();
    await until(() => rt.ui.stoppedRefresh === 1, { message: "the refresh to stop" });
    await until(() => texts(feed, ".title")[0] === `${marker} late`, { message: "the refreshed feed" });

    feed.onReachBottom();
    await until(() => feed.data.page === 2 && !feed.data.loading, { message: "the second page" });
    assert.ok(texts(feed, ".title").length > 10);

    // publish: the rendered Write button, the editor's inputs, a cover uploaded, back on the feed first
    const cover = crypto.randomBytes(100 * 1024);
    rt.ui.chosenFile = rt.writeTempFile("trip.png", cover);
    fire(feed.comp.querySelector(".primary"), "tap");
    const edit = await until(() => rt.pages.at(-1).route === "pages/edit/edit" && rt.pages.at(-1), { message: "the editor" });
    fire(edit.comp.querySelector(".title-field"), "input", { value: `${marker} trip` });
    fire(edit.comp.querySelector(".content-field"), "input", { value: "<p>Mountains</p>" });
    await until(() => edit.data.title === `${marker} trip`, { message: "the typed title" });
    fire(edit.comp.querySelector(".choose-cover"), "tap");
    await until(() => edit.data.coverPath, { message: "the chosen cover" });
    await until(() => edit.comp.querySelector(".cover"), { message: "the cover shown" });
    fire(edit.comp.querySelector(".primary"), "tap");
    await until(() => rt.pages.at(-1) === feed && texts(feed, ".title")[0] === `${marker} trip`,
        { message: "the new post first on the feed", timeout: 30000 });
    assert.equal(edit.data.progress, 100);
    const post = feed.data.posts[0];
    assert.ok(post.coverUrl && texts(feed, ".title").length >= 1);
    const image = feed.comp.querySelector(".cover");
    assert.ok(image, "the cover rendered on the feed");
    feed.onUnload();
});
