// The official PocketBase JS SDK calls wxbase's functions with pb.send, as a mini-program would. Run by
// tests/sdk/test_functions_sdk.py with WXBASE_URL, APPID, TOKEN and USER in the environment.
import assert from "node:assert/strict";
import PocketBase, { ClientResponseError } from "pocketbase";

const pb = new PocketBase(process.env.WXBASE_URL);
pb.autoCancellation(false);
pb.authStore.save(process.env.TOKEN, { id: process.env.USER, collectionId: "_pb_users_auth_", collectionName: "users" });

const me = await pb.send("/api/functions/whoami", { method: "POST", body: {} });
assert.equal(me.id, process.env.USER);
assert.equal(me.appid, process.env.APPID);
assert.match(me.openid, /./);

const echoed = await pb.send("/api/functions/fx_echo", { method: "POST", body: { items: [1, 2], note: "hi" } });
assert.deepEqual(echoed.body, { items: [1, 2], note: "hi" });
assert.equal(echoed.user, process.env.USER);

async function failure(path, options) {
  try {
    await pb.send(path, options);
  } catch (err) {
    assert.ok(err instanceof ClientResponseError, String(err));
    return err;
  }
  assert.fail(`${path} answered`);
}

const refused = await failure("/api/functions/fx_refuse", { method: "POST", body: {} });
assert.equal(refused.status, 400);
assert.equal(refused.response.data.qty.code, "validation_max_number_constraint");
const crashed = await failure("/api/functions/fx_boom", { method: "POST", body: { secret: "x" } });
assert.equal(crashed.status, 500);
assert.match(crashed.response.message, /request id/);
assert.equal((await failure("/api/functions/fx_admin", { method: "POST", body: {} })).status, 403);
assert.equal((await failure("/api/functions/nope", { method: "POST", body: {} })).status, 404);
console.log("ok");
