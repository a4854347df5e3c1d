// Operations: token health, subscribe messages of the day, a push the worker gave up on, redriven from the
// browser and then answered, and an export of every collection taken from the browser.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { APPID, api, eventually, launch, openConsole, push, sandbox, shot, signIn, startStack } from "./harness.mjs";

let stack, browser, key;

before(async () => {
    stack = await startStack();
    browser = await launch();
    key = stack.keys.alice;
});
after(async () => {
    await browser?.close();
    await stack?.stop();
});

test("token health and subscribe messages", async () => {
    const send = (touser, extra = {}) => api(stack, "POST", "/api/wechat/subscribe-messages", { token: key,
        body: { appid: APPID, touser, template_id: "tmpl-console", data: { thing1: { value: "hi" } }, ...extra } });
    assert.equal((await send("o-console-now")).status, 200);
    assert.equal((await send("o-console-later", { sendAt: Math.floor(Date.now() / 1000) + 7200 })).status, 202);
    const { page, errors } = await openConsole(browser, stack);
    await signIn(page, key);
    await page.getByRole("link", { name: "Operations" }).click();
    const tokens = page.getByRole("region", { name: "Access tokens" });
    await tokens.getByRole("row").filter({ hasText: APPID }).waitFor();
    assert.match(await tokens.getByRole("row").filter({ hasText: APPID }).textContent(), /\d+ h \d+ min|no token/);
    const messages = page.getByRole("region", { name: /^Subscribe messages created on / });
    await messages.getByRole("row").filter({ hasText: "o-console-later" }).waitFor();
    assert.match(await messages.getByRole("row").filter({ hasText: "o-console-now" }).textContent(), /sent/);
    assert.match(await messages.getByRole("row").filter({ hasText: "o-console-later" }).textContent(), /queued/);
    const limits = page.getByRole("region", { name: "Rate limits" });
    await limits.getByText("Off: WXBASE_RATE_LIMITS is an empty list.").waitFor(); // the test servers run without
    assert.match(await limits.getByRole("row").filter({ hasText: "phone" }).textContent(), /5 per day.*10000 per day/);
    await page.getByLabel("Day (UTC)").fill("2001-01-01");
    await page.getByRole("button", { name: "Show messages" }).click();
    await page.getByText("No messages that day.").waitFor();
    await shot(page, "40-operations");
    assert.deepEqual(errors, []);
});

test("a dead-lettered push is listed in place, redriven and then answered", async () => {
    // every reply attempt fails: the worker's five receives fail and SQS moves the push to the dead-letter queue
    await sandbox(stack, "POST", "/sandbox/fail", { path: "/cgi-bin/message/custom/send", errcode: 45047, times: 5 });
    const sender = "o-console-" + Date.now();
    const pushed = await push(stack, { ToUserName: "gh_sandbox", FromUserName: sender, CreateTime: Math.floor(Date.now() / 1000),
                                       MsgType: "text", Content: "hello console", MsgId: Date.now() });
    assert.equal(pushed.text, "success");
    const dead = await eventually(async () => {
        const listed = await api(stack, "GET", "/api/admin/dead-letters", { token: key });
        return listed.json.items.find((m) => m.openid === sender);
    }, "the push in the dead-letter queue", 90);

    const { page, errors } = await openConsole(browser, stack);
    await signIn(page, key);
    await page.getByRole("link", { name: "Operations" }).click();
    const letters = page.getByRole("region", { name: "Dead letters" });
    await letters.getByRole("row").filter({ hasText: sender }).waitFor();
    await page.getByRole("button", { name: "Refresh dead letters" }).click(); // listing again consumes nothing
    await page.locator('section[aria-label="Callback dead letters"]:not([aria-busy])').waitFor();
    await letters.getByRole("row").filter({ hasText: sender }).waitFor();
    await letters.getByRole("row").filter({ hasText: sender }).getByText("Body").click();
    await letters.getByText('"Content": "hello console"').waitFor();
    const redrive = page.getByRole("button", { name: "Redrive selected" });
    assert.ok(await redrive.isDisabled());
    await letters.getByLabel(`Select message ${dead.id}`).check();
    await shot(page, "41-dead-letters");
    await redrive.click();
    await page.getByRole("status").filter({ hasText: "Sent 1 message(s) back to the callback queue." }).waitFor();
    await letters.getByRole("row").filter({ hasText: sender }).waitFor({ state: "detached" });
    // the worker processes it again, now successfully: the keyword reply reaches the sender
    await eventually(async () => {
        const sent = await sandbox(stack, "GET", `/sandbox/sent?appid=${APPID}`);
        return sent.some((m) => m.body.touser === sender);
    }, "the auto reply after the redrive", 60);
    const audit = (await api(stack, "GET", "/api/admin/audit?perPage=1", { token: key })).json.items[0];
    assert.deepEqual([audit.admin, audit.action, audit.detail.messages], ["alice", "redrive", [dead.id]]);
    await shot(page, "42-dead-letters-redriven");
    assert.deepEqual(errors, []);
});

test("an export of every collection taken from the browser shows as the last one", async () => {
    const { page, errors } = await openConsole(browser, stack);
    await signIn(page, key);
    await page.getByRole("link", { name: "Operations" }).click();
    const panel = page.getByRole("region", { name: "Backups" });
    await panel.getByRole("button", { name: "Export now" }).click();
    const done = await panel.getByRole("status").filter({ hasText: /^Exported \d+ record\(s\) at / }).textContent();
    const at = done.match(/ at (.+)\.$/)[1];
    await panel.getByText(`Last export: ${at}`).waitFor();
    await panel.getByRole("row").filter({ hasText: "posts" }).waitFor();
    const listed = (await api(stack, "GET", "/api/admin/backups", { token: key })).json.items[0];
    assert.equal(listed.at, at);
    await shot(page, "43-backups");
    assert.deepEqual(errors, []);
});
