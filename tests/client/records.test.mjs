// The SDK's records API through wx.request, errors as the SDK reports them, text bodies and headers, timeouts,
// abort, the page-aware auto-cancellation, and the Taro adapter.
import assert from "node:assert/strict";
import crypto from "node:crypto";
import net from "node:net";
import { after, before, test } from "node:test";
import { openApp, requestsTo, sleep, useStack } from "./harness/app.mjs";

const stack = useStack();

// A server that accepts connections and never answers: a slow network, for real.
let blackHole;
let stalled = 0;
let closedByClient = 0;
before(async () => {
    blackHole = net.createServer((socket) => {
        stalled++;
        socket.resume(); // read (and drop) what comes, so the client's close is seen
        socket.on("close", () => closedByClient++);
        socket.on("error", () => {});
    });
    await new Promise((r) => blackHole.listen(0, "127.0.0.1", r));
});
after(() => blackHole.close());
const blackHoleUrl = () => `http://127.0.0.1:${blackHole.address().port}`;

test("create, view, list, update and delete through the SDK", async () => {
    const { pb } = openApp(stack);
    const me = (await pb.wx.login()).record;
    const posts = pb.collection("posts");
    const post = await posts.create({ title: "Hello 你好", content: "<p>first</p>", status: "draft", owner: me.id, tags: ["food"] });
    assert.equal(post.title, "Hello 你好");
    assert.equal(post.collectionName, "posts");
    assert.match(post.id, /^[a-z0-9]{15}$/);
    assert.equal((await posts.getOne(post.id)).content, "<p>first</p>");
    const updated = await posts.update(post.id, { title: "Hello again", "views+": 2 });
    assert.equal(updated.title, "Hello again");
    assert.equal(updated.views, 2);
    const second = await posts.create({ title: "Second", status: "published", owner: me.id });
    const list = await posts.getList(1, 10, { filter: pb.filter("owner = {:me}", { me: me.id }), sort: "-created" });
    assert.deepEqual(Array.from(list.items, (p) => p.id).sort(), [post.id, second.id].sort());
    assert.equal(list.totalItems, 2);
    const all = await posts.getFullList({ filter: `owner = "${me.id}"`, batch: 1 });
    assert.equal(all.length, 2);
    assert.equal(await posts.delete(post.id), true);
    await assert.rejects(posts.getOne(post.id), (err) => err.status === 404 && !err.isAbort);
});

test("errors carry PocketBase's body", async () => {
    const { pb } = openApp(stack);
    const me = (await pb.wx.login()).record;
    await assert.rejects(pb.collection("posts").create({ status: "draft", owner: me.id }), (err) => {
        assert.equal(err.status, 400);
        assert.equal(err.response.data.title.code, "validation_required");
        assert.ok(err.message);
        return true;
    });
    await assert.rejects(pb.collection("nope").getList(), (err) => err.status === 404);
});

test("text bodies, status and headers come through wx.request as fetch gives them", async () => {
    const { pb } = openApp(stack);
    // WeChat's URL verification answers the echostr as text/plain
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = "n" + crypto.randomBytes(3).toString("hex");
    const signature = crypto.createHash("sha1").update(["sandboxtoken1", timestamp, nonce].sort().join("")).digest("hex");
    const echostr = "echo-" + crypto.randomBytes(4).toString("hex");
    const url = `${stack.url}/api/wechat/callback/${stack.appid}?signature=${signature}&timestamp=${timestamp}&nonce=${nonce}&echostr=${echostr}`;
    const res = await pb.wx.fetch(url);
    assert.equal(res.status, 200);
    assert.equal(res.ok, true);
    assert.match(res.headers.get("Content-Type"), /text\/plain/);
    assert.equal(await res.text(), echostr);
    const missing = await pb.wx.fetch(stack.url + "/api/collections/nope/records");
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).status, 404);
});

test("a call times out after the client's timeout, or the call's own", async () => {
    const { pb } = openApp(stack, { client: { url: blackHoleUrl(), timeout: 300 } });
    const started = Date.now();
    await assert.rejects(pb.collection("posts").getList(), (err) => {
        assert.equal(err.status, 0);
        assert.equal(err.isAbort, false);
        assert.match(err.message, /timed out after 300 ms/);
        return true;
    });
    assert.ok(Date.now() - started < 3000);
    await assert.rejects(pb.send("/api/health", { timeout: 100 }), (err) => /after 100 ms/.test(err.message));
});

test("a call is aborted through the package's AbortController, and pb.cancelAllRequests", async () => {
    const { pb, pkg, rt } = openApp(stack, { client: { url: blackHoleUrl() } });
    const controller = new pkg.AbortController();
    const before = closedByClient;
    const pending = pb.collection("posts").getList(1, 30, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(pending, (err) => err.isAbort === true);
    assert.equal(rt.log.at(-1).error, "abort");
    const other = pb.send("/api/health", { requestKey: "health" });
    setTimeout(() => pb.cancelAllRequests(), 50);
    await assert.rejects(other, (err) => err.isAbort === true);
    const closed = () => closedByClient - before >= 2;
    for (let i = 0; i < 40 && !closed(); i++) {
        await new Promise((r) => setTimeout(r, 25));
    }
    assert.ok(closed(), "the aborted connections were closed");
});

test("auto-cancellation: a newer identical read on the same page wins; pages and writes don't cancel", async () => {
    const { pb, rt } = openApp(stack);
    const me = (await pb.wx.login()).record;
    const feed = rt.openPage("pages/feed/feed");
    const first = pb.collection("posts").getList(1, 5);
    const second = pb.collection("posts").getList(1, 5);
    await assert.rejects(first, (err) => err.isAbort);
    assert.ok((await second).items);

    // another page asking the same thing does not cancel the first page's call
    const onFeed = pb.collection("posts").getList(1, 5);
    rt.openPage("pages/post/post");
    const onPost = pb.collection("posts").getList(1, 5);
    assert.ok((await onFeed).items && (await onPost).items);

    // two creates in a row both land
    const [a, b] = await Promise.all([
        pb.collection("posts").create({ title: "a", status: "draft", owner: me.id }),
        pb.collection("posts").create({ title: "b", status: "draft", owner: me.id }),
    ]);
    assert.notEqual(a.id, b.id);

    // an explicit requestKey cancels across pages; null opts out; autoCancellation(false) turns it off
    const k1 = pb.collection("posts").getList(1, 5, { requestKey: "search" });
    rt.closePage();
    const k2 = pb.collection("posts").getList(1, 5, { requestKey: "search" });
    await assert.rejects(k1, (err) => err.isAbort);
    await k2;
    pb.autoCancellation(false);
    await Promise.all([pb.collection("posts").getList(1, 5), pb.collection("posts").getList(1, 5)]);
    assert.equal(rt.pages.at(-1), feed);
});

test("reads of a page that was closed are dropped", async () => {
    const { pb, rt } = openApp(stack, { client: { url: blackHoleUrl(), timeout: 5000 } });
    rt.openPage("pages/feed/feed");
    rt.openPage("pages/post/post");
    const read = pb.collection("comments").getList(1, 20);
    const write = pb.send("/api/something", { method: "POST", body: {} });
    write.catch(() => {});
    await sleep(50); // both are on the wire
    rt.closePage(); // back to the feed
    const next = pb.collection("posts").getList(1, 5);
    next.catch(() => {});
    await assert.rejects(read, (err) => err.isAbort);
    pb.cancelAllRequests();
    await assert.rejects(write, (err) => err.isAbort); // only by the explicit cancel-all
});

test("the Taro adapter: no global wx, the same client", async () => {
    const { pb, rt } = openApp(stack, { adapter: "taro" });
    assert.equal(rt.eval("typeof wx"), "undefined");
    const me = (await pb.wx.login()).record;
    const post = await pb.collection("posts").create({ title: "from taro", status: "published", owner: me.id });
    assert.equal((await pb.collection("posts").getOne(post.id)).title, "from taro");
    assert.ok(requestsTo(rt, /\/api\/wechat\/login$/).length === 1);
});
