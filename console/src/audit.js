// The audit trail: who changed what, newest first.
import { errorText, send } from "./api.js";
import { h, clear, table, td } from "./dom.js";
import { detailText } from "./labels.js";

export async function auditView(main) {
    const error = h("p", { class: "alert", role: "alert" });
    const list = h("div");
    const more = h("button", { type: "button", hidden: true, onclick: () => load(cursor) }, "Load more");
    let rows = [];
    let cursor = null;
    clear(main, h("h2", {}, "Audit log"), h("p", { class: "muted" }, "Every change made by an admin, newest first. Values are never kept, only field names."),
        error, list, h("div", { class: "pager" }, more));
    async function load(from) {
        try {
            const page = await send("/api/admin/audit", { query: { perPage: 50, cursor: from || undefined } });
            rows = from ? [...rows, ...page.items] : page.items;
            cursor = page.nextCursor;
            more.hidden = !cursor;
            const body = rows.map((e) => h("tr", {}, td(e.at), td(e.admin), td(e.action), td(e.collection || ""), td(e.record || ""),
                td([(e.fields || []).length ? `fields: ${e.fields.join(", ")}` : "", detailText(e.detail)].filter(Boolean).join("; "), "cell")));
            clear(list, table("Admin changes", ["When", "Admin", "Action", "Collection", "Record", "Fields and details"], body));
        } catch (err) {
            error.textContent = errorText(err);
        }
    }
    await load(null);
}
