// Payments: WeChat Pay orders by state, refunds (an admin refund button per paid order), and the daily
// reconciliation's differences with WeChat Pay's trade bills (docs/payments.md).
import { call, errorText, fieldErrors, pb, send } from "./api.js";
import { clear, dialog, h, table, td, uid } from "./dom.js";

const STATES = ["", "NOTPAY", "SUCCESS", "REFUND", "CLOSED", "PAYERROR"];

function yuan(fen) {
    return "¥" + ((fen || 0) / 100).toFixed(2);
}

export async function paymentsView(main) {
    const error = h("p", { class: "alert", role: "alert" });
    const status = h("p", { class: "status", role: "status" });
    const orders = h("section", { "aria-label": "Orders" });
    const reports = h("section", { "aria-label": "Reconciliation" });
    const stateId = uid("state");
    const state = h("select", { id: stateId, onchange: () => load() },
        STATES.map((s) => h("option", { value: s }, s || "Any state")));
    clear(main, h("h2", {}, "Payments"),
        h("form", { class: "toolbar", "aria-label": "Filter orders", onsubmit: (e) => { e.preventDefault(); load(); } },
            h("div", { class: "field" }, h("label", { for: stateId }, "State"), state)),
        error, status, orders, reports);

    async function load() {
        error.textContent = "";
        try {
            const filter = state.value ? pb.filter("status = {:s}", { s: state.value }) : "";
            const page = await call(() => pb.collection("payments").getList(1, 50, { sort: "-created", filter }));
            const rows = page.items.map((p) => h("tr", {}, td(p.outTradeNo, "cell"), td(p.status), td(yuan(p.amount)),
                td(p.refunded ? yuan(p.refunded) : ""), td(p.appid), td(p.payer), td(p.created),
                td(["SUCCESS", "REFUND"].includes(p.status) && p.refunded < p.amount
                    ? h("button", { type: "button", "aria-label": `Refund order ${p.outTradeNo}`, onclick: () => refund(p) }, "Refund")
                    : "", "actions")));
            clear(orders, table("Orders", ["Order", "State", "Amount", "Refunded", "App", "Payer", "Created", "Actions"], rows));
            if (!rows.length) orders.append(h("p", { class: "muted" }, "No order."));
            const found = await send("/api/admin/payments/reports");
            const diffs = found.items.flatMap((r) => r.differences.map((d) => h("tr", {}, td(r.day), td(r.mchid),
                td(d.outTradeNo, "cell"), td(d.kind), td(d.billAmount !== undefined ? yuan(d.billAmount) : ""),
                td(d.amount !== undefined ? yuan(d.amount) : ""))));
            clear(reports, h("h3", {}, "Reconciliation"),
                h("p", { class: "muted" }, found.items.length
                    ? found.items.map((r) => `${r.day} ${r.mchid}: ${r.billed} billed, ${r.differenceCount} difference(s)`).join(" · ")
                    : "No trade bill reconciled yet."),
                table("Differences with WeChat Pay's trade bills", ["Day", "Merchant", "Order", "Kind", "Bill", "wxbase"], diffs));
        } catch (err) {
            error.textContent = errorText(err);
        }
    }

    function refund(p) {
        dialog(`Refund order ${p.outTradeNo}`, (d, title, close) => {
            const amountId = uid("amount");
            const reasonId = uid("reason");
            const left = p.amount - (p.refunded || 0);
            const amount = h("input", { id: amountId, type: "number", min: "1", max: String(left), step: "1", required: true, value: String(left) });
            const reason = h("input", { id: reasonId, maxlength: "80" });
            const problem = h("p", { class: "alert", role: "alert" });
            const form = h("form", { class: "body", onsubmit: async (e) => {
                e.preventDefault();
                problem.textContent = "";
                try {
                    const after = await send(`/api/admin/payments/${encodeURIComponent(p.id)}/refund`,
                        { method: "POST", body: { amount: Number(amount.value), reason: reason.value || null } });
                    close();
                    status.textContent = `Refunded ${yuan(Number(amount.value))} of order ${p.outTradeNo}; ${yuan(after.refunded)} refunded in all.`;
                    load();
                } catch (err) {
                    problem.textContent = Object.values(fieldErrors(err))[0] || errorText(err);
                }
            } }, title,
                h("label", { for: amountId }, `Amount in fen (at most ${left})`), amount,
                h("label", { for: reasonId }, "Reason (shown to the payer)"), reason, problem,
                h("div", { class: "buttons" }, h("button", { type: "button", onclick: close }, "Cancel"),
                    h("button", { type: "submit", class: "danger primary" }, "Refund")));
            d.append(form);
        });
    }

    await load();
}
