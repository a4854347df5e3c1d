// Payments: a paid order listed by state, refunded in part from its row's dialog, the refund seen through the API.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { api, launch, login, openConsole, sandbox, shot, signIn, startStack } from "./harness.mjs";

let stack, browser, dave;

before(async () => {
    stack = await startStack();
    browser = await launch();
    dave = await login(stack, "console-dave");
});
after(async () => {
    await browser?.close();
    await stack?.stop();
});

async function paidOrder() {
    const prepay = await api(stack, "POST", "/api/functions/checkout", { token: dave.token, body: { item: "cake" } });
    assert.equal(prepay.status, 200, prepay.text);
    await sandbox(stack, "POST", "/sandbox/pay/confirm", { outTradeNo: prepay.json.outTradeNo });
    const filter = encodeURIComponent(`outTradeNo='${prepay.json.outTradeNo}'`);
    for (let i = 0; i < 100; i++) {
        const found = await api(stack, "GET", `/api/collections/payments/records?filter=${filter}`, { token: dave.token });
        if (found.json.items[0]?.status === "SUCCESS") return found.json.items[0];
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("the payment never became SUCCESS");
}

test("a paid order is refunded in part from the Payments page", async () => {
    const order = await paidOrder();
    const { page, errors } = await openConsole(browser, stack);
    await signIn(page, stack.keys.alice);
    await page.getByRole("link", { name: "Payments", exact: true }).click();
    await page.getByLabel("State").selectOption("SUCCESS");
    const orders = page.getByRole("region", { name: "Orders" });
    await orders.getByRole("row").filter({ hasText: order.outTradeNo }).waitFor();
    await shot(page, "40-payments");
    await orders.getByRole("button", { name: `Refund order ${order.outTradeNo}` }).click();
    const dialog = page.getByRole("dialog", { name: `Refund order ${order.outTradeNo}` });
    await dialog.getByLabel(/Amount in fen/).fill("800");
    await dialog.getByLabel(/Reason/).fill("one slice was missing");
    await dialog.getByRole("button", { name: "Refund" }).click();
    await page.getByRole("status").filter({ hasText: `Refunded ¥8.00 of order ${order.outTradeNo}` }).waitFor();
    await shot(page, "41-payment-refunded");
    const after = await api(stack, "GET", `/api/collections/payments/records/${order.id}`, { token: dave.token });
    assert.equal(after.json.status, "REFUND");
    assert.equal(after.json.refunded, 800);
    assert.equal(after.json.refunds[0].reason, "one slice was missing");
    assert.deepEqual(errors, []);
});
