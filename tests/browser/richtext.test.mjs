// Editor fields as rich text: formatting stored as PocketBase's HTML; a user's hostile stored HTML shown to an admin
// without running, loading or restyling anything, and sent back untouched unless the admin edits it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { api, openConsole, shot, signIn, useWorld } from "./harness.mjs";

const world = useWorld();
const ARTICLES = "/api/collections/articles/records";

async function openForm(page, stack, id) {
    await page.goto(`${stack.url}/_/#/c/articles`);
    await page.getByLabel("Filter", { exact: true }).fill(`id = "${id}"`);
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: `Edit record ${id}` }).click();
    return page.getByRole("dialog", { name: `Edit articles record ${id}` });
}

test("formatting typed in the editor is stored as HTML paragraphs, lists and links", async () => {
    const { stack, browser } = world;
    const key = stack.keys.alice;
    const { page, errors } = await openConsole(browser, stack);
    await signIn(page, key);
    await page.goto(`${stack.url}/_/#/c/articles`);
    await page.getByRole("button", { name: "New record" }).click();
    const dialog = page.getByRole("dialog", { name: "New articles record" });
    await dialog.getByLabel("title (required)").fill("Rich text");
    const body = dialog.getByRole("textbox", { name: "body" });
    await body.click();
    await page.keyboard.type("Hello ");
    const bold = dialog.getByRole("toolbar", { name: "Format body" }).getByRole("button", { name: "Bold" });
    assert.equal(await bold.getAttribute("aria-pressed"), "false");
    await bold.click();
    await page.keyboard.type("there");
    assert.equal(await bold.getAttribute("aria-pressed"), "true");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Control+b"); // bold off again, by the keyboard
    await dialog.getByRole("button", { name: "Bulleted list" }).click();
    await page.keyboard.type("one");
    await page.keyboard.press("Enter");
    await page.keyboard.type("two");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Enter"); // an empty item ends the list
    await page.keyboard.type("see ");
    const answers = ["javascript:alert(1)", "https://example.com/x"]; // the first is refused
    page.on("dialog", (d) => d.accept(answers.shift()));
    await dialog.getByRole("button", { name: "Link" }).click();
    await dialog.getByRole("button", { name: "Link" }).click();
    await shot(page, "richtext-01-editing");
    await dialog.getByRole("button", { name: "Create record" }).click();
    const status = page.getByRole("status").filter({ hasText: /^Created record / });
    await status.waitFor();
    const id = (await status.textContent()).match(/record ([a-z0-9]{15})/)[1];
    const stored = (await api(stack, "GET", `${ARTICLES}/${id}`, { token: key })).json;
    assert.equal(stored.body.replaceAll("&nbsp;", " "), "<p>Hello <b>there</b></p><ul><li>one</li><li>two</li></ul>"
        + '<p>see <a href="https://example.com/x">example.com/x</a></p>');
    // shown again as it was typed
    const edit = await openForm(page, stack, id);
    const again = edit.getByRole("textbox", { name: "body" });
    assert.equal(await again.locator("b").textContent(), "there");
    assert.deepEqual(await again.locator("li").allTextContents(), ["one", "two"]);
    assert.deepEqual(errors, []);
});

test("a user's hostile HTML is shown sanitized and saved back unchanged unless edited; a hostile paste is sanitized", async () => {
    const { stack, browser } = world;
    const key = stack.keys.bob;
    const hostile = '<p>Kind words</p><img src="x" onerror="window.pwned = 1"><script>window.pwned = 2</script>'
        + '<a href="javascript:window.pwned = 3">click</a><style>body { display: none }</style>'
        + '<p style="position:fixed;inset:0" onclick="window.pwned = 4">cover</p><iframe src="https://example.com"></iframe>';
    const created = await api(stack, "POST", ARTICLES, { token: key, body: { title: "hostile", body: hostile } });
    assert.equal(created.status, 200, created.text);
    assert.equal(created.json.body, hostile); // stored as PocketBase stores it: the API doesn't rewrite HTML
    const { page, errors, outside } = await openConsole(browser, stack);
    await signIn(page, key);
    const dialog = await openForm(page, stack, created.json.id);
    const body = dialog.getByRole("textbox", { name: "body" });
    await body.getByText("Kind words").waitFor();
    await body.getByText("click").click();
    await body.getByText("cover").click();
    await shot(page, "richtext-02-hostile-sanitized");
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    assert.equal(await body.locator("img, script, style, iframe, [style], [onclick], [onerror]").count(), 0);
    assert.equal(await body.locator("a").getAttribute("href"), null);
    assert.ok(await page.locator("body").isVisible());
    // saved without touching the editor: the stored value is kept exactly
    await dialog.getByLabel("title (required)").fill("hostile, retitled");
    await dialog.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    let stored = (await api(stack, "GET", `${ARTICLES}/${created.json.id}`, { token: key })).json;
    assert.equal(stored.title, "hostile, retitled");
    assert.equal(stored.body, hostile);
    // edited: what is saved is the sanitized text with the edit, and a hostile paste is sanitized as it lands
    const edit = await openForm(page, stack, created.json.id);
    await edit.getByRole("textbox", { name: "body" }).getByText("Kind words").click();
    await page.keyboard.press("End");
    await page.keyboard.type(", edited");
    await edit.getByRole("textbox", { name: "body" }).evaluate((area) => {
        const data = new DataTransfer();
        data.setData("text/html", '<b>pasted</b><img src="x" onerror="window.pwned = 5"><svg onload="window.pwned = 6"></svg>');
        data.setData("text/plain", "pasted");
        area.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    });
    await edit.getByRole("textbox", { name: "body" }).locator("b", { hasText: "pasted" }).waitFor();
    await edit.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    stored = (await api(stack, "GET", `${ARTICLES}/${created.json.id}`, { token: key })).json;
    assert.match(stored.body, /^<p>Kind words, edited<b>pasted<\/b><\/p>/);
    assert.doesNotMatch(stored.body, /script|onerror|onclick|onload|javascript:|<img|<svg|<style|<iframe|style=/i);
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    assert.deepEqual(outside, []);
    // Chromium's HTML parser reports the handlers and styles it blocked while DOMPurify reads the HTML (the page's
    // CSP applies to DOMPurify's inert document too): blocked, never run. Nothing else may be logged.
    assert.deepEqual(errors.filter((e) => !/violates the following Content Security Policy.*has been blocked/.test(e)), []);
});
