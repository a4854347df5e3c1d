// The official PocketBase JS SDK signs in with a wx.login code through authWithOAuth2Code("wechat", …) and
// refreshes its token. Run by tests/test_login_sdk.py with WXBASE_URL and APPID in the environment.
import assert from "node:assert/strict";
import PocketBase from "pocketbase";

const pb = new PocketBase(process.env.WXBASE_URL);
pb.autoCancellation(false);
const auth = await pb.collection("users").authWithOAuth2Code("wechat", "sandbox-sdk-oauth", "", "",
  { appid: process.env.APPID });
assert.ok(pb.authStore.isValid);
assert.equal(pb.authStore.record.id, auth.record.id);
assert.equal(auth.record.collectionName, "users");
assert.equal(auth.meta.appid, process.env.APPID);
const first = pb.authStore.token;
await new Promise((resolve) => setTimeout(resolve, 1100)); // a new iat makes a different token
const refreshed = await pb.collection("users").authRefresh();
assert.equal(refreshed.record.id, auth.record.id);
assert.notEqual(pb.authStore.token, first);
const again = await new PocketBase(process.env.WXBASE_URL).collection("users")
  .authWithOAuth2Code("wechat", "sandbox-sdk-oauth", "", "", { appid: process.env.APPID });
assert.equal(again.record.id, auth.record.id);
assert.equal(again.meta.isNew, false);
console.log("ok");
