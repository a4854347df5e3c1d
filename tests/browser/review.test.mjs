// The review queue: comments WeChat's content security flagged, approved and rejected in the browser.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { api, launch, login, openConsole, shot, signIn, startStack } from "./harness.mjs";

let stack, browser, key, flagged;
const COMMENTS = "/api/collections/comments/records";

before(async () => {
    stack = await startStack();
    browser = await launch();
    key = stack.keys.bob;
    const author = await login(stack, "review-author");
    const target = (await api(stack, "POST", "/api/collections/posts/records", { token: author.token,
        body: { title: "Review target", status: "published", owner: author.record.id } })).json;
    flagged = [];
    for (const text of ["sandbox-review keep me", "sandbox-review drop me"]) {
        const reply = await api(stack, "POST", COMMENTS, { token: author.token, body: { post: target.id, text } });
        assert.equal(reply.status, 200, reply.text);
        flagged.push(reply.json);
    }
});
after(async () => {
    await browser?.close();
    await stack?.stop();
});

test("approve one flagged record and reject another", async () => {
    const { page, errors } = await openConsole(browser, stack);
    await signIn(page, key);
    await page.getByRole("link", { name: "Review queue" }).click();
    const queue = page.getByRole("region", { name: "Records awaiting review" });
    const [keep, drop] = flagged;
    await queue.getByRole("row").filter({ hasText: keep.id }).waitFor();
    assert.ok((await queue.getByRole("row").filter({ hasText: keep.id }).textContent()).includes("text: sandbox-review keep me"));
    await shot(page, "20-review-queue");

    await queue.getByRole("button", { name: `Approve comments record ${keep.id}` }).click();
    await page.getByRole("status").filter({ hasText: `Approved comments record ${keep.id}.` }).waitFor();
    await queue.getByRole("row").filter({ hasText: keep.id }).waitFor({ state: "detached" });
    const kept = (await api(stack, "GET", `${COMMENTS}/${keep.id}`, { token: key })).json;
    assert.equal(kept.text, "sandbox-review keep me");
    assert.equal(kept["@review"], undefined);

    await queue.getByRole("button", { name: `Reject comments record ${drop.id}` }).click();
    const confirm = page.getByRole("dialog", { name: "Please confirm" });
    await confirm.getByRole("button", { name: "Cancel" }).click(); // a second thought: nothing happens
    assert.equal((await api(stack, "GET", `${COMMENTS}/${drop.id}`, { token: key })).status, 200);
    await queue.getByRole("button", { name: `Reject comments record ${drop.id}` }).click();
    await shot(page, "21-review-reject-confirm");
    await page.keyboard.press("Enter"); // the confirm button has focus
    await page.getByRole("status").filter({ hasText: `Rejected and deleted comments record ${drop.id}.` }).waitFor();
    assert.equal((await api(stack, "GET", `${COMMENTS}/${drop.id}`, { token: key })).status, 404);
    await page.getByText("Nothing is waiting for review.").waitFor();
    await shot(page, "22-review-empty");

    const audit = (await api(stack, "GET", "/api/admin/audit?perPage=5", { token: key })).json.items;
    assert.deepEqual(audit.slice(0, 2).map((e) => [e.admin, e.action, e.record]),
                     [["bob", "delete", drop.id], ["bob", "approve", keep.id]]);
    assert.deepEqual(errors, []);
});
