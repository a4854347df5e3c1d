// The official PocketBase JS SDK's pb.logs against wxbase's logs API, as an admin (ADMIN_KEY) and as a user.
// Run by tests/sdk/test_pocketbase_sdk.py with WXBASE_URL, ADMIN_KEY, TOKEN_A/USER_A and PROBE in the environment.
import assert from "node:assert/strict";
import PocketBase from "pocketbase";

const admin = new PocketBase(process.env.WXBASE_URL);
admin.autoCancellation(false);
admin.authStore.save(process.env.ADMIN_KEY, { id: "admin" });
const probe = process.env.PROBE;

const filter = admin.filter("message ~ {:probe} && message !~ '/api/logs'", { probe });
const list = await admin.logs.getList(1, 10, { filter, sort: "-created" });
assert.equal(list.totalItems, 2);
assert.deepEqual(list.items.map((e) => e.data.status), [404, 200]);
assert.deepEqual(Object.keys(list.items[0]).sort(), ["created", "data", "id", "level", "message"]);
const one = await admin.logs.getOne(list.items[1].id);
assert.deepEqual(one, list.items[1]);
const stats = await admin.logs.getStats({ filter });
assert.equal(stats.reduce((sum, s) => sum + s.total, 0), 2);
assert.match(stats[0].date, /^\d{4}-\d\d-\d\d \d\d:00:00\.000Z$/);

const user = new PocketBase(process.env.WXBASE_URL);
user.authStore.save(process.env.TOKEN_A, { id: process.env.USER_A, collectionId: "_pb_users_auth_", collectionName: "users" });
await assert.rejects(user.logs.getList(1, 1), (err) => err.status === 403);
console.log("ok");
