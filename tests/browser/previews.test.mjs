// Previews of images an <img> can't fetch as a guest: a collection only admins may view, and an image WeChat's
// content security holds for review. The console opens them with an admin file token (`POST /api/files/token`).
import assert from "node:assert/strict";
import { test } from "node:test";
import { login, openConsole, recordWithImage, sandbox, shot, signIn, useWorld } from "./harness.mjs";

const world = useWorld();

test("an image of an admins-only collection shows its thumbnail in the list and the form", async () => {
    const { stack, browser } = world;
    const key = stack.keys.alice;
    const record = await recordWithImage(stack, key, "articles", "cover", { title: "protected leaf" });
    const link = `/api/files/articles/${record.id}/${record.cover}?thumb=100x100`;
    assert.equal((await fetch(stack.url + link, { redirect: "manual" })).status, 403); // admins only
    const { page, errors, outside } = await openConsole(browser, stack);
    await signIn(page, key);
    await page.goto(`${stack.url}/_/#/c/articles`);
    await page.getByLabel("Filter", { exact: true }).fill(`id = "${record.id}"`);
    await page.keyboard.press("Enter");
    const row = page.getByRole("row").filter({ hasText: record.id });
    await row.waitFor();
    await page.waitForFunction(({ id, param }) => [...document.querySelectorAll("img.thumb")].some(
        (img) => img.closest("tr")?.textContent.includes(id) && img.complete && img.naturalWidth === 100
            && new URL(img.src).searchParams.has(param)), { id: record.id, param: "token" });
    await shot(page, "previews-01-protected-list");
    await row.getByRole("button", { name: `Edit record ${record.id}` }).click();
    const dialog = page.getByRole("dialog", { name: `Edit articles record ${record.id}` });
    await dialog.locator("img.thumb.large").waitFor();
    await page.waitForFunction(() => { const img = document.querySelector("dialog img.thumb.large"); return img && img.complete && img.naturalWidth === 100; });
    // the file's link opens it too: the token is added as the pointer reaches it
    const fileLink = dialog.getByRole("link", { name: record.cover });
    await fileLink.hover();
    await page.waitForFunction((name) => [...document.querySelectorAll("dialog a")].some(
        (a) => a.textContent === name && new URL(a.href).searchParams.has("token")), record.cover);
    const href = await fileLink.getAttribute("href");
    assert.equal((await fetch(href, { redirect: "manual" })).status, 302);
    await shot(page, "previews-02-protected-form");
    assert.deepEqual(outside, []);
    assert.deepEqual(errors, []);
});

test("an image held by content security shows in the review queue, for admins only", async () => {
    const { stack, browser } = world;
    const author = await login(stack, "held-author");
    await sandbox(stack, "POST", "/sandbox/fail", { path: "/wxa/media_check_async", errcode: 45009 }); // WeChat's quota
    const record = await recordWithImage(stack, author.token, "snapshots", "picture", { caption: "held for review" });
    const link = `/api/files/snapshots/${record.id}/${record.picture}`;
    assert.equal((await fetch(stack.url + link, { redirect: "manual" })).status, 404); // held: not served
    const { page, errors } = await openConsole(browser, stack);
    await signIn(page, stack.keys.bob);
    await page.getByRole("link", { name: "Review queue" }).click();
    const row = page.getByRole("region", { name: "Records awaiting review" }).getByRole("row").filter({ hasText: record.id });
    await row.waitFor();
    await page.waitForFunction((id) => [...document.querySelectorAll("img.thumb")].some(
        (img) => img.closest("tr")?.textContent.includes(id) && img.complete && img.naturalWidth === 100), record.id);
    assert.match(await row.textContent(), new RegExp(`picture: .*${record.picture}`));
    await shot(page, "previews-03-held-image-in-review");
    await row.getByRole("button", { name: `Approve snapshots record ${record.id}` }).click();
    await page.getByRole("status").filter({ hasText: `Approved snapshots record ${record.id}.` }).waitFor();
    assert.equal((await fetch(stack.url + link, { redirect: "manual" })).status, 302); // cleared: served to all
    assert.deepEqual(errors, []);
});
