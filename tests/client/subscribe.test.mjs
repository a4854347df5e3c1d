// Subscriptions by polling on `updated` (transport "polling", or a server without a realtime endpoint; the socket
// transport is in realtime.test.mjs): events for creates and updates (and deletes on record topics), the list rule
// and filters applied, pauses while the page or the app is hidden, an end when the page closes, and the SDK's own
// subscribe routed here.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openApp, requestsTo, sleep, twoUsers, until, useStack } from "./harness/app.mjs";

const stack = useStack();
const FAST = { realtime: { interval: 150, maxInterval: 600, transport: "polling" } };

const polls = (rt, collection) => requestsTo(rt, new RegExp(`/api/collections/${collection}/records\\?`), "GET");

test("a collection subscription hears creates and updates; unsubscribe stops it", async () => {
    const { watcher, writer, author } = await twoUsers(stack, FAST);
    const events = [];
    const unsubscribe = watcher.pb.wx.subscribe("posts", "*", (e) => events.push({ action: e.action, id: e.record.id, title: e.record.title }));
    await unsubscribe.ready;
    assert.equal(requestsTo(watcher.rt, /\/api\/realtime/).length, 0); // polling: no socket asked for
    assert.equal(watcher.rt.sockets, 0);

    const post = await writer.pb.collection("posts").create({ title: "new", status: "published", owner: author.id });
    await until(() => events.length >= 1, { message: "the create event" });
    assert.deepEqual(events[0], { action: "create", id: post.id, title: "new" });
    await writer.pb.collection("posts").update(post.id, { title: "edited" });
    await until(() => events.length >= 2, { message: "the update event" });
    assert.deepEqual(events[1], { action: "update", id: post.id, title: "edited" });
    // someone else's draft is not theirs to see (the list rule applies)
    await writer.pb.collection("posts").create({ title: "secret draft", status: "draft", owner: author.id });
    await sleep(700);
    assert.equal(events.length, 2);

    unsubscribe();
    assert.equal(watcher.rt.pendingTimers(), 0); // no loop left behind
    const asked = polls(watcher.rt, "posts").length;
    await writer.pb.collection("posts").create({ title: "after", status: "published", owner: author.id });
    await sleep(500);
    assert.equal(events.length, 2);
    assert.equal(polls(watcher.rt, "posts").length, asked);
});

test("a filter narrows the events, and a record topic hears its updates and its delete", async () => {
    const { watcher, writer, author } = await twoUsers(stack, FAST);
    const food = [];
    const one = [];
    const unsubFood = watcher.pb.wx.subscribe("posts", "*", (e) => food.push(e.record.title), { filter: 'tags:each ?= "food"' });
    const post = await writer.pb.collection("posts").create({ title: "watched", status: "published", owner: author.id });
    const unsubOne = watcher.pb.wx.subscribe("posts", post.id, (e) => one.push(e.action + ":" + e.record.title));
    await Promise.all([unsubFood.ready, unsubOne.ready]);
    await writer.pb.collection("posts").create({ title: "noodles", status: "published", tags: ["food"], owner: author.id });
    await writer.pb.collection("posts").create({ title: "trains", status: "published", tags: ["travel"], owner: author.id });
    await writer.pb.collection("posts").update(post.id, { title: "watched, edited" });
    await until(() => food.length >= 1 && one.length >= 1, { message: "filtered and record events" });
    await writer.pb.collection("posts").delete(post.id);
    await until(() => one.length >= 2, { message: "the delete event" });
    await sleep(400);
    assert.deepEqual(food, ["noodles"]);
    assert.deepEqual(one, ["update:watched, edited", "delete:watched, edited"]);
    unsubFood();
    unsubOne();
    assert.equal(watcher.rt.pendingTimers(), 0);
});

test("the SDK's own pb.collection(...).subscribe works without EventSource", async () => {
    const { watcher, writer, me, author } = await twoUsers(stack, FAST);
    const post = await writer.pb.collection("posts").create({ title: "talk", status: "published", owner: author.id });
    const heard = [];
    const unsubscribe = await watcher.pb.collection("comments").subscribe("*", (e) => heard.push(e.action + ":" + e.record.text), { filter: `post = "${post.id}"` });
    assert.equal(typeof unsubscribe, "function");
    await writer.pb.collection("comments").create({ post: post.id, author: author.id, text: "first!" });
    await until(() => heard.length >= 1, { message: "the comment event" });
    assert.deepEqual(heard, ["create:first!"]);
    assert.equal(watcher.pb.realtime.isConnected, true);
    await watcher.pb.collection("comments").unsubscribe();
    assert.equal(watcher.rt.pendingTimers(), 0);
    await assert.rejects(watcher.pb.realtime.subscribe("logs", () => {}), /<collection>\/\*/);
    assert.ok(me.id);
});

test("polls pause while the page is hidden or the app is in the background, and end when the page closes", async () => {
    const { watcher, writer, author } = await twoUsers(stack, FAST);
    const { rt, pb } = watcher;
    const feed = rt.openPage("pages/feed/feed");
    const events = [];
    const unsubscribe = pb.wx.subscribe("posts", "*", (e) => events.push(e.record.title));
    await unsubscribe.ready;

    rt.openPage("pages/post/post"); // the feed is hidden under it
    await sleep(200);
    const hiddenFrom = polls(rt, "posts").length;
    await writer.pb.collection("posts").create({ title: "while away", status: "published", owner: author.id });
    await sleep(700);
    assert.equal(polls(rt, "posts").length, hiddenFrom);
    assert.deepEqual(events, []);
    rt.closePage(); // back on the feed: it catches up
    await until(() => events.length === 1, { message: "the catch-up event" });
    assert.deepEqual(events, ["while away"]);

    rt.hideApp();
    await sleep(200);
    const backgroundFrom = polls(rt, "posts").length;
    await writer.pb.collection("posts").create({ title: "in background", status: "published", owner: author.id });
    await sleep(600);
    assert.equal(polls(rt, "posts").length, backgroundFrom);
    rt.showApp();
    await until(() => events.length === 2, { message: "the event after coming back" });

    rt.closePage(); // the feed closes without unsubscribing
    assert.equal(rt.pages.indexOf(feed), -1);
    await until(() => rt.pendingTimers() === 0, { message: "the loop to end" });
});

test("polls slow down while nothing changes", async () => {
    const { watcher } = await twoUsers(stack, FAST);
    const unsubscribe = watcher.pb.wx.subscribe("favourites", "*", () => {});
    await unsubscribe.ready;
    await sleep(2500);
    const times = polls(watcher.rt, "favourites").map((e) => e.at);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    assert.ok(gaps.length >= 3, `gaps: ${gaps}`);
    assert.ok(gaps.at(-1) > gaps[1] * 1.5, `gaps grow: ${gaps}`);
    assert.ok(gaps.every((g) => g < 900), `bounded by maxInterval: ${gaps}`);
    unsubscribe();
});

test("a subscription that can't start says so and leaves nothing running", async () => {
    const { watcher } = await twoUsers(stack, FAST);
    await assert.rejects(watcher.pb.collection("nope").subscribe("*", () => {}), (err) => err.status === 404);
    assert.equal(watcher.rt.pendingTimers(), 0);
    const errors = [];
    const unsubscribe = watcher.pb.wx.subscribe("nope", "*", () => {}, { onError: (err) => errors.push(err.status) });
    await assert.rejects(unsubscribe.ready, (err) => err.status === 404);
    assert.deepEqual(errors, [404]);
    unsubscribe();
    assert.equal(watcher.rt.pendingTimers(), 0);
});
