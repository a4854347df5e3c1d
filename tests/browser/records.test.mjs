// Collections: browse with filter, sort, paging and column picking; edit; create with every field type and a file
// through the presigned upload; a validation error shown at its field; delete; the changes in the audit log.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { PNG, api, launch, login, openConsole, shot, signIn, startStack } from "./harness.mjs";

let stack, browser, key, post;
const SPECIMENS = "/api/collections/specimens/records";

before(async () => {
    stack = await startStack();
    browser = await launch();
    key = stack.keys.alice;
    const owner = await login(stack, "records-owner");
    post = (await api(stack, "POST", "/api/collections/posts/records", { token: owner.token,
        body: { title: "Relation target post", status: "published", owner: owner.record.id } })).json;
    for (let i = 1; i <= 12; i++) {
        const reply = await api(stack, "POST", SPECIMENS, { token: key,
            body: { title: `seed ${String(i).padStart(2, "0")}`, count: i, kind: i % 2 ? "plant" : "animal" } });
        assert.equal(reply.status, 200, reply.text);
    }
});
after(async () => {
    await browser?.close();
    await stack?.stop();
});

async function openSpecimens(page) {
    await signIn(page, key);
    await page.getByRole("link", { name: "specimens" }).click();
    await page.getByRole("heading", { name: "Collection specimens" }).waitFor();
    return page.getByRole("region", { name: "specimens records" });
}

const titles = (table) => table.locator("tbody tr td:nth-child(2)").allTextContents();

test("browse with filter, sort, paging and column picking", async () => {
    const { page, errors } = await openConsole(browser, stack);
    const table = await openSpecimens(page);
    await page.getByLabel("Per page").selectOption("10");
    await page.getByText("Page 1 of 2 · 12 records").waitFor();
    await table.getByRole("button", { name: "title" }).click();
    await table.locator('th[aria-sort="ascending"]', { hasText: "title" }).waitFor();
    assert.deepEqual((await titles(table)).slice(0, 2), ["seed 01", "seed 02"]);
    await page.getByRole("button", { name: "Next page" }).click();
    await page.getByText("Page 2 of 2 · 12 records").waitFor();
    assert.deepEqual(await titles(table), ["seed 11", "seed 12"]);
    await table.getByRole("button", { name: /title/ }).click();
    await table.locator('th[aria-sort="descending"]', { hasText: "title" }).waitFor();
    assert.equal((await titles(table))[0], "seed 12");
    await page.getByLabel("Filter", { exact: true }).fill('kind = "plant" && count > 4');
    await page.getByRole("button", { name: "Apply filter" }).click();
    await page.getByText("Page 1 of 1 · 4 records").waitFor();
    assert.deepEqual(await titles(table), ["seed 11", "seed 09", "seed 07", "seed 05"]);
    await shot(page, "10-records-filtered");
    await page.getByLabel("Filter", { exact: true }).fill("count >>> 3");
    await page.getByRole("button", { name: "Apply filter" }).click();
    await page.getByRole("alert").filter({ hasText: /filter/i }).waitFor();
    await page.getByLabel("Filter", { exact: true }).fill("");
    await page.getByRole("button", { name: "Apply filter" }).click();
    // columns: show `meta` (hidden by default), hide `count`; remembered
    await page.getByRole("button", { name: "Columns" }).click();
    assert.equal(await page.getByRole("button", { name: "Columns" }).getAttribute("aria-expanded"), "true");
    await page.getByRole("group", { name: "Columns to show" }).getByLabel("meta").check();
    await page.getByRole("group", { name: "Columns to show" }).getByLabel("count").uncheck();
    await table.getByRole("columnheader", { name: "meta" }).waitFor();
    assert.equal(await table.getByRole("columnheader", { name: "count" }).count(), 0);
    await shot(page, "11-records-columns");
    assert.deepEqual(errors, []);
});

test("edit a record, with the server's validation shown at the field", async () => {
    const { page, errors } = await openConsole(browser, stack);
    const table = await openSpecimens(page);
    await page.getByLabel("Filter", { exact: true }).fill('title = "seed 03"');
    await page.keyboard.press("Enter");
    await page.getByText("Page 1 of 1 · 1 records").waitFor();
    const id = (await table.locator("tbody tr td:first-child").textContent()).trim();
    await table.getByRole("button", { name: `Edit record ${id}` }).click();
    const dialog = page.getByRole("dialog", { name: `Edit specimens record ${id}` });
    await dialog.waitFor();
    await dialog.getByLabel("title (required)").fill("");
    await dialog.getByRole("button", { name: "Save changes" }).click();
    await dialog.locator(".field-error").filter({ hasText: /./ }).first().waitFor();
    assert.equal(await dialog.getByLabel("title (required)").getAttribute("aria-invalid"), "");
    await shot(page, "12-edit-validation");
    await dialog.getByLabel("title (required)").fill("seed 03 edited");
    await dialog.getByLabel("count").fill("33");
    await dialog.getByLabel("active").check();
    await dialog.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("status").filter({ hasText: `Saved record ${id}.` }).waitFor();
    const stored = (await api(stack, "GET", `${SPECIMENS}/${id}`, { token: key })).json;
    assert.equal(stored.title, "seed 03 edited");
    assert.equal(stored.count, 33);
    assert.equal(stored.active, true);
    // Escape closes a dialog without saving, and focus returns to the button that opened it
    await page.getByText("No records match.").waitFor(); // the title no longer matches the filter
    await page.getByLabel("Filter", { exact: true }).fill(`id = "${id}"`);
    await page.keyboard.press("Enter");
    await page.getByText("Page 1 of 1 · 1 records").waitFor();
    const edit = table.getByRole("button", { name: `Edit record ${id}` });
    await edit.click();
    await page.getByRole("dialog").getByLabel("title (required)").fill("never saved");
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "detached" });
    assert.ok(await edit.evaluate((el) => el === document.activeElement));
    assert.equal((await api(stack, "GET", `${SPECIMENS}/${id}`, { token: key })).json.title, "seed 03 edited");
    assert.deepEqual(errors, []);
});

test("create a record with every field type and a file, then delete it", async () => {
    const { page, errors } = await openConsole(browser, stack);
    await openSpecimens(page);
    await page.getByRole("button", { name: "New record" }).click();
    const dialog = page.getByRole("dialog", { name: "New specimens record" });
    await dialog.getByLabel("title (required)").fill("Created in the console");
    await dialog.getByLabel("count").fill("7");
    await dialog.getByLabel("active").check();
    await dialog.getByLabel("contact").fill("team@example.com");
    await dialog.getByLabel("site").fill("https://example.com/x");
    await dialog.getByRole("textbox", { name: "body" }).click();
    await page.keyboard.type("Hello ");
    await page.keyboard.press("Control+b");
    await page.keyboard.type("there");
    await dialog.getByLabel("due").fill("2030-05-06T07:08:09");
    await dialog.getByLabel("kind").selectOption("mineral");
    await dialog.getByRole("group", { name: "tags" }).getByLabel("rare").check();
    await dialog.getByRole("group", { name: "tags" }).getByLabel("new").check();
    await dialog.getByLabel("meta").fill('{"a": [1, 2]}');
    await dialog.getByLabel("Upload a file to photo").setInputFiles({ name: "leaf.png", mimeType: "image/png", buffer: PNG });
    await dialog.getByLabel("Search posts").fill("Relation target");
    await dialog.getByLabel("Search posts").press("Enter");
    await dialog.getByRole("button", { name: `Pick Relation target post (${post.id})` }).click();
    await dialog.getByRole("button", { name: `Remove ${post.id} from post` }).waitFor();
    assert.equal(await dialog.getByLabel("created").inputValue(), "set when saved");
    await shot(page, "13-create-form");
    await dialog.getByRole("button", { name: "Create record" }).click();
    const status = page.getByRole("status").filter({ hasText: /^Created record / });
    await status.waitFor();
    const id = (await status.textContent()).match(/record ([a-z0-9]{15})/)[1];
    const stored = (await api(stack, "GET", `${SPECIMENS}/${id}`, { token: key })).json;
    assert.equal(stored.title, "Created in the console");
    assert.equal(stored.count, 7);
    assert.equal(stored.active, true);
    assert.equal(stored.contact, "team@example.com");
    assert.equal(stored.site, "https://example.com/x");
    assert.equal(stored.body.replaceAll("&nbsp;", " "), "<p>Hello <b>there</b></p>"); // the space typed before bold
    assert.equal(stored.due, "2030-05-06 07:08:09.000Z");
    assert.equal(stored.kind, "mineral");
    assert.deepEqual([...stored.tags].sort(), ["new", "rare"]);
    assert.deepEqual(stored.meta, { a: [1, 2] });
    assert.equal(stored.post, post.id);
    assert.match(stored.photo, /^leaf_[a-z0-9]+\.png$/);
    assert.ok(stored.created);
    const file = await fetch(`${stack.url}/api/files/specimens/${id}/${stored.photo}`, { headers: { Authorization: key } });
    assert.deepEqual(Buffer.from(await file.arrayBuffer()), PNG); // followed the redirect to storage
    // invalid JSON is caught before anything is sent; then delete the record after confirming
    await page.getByLabel("Filter", { exact: true }).fill(`id = "${id}"`);
    await page.keyboard.press("Enter");
    await page.getByText("Page 1 of 1 · 1 records").waitFor();
    await page.getByRole("button", { name: `Edit record ${id}` }).click();
    const edit = page.getByRole("dialog", { name: `Edit specimens record ${id}` });
    await edit.getByRole("link", { name: stored.photo }).waitFor();
    await edit.getByLabel("meta").fill("{not json");
    await edit.getByRole("button", { name: "Save changes" }).click();
    await edit.getByRole("alert").filter({ hasText: "Not valid JSON." }).waitFor();
    await edit.getByRole("button", { name: "Delete record" }).click();
    await page.getByRole("dialog", { name: "Please confirm" }).getByRole("button", { name: "Delete record" }).click();
    await page.getByRole("status").filter({ hasText: `Deleted record ${id}.` }).waitFor();
    assert.equal((await api(stack, "GET", `${SPECIMENS}/${id}`, { token: key })).status, 404);
    // the audit log names alice for each change, with field names only
    await page.getByRole("link", { name: "Audit log" }).click();
    const audit = page.getByRole("region", { name: "Admin changes" });
    await audit.getByRole("row").filter({ hasText: id }).first().waitFor();
    const rows = await audit.getByRole("row").filter({ hasText: id }).allTextContents();
    assert.ok(rows[0].includes("alice") && rows[0].includes("delete"), rows[0]);
    assert.ok(rows.some((r) => r.includes("create") && r.includes("photo")), rows.join("\n"));
    assert.ok(!rows.join("").includes("Created in the console"));
    await shot(page, "14-audit-log");
    assert.deepEqual(errors, []);
});
