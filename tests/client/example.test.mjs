// The example mini-program (examples/miniprogram), run as WeChat runs it: app.js then its pages, driven through
// their lifecycle and handlers, against the local stack. Only config.js is swapped, to point at the test stack.
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { openApp, uniqueName, until, useStack } from "./harness/app.mjs";
import { httpRequest } from "./harness/http.mjs";
import { MiniProgram } from "./harness/runtime.mjs";

const stack = useStack();

test("the example app: sign-in, feed, a post with a cover, comments, live updates and a reminder", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wxbase-example-"));
    const rt = new MiniProgram({ dir, user: "ignored", appid: stack.appid });
    stack.apps.push({ rt });
    const sandboxUser = uniqueName("alice");
    const app = rt.launch({ "config.js": {
        url: stack.url, appid: stack.appid, sandboxUser, replyTemplateId: "tmpl-reply",
        realtime: { interval: 200, maxInterval: 1000 }, // quicker polls than the app's defaults, for the test's sake
    } });
    await until(() => app.pb.authStore.isValid, { message: "the sign-in at launch" });
    assert.equal(rt.logins, 0); // the sandbox user's code, not wx.login
    const me = app.pb.authStore.record;

    const feed = rt.navigateTo("pages/feed/feed");
    await until(() => feed.data.page === 1 && !feed.data.loading, { message: "the first page" });

    // write a post with a cover: progress shows, then back on the feed it is first
    const cover = crypto.randomBytes(200 * 1024);
    rt.ui.chosenFile = rt.writeTempFile("trip.png", cover);
    feed.write();
    const edit = await until(() => rt.pages.at(-1).route === "pages/edit/edit" && rt.pages.at(-1), { message: "the editor" });
    edit.titled({ detail: { value: "My trip" } });
    edit.wrote({ detail: { value: "<p>Mountains</p>" } });
    edit.chooseCover();
    await until(() => edit.data.coverPath, { message: "the chosen cover" });
    await edit.save();
    assert.equal(edit.data.progress, 100);
    await until(() => rt.pages.at(-1) === feed && feed.data.posts[0] && feed.data.posts[0].title === "My trip", { message: "the new post on the feed" });
    const post = feed.data.posts[0];
    assert.equal(post.owner, me.id);
    const image = await httpRequest(post.coverUrl);
    assert.equal(image.status, 200);
    assert.ok(image.bytes.equals(cover));

    // more posts from someone else: infinite scroll, pull-to-refresh, and the live "new posts" banner
    const writer = openApp(stack);
    const author = (await writer.pb.wx.login()).record;
    for (let i = 0; i < 11; i++) {
        await writer.pb.collection("posts").create({ title: `post ${i}`, status: "published", owner: author.id });
    }
    feed.onPullDownRefresh();
    await until(() => rt.ui.stoppedRefresh === 1, { message: "the refresh to stop" });
    assert.equal(feed.data.posts.length, 10);
    assert.equal(feed.data.more, true);
    feed.onReachBottom();
    await until(() => feed.data.page === 2 && !feed.data.loading, { message: "the second page" });
    assert.ok(feed.data.posts.length > 10);
    assert.equal(new Set(feed.data.posts.map((p) => p.id)).size, feed.data.posts.length);
    await writer.pb.collection("posts").create({ title: "breaking", status: "published", owner: author.id });
    await until(() => feed.data.fresh >= 1, { message: "the new-post banner" });
    feed.showFresh();
    await until(() => feed.data.fresh === 0 && feed.data.posts[0].title === "breaking", { message: "the new post shown" });

    // the post page: comments (own and live), and the subscribe-message reminder
    feed.open({ currentTarget: { dataset: { id: post.id } } });
    const page = await until(() => rt.pages.at(-1).route === "pages/post/post" && rt.pages.at(-1), { message: "the post page" });
    await until(() => page.data.post && page.unsubscribe, { message: "the post and its comments" });
    assert.equal(page.data.post.title, "My trip");
    page.typed({ detail: { value: "Nice view!" } });
    await page.send();
    assert.deepEqual(Array.from(page.data.comments, (c) => c.text), ["Nice view!"]);
    await writer.pb.collection("comments").create({ post: post.id, author: author.id, text: "Where is this?" });
    await until(() => page.data.comments.length === 2, { message: "the live comment" });
    page.notifyMe();
    await until(() => rt.ui.toasts.includes("Reminder sent"), { message: "the reminder" });
    const sent = await httpRequest(`${stack.sandboxUrl}/sandbox/sent?appid=${stack.appid}`);
    assert.ok(JSON.stringify(sent.json).includes("tmpl-reply"), JSON.stringify(sent.json).slice(0, 500));

    rt.navigateBack(); // the post page unsubscribes
    rt.navigateBack(); // and the feed
    assert.equal(rt.pages.length, 0);
    await until(() => rt.pendingTimers() === 0, { message: "no polling left" });
    assert.deepEqual(rt.ui.toasts.filter((t) => t !== "Reminder sent"), []);
});

test("the example app's buy button pays for a coffee through the sandbox, and a cancel says so", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wxbase-example-"));
    const rt = new MiniProgram({ dir, user: "ignored", appid: stack.appid, sandboxUrl: stack.sandboxUrl });
    stack.apps.push({ rt });
    const app = rt.launch({ "config.js": { url: stack.url, appid: stack.appid, sandboxUser: uniqueName("buyer"),
        replyTemplateId: "tmpl-reply", realtime: { interval: 200, maxInterval: 1000 } } });
    await until(() => app.pb.authStore.isValid, { message: "the sign-in at launch" });
    const feed = rt.navigateTo("pages/feed/feed");
    await until(() => feed.data.me, { message: "the signed-in feed" });
    await feed.buy();
    assert.deepEqual(rt.ui.toasts, ["Paid ¥18.00"]);
    rt.ui.payAnswer = "cancel";
    await feed.buy();
    assert.deepEqual(rt.ui.toasts, ["Paid ¥18.00", "Payment cancelled"]);
    const payments = await app.pb.collection("payments").getFullList({ sort: "created" });
    assert.equal(payments.map((p) => p.status).join(), "SUCCESS,NOTPAY");
    rt.navigateBack();
    await until(() => rt.pendingTimers() === 0, { message: "no timers left" });
});
