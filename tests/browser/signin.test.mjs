// Sign-in: a wrong key is refused, a named key opens the console as that admin, and the page loads nothing from
// outside the deployment; keyboard only, at desktop and tablet widths.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launch, openConsole, shot, signIn, startStack } from "./harness.mjs";

let stack, browser;
before(async () => {
    stack = await startStack();
    browser = await launch();
});
after(async () => {
    await browser?.close();
    await stack?.stop();
});

test("a wrong key is refused and the right one signs in by keyboard", async () => {
    const { page, errors, outside } = await openConsole(browser, stack);
    const key = page.getByLabel("Admin key");
    assert.ok(await key.evaluate((el) => el === document.activeElement), "the key field has focus on load");
    await page.keyboard.type("not-" + stack.keys.alice);
    await page.keyboard.press("Enter");
    await page.getByRole("alert").filter({ hasText: "That admin key is not valid." }).waitFor();
    await shot(page, "01-sign-in-refused");
    await key.fill(stack.keys.alice);
    await page.keyboard.press("Enter");
    await page.getByText("Signed in as alice").waitFor();
    assert.equal(await page.getByLabel("Admin key").count(), 0);
    // the session, not the key, is kept, and only for this tab
    const kept = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }));
    assert.ok(!kept.includes(stack.keys.alice) && kept.includes("wxbase-console-session"));
    await page.getByRole("navigation", { name: "Sections" }).waitFor();
    await shot(page, "02-signed-in");
    // keyboard: Tab moves through the header and the section links with a visible focus ring
    await page.keyboard.press("Tab");
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, "none");
    await page.reload();
    await page.getByText("Signed in as alice").waitFor(); // the session survives a reload of the tab
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Admin key").waitFor();
    assert.deepEqual(outside, []);
    assert.deepEqual(errors, []);
});

test("the console is served with a strict policy and fits a tablet", async () => {
    const reply = await fetch(stack.url + "/_/");
    assert.equal(reply.status, 200);
    assert.match(await reply.text(), /<title>wxbase console<\/title>/);
    assert.match(reply.headers.get("content-security-policy"), /script-src 'sha256-[^']+';/);
    assert.match(reply.headers.get("content-security-policy"), /frame-ancestors 'none'/);
    const again = await fetch(stack.url + "/_", { headers: { "If-None-Match": reply.headers.get("etag") } });
    assert.equal(again.status, 304);
    await again.arrayBuffer();
    const { page, errors } = await openConsole(browser, stack, { width: 768, height: 1024 });
    await signIn(page, stack.keys.bob);
    await page.getByText("Signed in as bob").waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than a tablet`);
    await shot(page, "03-tablet-768");
    assert.deepEqual(errors, []);
});
