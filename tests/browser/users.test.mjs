// Users: found by phone (shown masked) and by openid, their identities, signed out everywhere.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { api, launch, login, openConsole, shot, signIn, startStack } from "./harness.mjs";

let stack, browser, carol;

before(async () => {
    stack = await startStack();
    browser = await launch();
    carol = await login(stack, "console-carol", { phoneCode: "sandbox-phone-13712345678" });
    await login(stack, "console-carol", { appid: "wxsandbox00000002" }); // the same person in the second app
});
after(async () => {
    await browser?.close();
    await stack?.stop();
});

test("search by phone and openid, see identities, sign out everywhere", async () => {
    const { page, errors } = await openConsole(browser, stack);
    await signIn(page, stack.keys.alice);
    await page.getByRole("link", { name: "Users", exact: true }).click();
    await page.getByLabel("Search by").selectOption("phone");
    await page.getByLabel("Search users").fill("13712345678");
    await page.keyboard.press("Enter");
    const found = page.getByRole("region", { name: "Users found" });
    await found.getByRole("row").filter({ hasText: carol.record.id }).waitFor();
    const row = await found.getByRole("row").filter({ hasText: carol.record.id }).textContent();
    assert.ok(row.includes("*******5678") && !row.includes("1371234"), row);
    await shot(page, "30-users-found");

    await page.getByLabel("Search by").selectOption("openid");
    await page.getByLabel("Search users").fill(carol.meta.openid);
    await page.getByRole("button", { name: "Search" }).click();
    await found.getByRole("button", { name: `Open user ${carol.record.id}` }).click();
    const identities = page.getByRole("region", { name: `Identities of user ${carol.record.id}` });
    await identities.waitFor();
    const apps = await identities.locator("tbody tr td:first-child").allTextContents();
    assert.deepEqual(apps.sort(), ["wxsandbox00000001", "wxsandbox00000002"]);
    assert.ok(!(await page.content()).includes("13712345678"));
    await shot(page, "31-user-detail");

    assert.equal((await api(stack, "POST", "/api/collections/users/auth-refresh", { token: carol.token })).status, 200);
    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    await page.getByRole("dialog", { name: "Please confirm" }).getByRole("button", { name: "Sign out everywhere" }).click();
    await page.getByRole("status").filter({ hasText: `User ${carol.record.id} is signed out everywhere.` }).waitFor();
    assert.equal((await api(stack, "POST", "/api/collections/users/auth-refresh", { token: carol.token })).status, 401);
    await shot(page, "32-user-signed-out");
    assert.deepEqual(errors, []);
});
