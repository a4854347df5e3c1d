// Sign-in through wx.login, the auth state in wx storage across restarts, refresh before expiry, and the silent
// sign-in again when the token has expired or the server answers 401 for it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openApp, requestsTo, sleep, useStack } from "./harness/app.mjs";
import { signToken, tokenClaims } from "./harness/http.mjs";

const stack = useStack();
const DAY = 86400 * 1000;

test("login signs in with a wx.login code and the running mini-program's appid", async () => {
    const { rt, pb, user } = openApp(stack);
    const auth = await pb.wx.login();
    assert.equal(rt.logins, 1);
    const [call] = requestsTo(rt, /\/api\/wechat\/login$/, "POST");
    assert.deepEqual(JSON.parse(call.body), { code: "sandbox-" + user, appid: stack.appid });
    assert.equal(auth.meta.appid, stack.appid);
    assert.equal(auth.record.collectionName, "users");
    assert.ok(pb.authStore.isValid);
    assert.equal(pb.authStore.record.id, auth.record.id);
    assert.equal(rt.storage.wxbase_auth.token, auth.token);
    // the same person signs in to the same user
    const again = await pb.wx.login();
    assert.equal(again.record.id, auth.record.id);
    assert.equal(again.meta.isNew, false);
});

test("login takes another appid and a phone code", async () => {
    const { pb } = openApp(stack);
    const auth = await pb.wx.login({ appid: "wxsandbox00000002", phoneCode: "sandbox-phone-13800138123" });
    assert.equal(auth.meta.appid, "wxsandbox00000002");
    assert.equal(tokenClaims(pb.authStore.token).appid, "wxsandbox00000002");
    assert.match(JSON.stringify(auth.record), /13800138123/);
});

test("the sign-in survives a restart and is valid synchronously at start", async () => {
    const first = openApp(stack);
    const auth = await first.pb.wx.login();
    first.rt.close(); // the app is killed

    const second = openApp(stack, { dir: first.dir, user: first.user });
    assert.equal(second.pb.authStore.isValid, true); // no await, no tick
    assert.equal(second.pb.authStore.token, auth.token);
    assert.equal(second.pb.authStore.record.id, auth.record.id);
    const me = await second.pb.collection("users").getOne(auth.record.id);
    assert.equal(me.id, auth.record.id);
    assert.equal(second.rt.logins, 0);
});

test("a token close to expiry is refreshed before the call", async () => {
    const { rt, pb } = openApp(stack);
    const auth = await pb.wx.login();
    await sleep(1100); // a new iat makes a different token
    rt.advanceClock(4.6 * DAY); // of the 5-day token, less than a day is left by the phone's clock
    const list = await pb.collection("posts").getList(1, 5);
    assert.ok(Array.isArray(list.items));
    const refreshes = requestsTo(rt, /\/auth-refresh$/, "POST");
    assert.equal(refreshes.length, 1);
    assert.equal(refreshes[0].status, 200);
    assert.notEqual(pb.authStore.token, auth.token);
    assert.equal(pb.authStore.record.id, auth.record.id);
    assert.equal(rt.logins, 1);
    // the refresh happened before the call: the list went out with the new token
    const order = rt.log.map((e) => e.url.replace(stack.url, ""));
    assert.ok(order.indexOf("/api/collections/users/auth-refresh") < order.findIndex((u) => u.startsWith("/api/collections/posts/records")));
});

test("an expired token signs in again silently, once for many calls", async () => {
    const { rt, pb } = openApp(stack);
    const auth = await pb.wx.login();
    rt.advanceClock(6 * DAY);
    assert.equal(pb.authStore.isValid, false);
    const results = await Promise.all([
        pb.collection("posts").getList(1, 1, { requestKey: null }),
        pb.collection("comments").getList(1, 1, { requestKey: null }),
        pb.collection("users").getOne(auth.record.id),
    ]);
    assert.equal(results[2].id, auth.record.id);
    assert.equal(rt.logins, 2);
    assert.equal(requestsTo(rt, /\/api\/wechat\/login$/).length, 2);
    assert.equal(requestsTo(rt, /\/auth-refresh$/).length, 0);
});

test("a 401 for the stored token signs in again once and repeats the call", async () => {
    const { rt, pb } = openApp(stack);
    const auth = await pb.wx.login();
    // the server's own token, expired an hour ago; the phone's clock is two hours behind, so it looks valid here
    const now = Math.floor(Date.now() / 1000);
    const expired = signToken(stack.jwtSecret, { ...tokenClaims(auth.token), iat: now - 5 * 86400 - 3600, exp: now - 3600 });
    pb.authStore.save(expired, auth.record);
    rt.advanceClock(-2 * 3600 * 1000);
    assert.ok(pb.authStore.isValid);
    const token = await pb.files.getToken();
    assert.equal(tokenClaims(token).type, "file");
    const calls = requestsTo(rt, /\/api\/files\/token$/, "POST");
    assert.deepEqual(calls.map((c) => c.status), [401, 200]);
    assert.equal(rt.logins, 2);
    assert.notEqual(pb.authStore.token, expired);
    assert.equal(pb.authStore.record.id, auth.record.id);
});

test("after logout nothing signs in behind the user's back", async () => {
    const { rt, pb, dir, user } = openApp(stack);
    await pb.wx.login();
    pb.wx.logout();
    assert.equal(pb.authStore.isValid, false);
    assert.equal(rt.storage.wxbase_auth, undefined);
    await assert.rejects(pb.files.getToken(), (err) => err.status === 401);
    assert.equal(rt.logins, 1);
    rt.close();
    const again = openApp(stack, { dir, user });
    assert.equal(again.pb.authStore.isValid, false);
});
