// pb.wx.subscribe over the server's WebSocket (GET /api/realtime gives its URL): one wx.connectSocket for every
// subscription, rules per user, reconnection with catch-up from the change feed, heartbeats, records over the
// frame limit read transparently, and WeChat's limit of 5 sockets in the simulated runtime.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_SOCKETS } from "./harness/runtime.mjs";
import { openApp, requestsTo, sleep, twoUsers, until, useStack } from "./harness/app.mjs";

const stack = useStack();
const FAST = { realtime: { heartbeat: 300, reconnectDelay: 300, maxReconnectDelay: 600 } };

const sent = (rt, type) => rt.socketLog.filter((m) => m.dir === "out" && JSON.parse(m.data).type === type);

test("every subscription shares one socket; events follow the rules; unsubscribing ends it", async () => {
    const { watcher, writer, me, author } = await twoUsers(stack, FAST);
    const { rt, pb } = watcher;
    const feed = [];
    const mine = [];
    const unsubFeed = pb.wx.subscribe("posts", "*", (e) => feed.push(e.action + ":" + e.record.title), { filter: `owner = "${author.id}"` });
    const unsubMine = pb.wx.subscribe("favourites", "*", (e) => mine.push(e.action + ":" + e.record.note));
    await Promise.all([unsubFeed.ready, unsubMine.ready]);
    assert.equal(rt.sockets, 1);
    assert.equal(rt.openSockets.size, 1);
    assert.equal(requestsTo(rt, /\/api\/realtime$/).length, 1);
    await until(() => sent(rt, "subscribe").length === 2, { message: "both subscriptions sent" });
    assert.equal(sent(rt, "auth").length, 1);

    await writer.pb.collection("posts").create({ title: "someone's draft", status: "draft", owner: author.id });
    const post = await writer.pb.collection("posts").create({ title: "published", status: "published", owner: author.id });
    await pb.collection("favourites").create({ user: me.id, post: post.id, note: "keep" });
    await until(() => feed.length >= 1 && mine.length >= 1, { message: "the events" });
    await sleep(1500); // past the catch-up: nothing more, nothing twice
    assert.deepEqual(feed, ["create:published"]);
    assert.deepEqual(mine, ["create:keep"]);

    unsubFeed();
    unsubMine();
    await until(() => rt.openSockets.size === 0, { message: "the socket to close" });
    assert.equal(rt.pendingTimers(), 0);
    await writer.pb.collection("posts").create({ title: "after", status: "published", owner: author.id });
    await sleep(400);
    assert.deepEqual(feed, ["create:published"]);
});

test("a dropped socket reconnects with backoff and catches up on what it missed, once each", async () => {
    const { watcher, writer, author } = await twoUsers(stack, FAST);
    const { rt, pb } = watcher;
    const heard = [];
    // only this author's posts: a subscription also hears of changes made up to a second before it started
    const unsubscribe = pb.wx.subscribe("posts", "*", (e) => heard.push(e.action + ":" + e.record.title), { filter: `owner = "${author.id}"` });
    await unsubscribe.ready;
    const first = await writer.pb.collection("posts").create({ title: "before", status: "published", owner: author.id });
    await until(() => heard.length >= 1, { message: "the first event" });

    rt.fail("connectSocket", () => true, { times: 2, errMsg: "connectSocket:fail network is down" });
    [...rt.openSockets][0].server.close(); // the network drops the socket
    await writer.pb.collection("posts").update(first.id, { title: "edited offline" });
    await writer.pb.collection("posts").create({ title: "made offline", status: "published", owner: author.id });
    await writer.pb.collection("posts").delete(first.id);
    await until(() => heard.length >= 4, { message: "the missed events", timeout: 20000 });
    await sleep(1500);
    assert.deepEqual(heard, ["create:before", "update:edited offline", "create:made offline", "delete:edited offline"]);
    assert.equal(rt.sockets, 4); // the first, two failed attempts, the one that worked
    assert.equal(rt.openSockets.size, 1);
    const live = await writer.pb.collection("posts").create({ title: "live again", status: "published", owner: author.id });
    await until(() => heard.length === 5, { message: "a live event after reconnecting" });
    assert.equal(heard[4], "create:" + live.title);
    unsubscribe();
    assert.equal(rt.pendingTimers(), 0);
});

test("heartbeats keep the socket checked, and a guest hears only what guests may see", async () => {
    const guest = openApp(stack, { client: FAST });
    const writer = openApp(stack);
    const author = (await writer.pb.wx.login()).record;
    const heard = [];
    const unsubscribe = guest.pb.wx.subscribe("posts", "*", (e) => heard.push(e.record.title), { filter: `owner = "${author.id}"` });
    await unsubscribe.ready;
    await sleep(1000);
    assert.ok(sent(guest.rt, "ping").length >= 2, "pings every heartbeat");
    assert.ok(guest.rt.socketLog.filter((m) => m.dir === "in" && m.data === '{"type":"pong"}').length >= 2);
    await writer.pb.collection("posts").create({ title: "hidden", status: "draft", owner: author.id });
    await writer.pb.collection("posts").create({ title: "public", status: "published", owner: author.id });
    await until(() => heard.length >= 1, { message: "the public post" });
    await sleep(1300);
    assert.deepEqual(heard, ["public"]);
    assert.equal(guest.rt.sockets, 1);
    unsubscribe();
});

test("a record over the frame limit arrives whole, read over HTTP", async () => {
    const { watcher, writer, author } = await twoUsers(stack, FAST);
    const heard = [];
    const unsubscribe = watcher.pb.wx.subscribe("posts", "*", (e) => heard.push(e.record), { filter: `owner = "${author.id}"` });
    await unsubscribe.ready;
    const content = "<p>" + "长".repeat(15000) + "</p>"; // 45 KB of UTF-8
    const post = await writer.pb.collection("posts").create({ title: "long", content, status: "published", owner: author.id });
    await until(() => heard.length === 1, { message: "the long post" });
    assert.equal(heard[0].id, post.id);
    assert.equal(heard[0].content, content);
    const stub = watcher.rt.socketLog.find((m) => m.dir === "in" && m.data.includes('"truncated":true'));
    assert.ok(stub && stub.data.length < 32 * 1024);
    unsubscribe();
});

test("the SDK's own subscribe uses the socket; a bad subscription rejects and leaves nothing running", async () => {
    const { watcher, writer, author } = await twoUsers(stack, FAST);
    const post = await writer.pb.collection("posts").create({ title: "talk", status: "published", owner: author.id });
    const heard = [];
    const unsubscribe = await watcher.pb.collection("comments").subscribe("*", (e) => heard.push(e.record.text), { filter: `post = "${post.id}"` });
    await writer.pb.collection("comments").create({ post: post.id, author: author.id, text: "first!" });
    await until(() => heard.length === 1, { message: "the comment" });
    assert.deepEqual(heard, ["first!"]);
    await unsubscribe();
    assert.equal(watcher.rt.pendingTimers(), 0);
    await assert.rejects(watcher.pb.collection("nope").subscribe("*", () => {}), (err) => err.status === 404);
    await assert.rejects(watcher.pb.collection("posts").subscribe("*", () => {}, { filter: "title ~" }), (err) => err.status === 400);
    assert.equal(watcher.rt.pendingTimers(), 0);
});

test("the simulated runtime allows WeChat's 5 sockets and no more", async () => {
    const app = openApp(stack);
    const url = (await app.pb.send("/api/realtime", {})).url;
    const tasks = [];
    for (let i = 0; i < MAX_SOCKETS; i++) {
        tasks.push(app.rt.wx.connectSocket({ url }));
    }
    const failed = await new Promise((resolve) => app.rt.wx.connectSocket({ url, fail: (res) => resolve(res.errMsg) }));
    assert.match(failed, /exceed max task count 5/);
    tasks[0].close({});
    assert.ok(app.rt.wx.connectSocket({ url }), "a socket can open once one closed");
    for (const task of [...app.rt.openSockets]) {
        task.close({});
    }
});
