// pb.wx.pay(functionName, body): the team's function decides the amount and answers what wx.requestPayment takes;
// the payment sheet opens; the promise resolves with the `payments` record once WeChat Pay's verified notification
// has made it SUCCESS (watched over the realtime socket, read over HTTP as a fallback), and rejects with WeChat's
// error ({errMsg: "requestPayment:fail cancel"}, …) when the payer cancels or the payment fails. requestPayment's
// own success is not proof of payment: only the server's record is.
const FINAL_FAILURES = ["CLOSED", "REVOKED", "PAYERROR"];

function quote(value) {
    return "'" + String(value).replace(/\\/g, "\\\\").replace(/'/g, "\\'") + "'";
}

export function createPay(pb, api, subscribe, options) {
    const o = options || {};
    const pollEvery = o.pollInterval || 2000;
    const defaultTimeout = o.timeout || 60000;

    function requestPayment(params) {
        return new Promise((resolve, reject) => {
            api.requestPayment({
                timeStamp: params.timeStamp,
                nonceStr: params.nonceStr,
                package: params.package,
                signType: params.signType,
                paySign: params.paySign,
                success: resolve,
                fail: reject,
            });
        });
    }

    function settled(outTradeNo, timeout) {
        const filter = "outTradeNo = " + quote(outTradeNo);
        return new Promise((resolve, reject) => {
            let done = false;
            let timer = null;
            let unsubscribe = null;
            const finish = (fn, value) => {
                if (done) {
                    return;
                }
                done = true;
                clearTimeout(timer);
                clearTimeout(deadline);
                if (unsubscribe) {
                    unsubscribe();
                }
                fn(value);
            };
            const judge = (record) => {
                if (!record) {
                    return;
                }
                if (record.status === "SUCCESS" || record.status === "REFUND") {
                    finish(resolve, record);
                } else if (FINAL_FAILURES.indexOf(record.status) >= 0) {
                    finish(reject, { errMsg: "requestPayment:fail " + record.status, record });
                }
            };
            const poll = () => {
                pb.collection("payments").getList(1, 1, { filter, skipTotal: true, requestKey: null })
                    .then((page) => judge(page.items[0]), () => null)
                    .then(() => {
                        if (!done) {
                            timer = setTimeout(poll, pollEvery);
                        }
                    });
            };
            const deadline = setTimeout(() => finish(reject, { errMsg: "requestPayment:fail timeout", outTradeNo }),
                timeout);
            try {
                unsubscribe = subscribe("payments", "*", (e) => judge(e.record), { filter, onError: () => null });
            } catch (err) {
                unsubscribe = null; // no realtime here: the reads below are enough
            }
            poll();
        });
    }

    return async function pay(functionName, body, payOptions) {
        const po = payOptions || {};
        if (!functionName || typeof functionName !== "string") {
            throw new Error("pay: functionName is the server function that creates the order");
        }
        const params = await pb.send("/api/functions/" + encodeURIComponent(functionName), {
            method: "POST",
            body: body || {},
        });
        if (!params || !params.package || !params.outTradeNo) {
            throw new Error("pay: the function " + functionName + " did not answer ctx.pay.jsapi's result");
        }
        await requestPayment(params);
        return settled(params.outTradeNo, po.timeout || defaultTimeout);
    };
}
