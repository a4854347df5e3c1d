// The Logs page (requests and WeChat calls with filters, an hourly chart and details, no token shown), image
// previews from thumbnails in lists and forms, filter examples from each collection's fields, the sign-in hint.
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { test } from "node:test";
import { api, APPID, login, openConsole, recordWithImage, sandbox, shot, signIn, useWorld } from "./harness.mjs";

const world = useWorld();

test("the Logs page finds requests and WeChat errors, charts them per hour and shows an entry's details", async () => {
    const probe = crypto.randomBytes(6).toString("hex");
    const secret = "tok" + crypto.randomBytes(8).toString("hex");
    await api(world.stack, "GET", `/api/collections/nothing/records?probe=${probe}&token=${secret}`);
    await login(world.stack, `logs-${probe}`);
    await sandbox(world.stack, "POST", "/sandbox/fail", { path: "/sns/jscode2session", errcode: 40029 });
    assert.equal((await api(world.stack, "POST", "/api/wechat/login", { body: { code: `sandbox-x-${probe}`, appid: APPID } })).status, 400);

    const { page, errors, outside } = await openConsole(world.browser, world.stack);
    await signIn(page, world.stack.keys.alice);
    await page.getByRole("link", { name: "Logs" }).click();
    await page.getByRole("table", { name: "Log entries" }).waitFor();
    assert.match(await page.locator("figure.chart figcaption").textContent(), /entries over \d+ hours?/);
    assert.ok(await page.locator("figure.chart rect").count() >= 1);

    await page.getByLabel("URL or API contains").fill(probe);
    await page.getByRole("button", { name: "Apply filter" }).click();
    await page.waitForFunction((p) => { // only the probe's entries are left
        const rows = [...document.querySelectorAll("table tbody tr")];
        return rows.length === 1 && rows.every((r) => r.textContent.includes(p));
    }, probe);
    const row = page.getByRole("row").filter({ hasText: probe });
    const text = await row.first().textContent();
    assert.match(text, /error/);
    assert.match(text, /404/);
    assert.ok(!text.includes(secret) && text.includes("token=%2A%2A%2A"), text);
    await shot(page, "logs-01-filtered");

    await page.getByLabel("URL or API contains").fill("");
    await page.getByLabel("Show").selectOption({ label: "WeChat errors" });
    await page.getByRole("button", { name: "Apply filter" }).click();
    await page.waitForFunction(() => { // WeChat errors only
        const rows = [...document.querySelectorAll("table tbody tr")];
        return rows.length > 0 && rows.every((r) => /errcode -?[1-9]/.test(r.textContent));
    });
    const failed = page.getByRole("row").filter({ hasText: "errcode 40029" });
    await failed.first().getByRole("button", { name: /Details of/ }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText("/sns/jscode2session").first().waitFor();
    assert.match(await dialog.textContent(), /errcode\s*40029/);
    await shot(page, "logs-02-wechat-error-details");
    await page.keyboard.press("Escape");
    assert.deepEqual(outside, []);
    assert.deepEqual(errors, []);
});

function galleryRecord(caption) {
    return recordWithImage(world.stack, world.stack.keys.alice, "gallery", "picture", { caption });
}

test("image previews in the list and the form, filter examples from the collection's fields, the sign-in hint", async () => {
    const record = await galleryRecord("a leaf " + crypto.randomBytes(3).toString("hex"));
    const { page, errors } = await openConsole(world.browser, world.stack);
    assert.match(await page.locator("#signin-hint").textContent(), /\.wxbase-data\/admin-key/);
    await signIn(page, world.stack.keys.bob);

    await page.goto(world.stack.url + "/_/#/c/specimens");
    await page.getByRole("table", { name: "specimens records" }).waitFor();
    assert.equal(await page.getByLabel("Filter", { exact: true }).getAttribute("placeholder"), 'kind = "plant" && count > 10');

    await page.goto(world.stack.url + "/_/#/c/gallery");
    const row = page.getByRole("row").filter({ hasText: record.id });
    await row.waitFor();
    const thumb = row.locator("img.thumb");
    await thumb.waitFor();
    await page.waitForFunction((id) => [...document.querySelectorAll("img.thumb")].some(
        (img) => img.closest("tr")?.textContent.includes(id) && img.complete && img.naturalWidth === 100), record.id);
    await shot(page, "logs-03-gallery-thumbnails");
    await row.getByRole("button", { name: `Edit record ${record.id}` }).click();
    const large = page.getByRole("dialog").locator("img.thumb.large");
    await large.waitFor();
    await page.waitForFunction(() => { const img = document.querySelector("dialog img.thumb.large"); return img && img.complete && img.naturalWidth === 100; });
    await shot(page, "logs-04-form-preview");
    assert.deepEqual(errors, []);
});

test("relations show their records' labels in the list and the form, and the picker searches as one types", async () => {
    const key = world.stack.keys.alice;
    const word = "leaves" + crypto.randomBytes(3).toString("hex");
    const owner = await login(world.stack, `rel-${word}`);
    const post = await api(world.stack, "POST", "/api/collections/posts/records", { token: key, body: {
        title: `A post about ${word}`, status: "published", owner: owner.record.id } });
    assert.equal(post.status, 200, post.text);
    const specimen = await api(world.stack, "POST", "/api/collections/specimens/records", { token: key, body: {
        title: `fern ${word}`, post: post.json.id } });
    assert.equal(specimen.status, 200, specimen.text);

    const { page, errors } = await openConsole(world.browser, world.stack);
    await signIn(page, key);
    await page.goto(world.stack.url + "/_/#/c/specimens");
    await page.getByRole("button", { name: "Columns" }).click();
    await page.getByRole("checkbox", { name: "post" }).check();
    const row = page.getByRole("row").filter({ hasText: specimen.json.id });
    await row.getByText(`A post about ${word} (${post.json.id})`).waitFor();

    await row.getByRole("button", { name: `Edit record ${specimen.json.id}` }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("list", { name: "Chosen posts records" }).getByText(`A post about ${word}`).waitFor();
    await dialog.getByRole("button", { name: `Remove ${post.json.id} from post` }).click();
    await dialog.getByLabel("Search posts").pressSequentially(word.slice(0, 9));
    await dialog.getByRole("button", { name: `Pick A post about ${word} (${post.json.id})` }).click(); // no Enter, no Find
    await dialog.getByRole("list", { name: "Chosen posts records" }).getByText(`A post about ${word}`).waitFor();
    await shot(page, "logs-05-relation-labels");
    assert.deepEqual(errors, []);
    // the other files count the shared stack's specimens and posts: leave none behind
    assert.equal((await api(world.stack, "DELETE", `/api/collections/specimens/records/${specimen.json.id}`, { token: key })).status, 204);
    assert.equal((await api(world.stack, "DELETE", `/api/collections/posts/records/${post.json.id}`, { token: key })).status, 204);
});
