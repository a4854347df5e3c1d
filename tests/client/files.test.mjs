// Uploads straight to S3 (a presigned POST through wx.uploadFile; above 10 MB a multipart upload with parallel,
// retried parts, aborted on failure) and file links for <image>, public and protected.
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { test } from "node:test";
import { openApp, requestsTo, useStack } from "./harness/app.mjs";
import { httpRequest } from "./harness/http.mjs";

const stack = useStack();
const MB = 1024 * 1024;

test("a small cover goes up through wx.uploadFile with progress, and its link serves the same bytes", async () => {
    const { pb, rt } = openApp(stack);
    const me = (await pb.wx.login()).record;
    const bytes = crypto.randomBytes(300 * 1024);
    const filePath = rt.writeTempFile("cover.png", bytes);
    const progress = [];
    const up = await pb.wx.upload({ collection: "posts", field: "cover", filePath, onProgress: (e) => progress.push(e.progress) });
    assert.match(up.recordId, /^[a-z0-9]{15}$/);
    assert.ok(up.name.endsWith(".png"));
    const [sign] = requestsTo(rt, /\/api\/files\/upload$/, "POST");
    assert.deepEqual(JSON.parse(sign.body), { collection: "posts", field: "cover", filename: "cover.png", size: bytes.length, contentType: "image/png" });
    const [form] = rt.log.filter((e) => e.api === "uploadFile");
    assert.equal(form.status, 204);
    assert.ok(progress.length >= 3, `progress events: ${progress}`);
    assert.equal(progress.at(-1), 100);
    assert.deepEqual([...progress].sort((a, b) => a - b), progress);

    const post = await pb.collection("posts").create({ id: up.recordId, title: "with cover", status: "published", cover: up.name, owner: me.id });
    assert.equal(post.cover, up.name);
    const link = pb.wx.fileUrl(post, post.cover);
    assert.equal(link, `${stack.url}/api/files/${post.collectionId}/${post.id}/${post.cover}`);
    const got = await httpRequest(link); // as an <image> tag loads it: no headers, redirects followed
    assert.equal(got.status, 200);
    assert.ok(got.bytes.equals(bytes));
    assert.equal(pb.wx.fileUrl(post, post.cover, { thumb: "300x200" }), link + "?thumb=300x200");
});

test("a new cover for an existing record", async () => {
    const { pb, rt } = openApp(stack);
    const me = (await pb.wx.login()).record;
    const post = await pb.collection("posts").create({ title: "later cover", status: "draft", owner: me.id });
    const filePath = rt.writeTempFile("photo.jpg", crypto.randomBytes(2048));
    const up = await pb.wx.upload({ collection: "posts", recordId: post.id, field: "cover", filePath });
    assert.equal(up.recordId, post.id);
    const updated = await pb.collection("posts").update(post.id, { cover: up.name });
    assert.equal(updated.cover, up.name);
    // a draft's cover is not public: the link needs a file token
    assert.equal((await httpRequest(pb.wx.fileUrl(updated, updated.cover))).status, 404);
    const token = await pb.wx.fileToken();
    assert.equal(await pb.wx.fileToken(), token); // reused while fresh
    assert.equal((await httpRequest(pb.wx.fileUrl(updated, updated.cover, { token }))).status, 200);
});

test("above 10 MB the parts go up in parallel, a failed part is retried, and the protected link needs a token", async () => {
    const { pb, rt } = openApp(stack);
    const me = (await pb.wx.login()).record;
    const bytes = crypto.randomBytes(20 * MB + 123);
    const filePath = rt.writeTempFile("video.mp4", bytes);
    rt.fail("request", (o) => o.method === "PUT" && /[?&]partNumber=2(&|$)/.test(o.url), { errMsg: "timeout" });
    const progress = [];
    const up = await pb.wx.upload({ collection: "documents", field: "attachment", filePath, onProgress: (e) => progress.push(e) });

    const ticket = JSON.parse(requestsTo(rt, /\/api\/files\/upload$/, "POST")[0].response);
    assert.equal(ticket.multipart, true);
    assert.equal(ticket.parts.length, 3);
    const puts = rt.log.filter((e) => e.method === "PUT");
    const byPart = (n) => puts.filter((p) => new RegExp(`[?&]partNumber=${n}(&|$)`).test(p.url));
    assert.deepEqual(byPart(1).map((p) => p.status), [200]);
    assert.deepEqual(byPart(2).map((p) => p.error || p.status), ["timeout", 200]);
    assert.deepEqual(byPart(3).map((p) => p.status), [200]);
    assert.ok(rt.inflight.maxPut >= 2, "parts were sent in parallel");
    assert.deepEqual(requestsTo(rt, /\/api\/files\/upload\/complete$/).map((e) => e.status), [200]);
    assert.deepEqual({ ...progress.at(-1) }, { progress: 100, loaded: bytes.length, total: bytes.length });

    const doc = await pb.collection("documents").create({ id: up.recordId, title: "big", attachment: up.name, owner: me.id });
    const link = pb.wx.fileUrl(doc, doc.attachment);
    assert.equal((await httpRequest(link)).status, 404); // protected: not without a token
    const got = await httpRequest(pb.wx.fileUrl(doc, doc.attachment, { token: await pb.wx.fileToken() }));
    assert.equal(got.status, 200);
    assert.ok(got.bytes.equals(bytes));
});

test("a part that keeps failing aborts the whole upload", async () => {
    const { pb, rt } = openApp(stack, { client: { upload: { retryDelay: 10 } } });
    await pb.wx.login();
    const filePath = rt.writeTempFile("huge.bin", crypto.randomBytes(17 * MB));
    rt.fail("request", (o) => o.method === "PUT" && /[?&]partNumber=2(&|$)/.test(o.url), { statusCode: 500, body: "<Error><Message>We encountered an internal error.</Message></Error>", times: 100 });
    await assert.rejects(pb.wx.upload({ collection: "documents", field: "attachment", filePath }), (err) => {
        assert.equal(err.status, 500);
        assert.match(err.message, /internal error/);
        return true;
    });
    const ticket = JSON.parse(requestsTo(rt, /\/api\/files\/upload$/, "POST")[0].response);
    const part2 = rt.log.filter((e) => e.method === "PUT" && /[?&]partNumber=2(&|$)/.test(e.url));
    assert.equal(part2.length, 4); // the first try and 3 retries
    assert.deepEqual(requestsTo(rt, /\/api\/files\/upload\/complete$/), []);
    const aborts = requestsTo(rt, /\/api\/files\/upload\/abort$/, "POST");
    assert.deepEqual(aborts.map((e) => e.status), [204]);
    assert.deepEqual(JSON.parse(aborts[0].body), { key: ticket.key, uploadId: ticket.uploadId });
    // the upload is gone: it can't be completed any more
    const late = await httpRequest(stack.url + "/api/files/upload/complete", {
        method: "POST", headers: { Authorization: pb.authStore.token }, body: { key: ticket.key, uploadId: ticket.uploadId },
    });
    assert.equal(late.status, 400);
});

test("upload checks its arguments and reports refusals", async () => {
    const { pb, rt } = openApp(stack);
    await pb.wx.login();
    await assert.rejects(pb.wx.upload({ collection: "posts", field: "cover" }), /filePath is required/);
    const filePath = rt.writeTempFile("notes.txt", Buffer.from("hello"));
    await assert.rejects(pb.wx.upload({ collection: "posts", field: "cover", filePath }), (err) => err.status === 400 && /text\/plain/.test(err.message));
    await assert.rejects(pb.wx.upload({ collection: "posts", field: "cover", filePath: "wxfile://tmp/missing.png" }), /no such file/);
});
