// The official PocketBase JS SDK against wxbase's records API. Run by tests/test_records_sdk.py with
// WXBASE_URL, TOKEN_A/USER_A and TOKEN_B/USER_B (two logged-in WeChat users) in the environment.
import assert from "node:assert/strict";
import PocketBase, { ClientResponseError } from "pocketbase";

const url = process.env.WXBASE_URL;
const as = (token, id) => {
  const pb = new PocketBase(url);
  pb.autoCancellation(false);
  if (token) pb.authStore.save(token, { id, collectionId: "_pb_users_auth_", collectionName: "users" });
  return pb;
};
const alice = as(process.env.TOKEN_A, process.env.USER_A);
const bob = as(process.env.TOKEN_B, process.env.USER_B);
const guest = as(null);

async function status(promise) {
  try {
    await promise;
    return 200;
  } catch (err) {
    assert.ok(err instanceof ClientResponseError, String(err));
    return err.status;
  }
}

const posts = alice.collection("posts");
const tag = `sdk-${Date.now()}`;
const created = [];
for (const [i, status_] of ["published", "draft", "published"].entries()) {
  created.push(await posts.create({ title: `${tag} ${i}`, status: status_, views: i }));
}
assert.equal(created[0].owner, process.env.USER_A);
assert.match(created[0].id, /^[a-z0-9]{15}$/);
assert.equal(created[0].collectionName, "posts");

const filter = alice.filter("owner = {:owner} && title ~ {:tag}", { owner: process.env.USER_A, tag });
const page = await posts.getList(1, 2, { filter, sort: "-views" });
assert.equal(page.totalItems, 3);
assert.equal(page.totalPages, 2);
assert.deepEqual(page.items.map((r) => r.views), [2, 1]);

const all = await posts.getFullList({ filter, sort: "views", batch: 2 });
assert.deepEqual(all.map((r) => r.title), created.map((r) => r.title));

const first = await posts.getFirstListItem(alice.filter("title = {:t}", { t: `${tag} 1` }));
assert.equal(first.id, created[1].id);

const one = await posts.getOne(created[0].id, { expand: "owner" });
assert.equal(one.title, `${tag} 0`);
assert.equal(one.expand.owner.id, process.env.USER_A);

const updated = await posts.update(created[0].id, { title: `${tag} renamed`, "views+": 5 });
assert.equal(updated.title, `${tag} renamed`);
assert.equal(updated.views, 5);

// validation error: ClientResponseError 400 with data.<field>.code
try {
  await posts.create({ status: "draft" });
  assert.fail("a post without a title was accepted");
} catch (err) {
  assert.ok(err instanceof ClientResponseError);
  assert.equal(err.status, 400);
  assert.equal(err.response.data.title.code, "validation_required");
  assert.equal(err.data.data.title.code, "validation_required");
}

// rules, with PocketBase's status codes
const draftId = created[1].id;
assert.equal(await status(bob.collection("posts").getOne(draftId)), 404);
assert.equal(await status(bob.collection("posts").update(draftId, { title: "mine now" })), 404);
assert.equal(await status(bob.collection("posts").delete(draftId)), 404);
assert.equal(await status(guest.collection("posts").create({ title: "anon", status: "draft" })), 400);
assert.equal(await status(bob.collection("users").delete(process.env.USER_B)), 403);
const seenByBob = await bob.collection("posts").getList(1, 50, { filter });
assert.deepEqual(seenByBob.items.map((r) => r.id).sort(), [created[0].id, created[2].id].sort());
assert.equal(await status(bob.collection("posts").getFirstListItem(`id = "${draftId}"`)), 404);

// delete
assert.equal(await posts.delete(created[0].id), true);
assert.equal(await status(posts.getOne(created[0].id)), 404);

console.log(JSON.stringify({ ok: true, checked: created.length }));
