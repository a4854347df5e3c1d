// The review queue: records WeChat content security flagged; approve clears the flag, reject deletes the record.
import { errorText, send } from "./api.js";
import { confirmDialog, h, clear, table, td } from "./dom.js";
import { preview } from "./form.js";
import { labelText } from "./labels.js";

// What was flagged: a held image as its thumbnail (opened with an admin file token), text as its first words.
function content(entry) {
    const record = { ...entry.record, collectionName: entry.collectionName, id: entry.recordId };
    return Object.entries(entry.flags || {}).map(([name, flag]) => {
        const files = Object.keys((flag && flag.files) || {});
        if (files.length) return h("span", { class: "flagged" }, `${name}: `, files.map((n) => [preview(record, n, "thumb large"), " ", n, " "]));
        return h("span", { class: "flagged" },
            `${name}: ${String(record[name] ?? "").replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim().slice(0, 160)} `);
    });
}

export async function reviewView(main) {
    const error = h("p", { class: "alert", role: "alert" });
    const status = h("p", { class: "status", role: "status" });
    const list = h("div");
    const more = h("button", { type: "button", hidden: true, onclick: () => load(cursor) }, "Load more");
    let cursor = null;
    let rows = [];
    clear(main, h("h2", {}, "Review queue"),
        h("p", { class: "muted" }, "Records WeChat's content security asked a person to review. Approve keeps the record; reject deletes it."),
        error, status, list, h("div", { class: "pager" }, more));

    async function act(entry, action) {
        const what = `${entry.collectionName} record ${entry.recordId}`;
        if (action === "reject" && !(await confirmDialog(`Reject and delete ${what}?`, "Reject and delete"))) return;
        error.textContent = "";
        try {
            await send(`/api/admin/review-queue/${encodeURIComponent(entry.collectionName)}/${encodeURIComponent(entry.recordId)}/${action}`,
                { method: "POST" });
            await load(null);
            status.textContent = action === "approve" ? `Approved ${what}.` : `Rejected and deleted ${what}.`;
        } catch (err) {
            error.textContent = errorText(err);
        }
    }

    function render() {
        const body = rows.map((e) => h("tr", {},
            td(e.collectionName), td(e.recordId),
            td(Object.entries(e.flags || {}).map(([f, v]) => `${f}: ${labelText(v.label)}`).join(", ")),
            td(e.flaggedAt), td(e.record ? content(e) : "(record gone)", "cell"),
            td([h("button", { type: "button", class: "primary", "aria-label": `Approve ${e.collectionName} record ${e.recordId}`,
                              onclick: () => act(e, "approve") }, "Approve"),
                h("button", { type: "button", class: "danger", "aria-label": `Reject ${e.collectionName} record ${e.recordId}`,
                              onclick: () => act(e, "reject") }, "Reject")], "actions")));
        clear(list, table("Records awaiting review", ["Collection", "Record", "Flagged fields", "Flagged at", "Content", "Actions"], body));
        if (!rows.length) list.append(h("p", { class: "muted" }, "Nothing is waiting for review."));
    }

    async function load(from) {
        try {
            const page = await send("/api/admin/review-queue", { query: { perPage: 50, cursor: from || undefined } });
            rows = from ? [...rows, ...page.items] : page.items;
            cursor = page.nextCursor;
            more.hidden = !cursor;
            render();
        } catch (err) {
            error.textContent = errorText(err);
        }
    }
    await load(null);
}
