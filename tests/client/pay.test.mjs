// pb.wx.pay: the shop's checkout function (the server decides the price) → wx.requestPayment (the simulated
// runtime's stand-in pays through the sandbox, which notifies the server as WeChat Pay does) → the promise resolves
// with the payments record once it is SUCCESS; a cancelled or refused payment rejects with WeChat's error.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openApp, useStack } from "./harness/app.mjs";

const stack = useStack();

test("checkout, pay, and the record comes back SUCCESS with the server's price", async () => {
    const { pb, rt } = openApp(stack);
    const me = (await pb.wx.login()).record;
    const paid = await pb.wx.pay("checkout", { item: "coffee", qty: 2, price: 1 });
    assert.equal(paid.status, "SUCCESS");
    assert.equal(paid.amount, 3600); // the server's price table, not the body's "price"
    assert.equal(paid.payer, me.id);
    assert.match(paid.transactionId, /^42\d{26}$/);
    assert.equal(rt.ui.payments.length, 1);
    assert.equal(rt.ui.payments[0].signType, "RSA");
    assert.match(rt.ui.payments[0].package, /^prepay_id=wx/);
    const mine = await pb.collection("payments").getFullList();
    assert.equal(mine.map((p) => p.outTradeNo).join(), paid.outTradeNo);
});

test("a cancelled payment rejects with WeChat's error and the order stays unpaid", async () => {
    const { pb, rt } = openApp(stack);
    await pb.wx.login();
    rt.ui.payAnswer = "cancel";
    await assert.rejects(pb.wx.pay("checkout", { item: "cake" }), (err) => err.errMsg === "requestPayment:fail cancel");
    const [order] = await pb.collection("payments").getFullList();
    assert.equal(order.status, "NOTPAY");
    assert.equal(order.amount, 2500);
});

test("a payment the bank refuses rejects, and a bad item is the function's 400", async () => {
    const { pb, rt } = openApp(stack);
    await pb.wx.login();
    rt.ui.payAnswer = "fail";
    await assert.rejects(pb.wx.pay("checkout", { item: "cake" }), (err) => err.errMsg === "requestPayment:fail");
    await assert.rejects(pb.wx.pay("checkout", { item: "caviar" }), (err) => err.status === 400 && !!err.response.data.item);
    assert.equal(rt.ui.payments.length, 1); // the sheet never opened for the refused checkout
});
