// Request logs and WeChat calls (PocketBase's logs API through the SDK's pb.logs): filters, an hourly chart,
// newest first, details of one entry.
import { call, errorText, pb } from "./api.js";
import { h, clear, dialog, table, td, uid } from "./dom.js";

const PER_PAGE = 50;
const KINDS = [
    ["", "Everything"],
    ["level > 0", "Errors and warnings"],
    ['data.type = "request"', "Requests"],
    ['data.type = "wechat"', "WeChat calls"],
    ['data.type = "wechat" && data.errcode != 0', "WeChat errors"],
];
const LEVELS = { 0: "info", 4: "warning", 8: "error" };
const SVG = "http://www.w3.org/2000/svg";

export function logsFilter({ kind, search, raw }) {
    const parts = [];
    if (kind) parts.push(kind);
    if (search) parts.push(`message ~ "${search.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`);
    if (raw) parts.push(`(${raw})`);
    return parts.join(" && ");
}

function svg(tag, attrs) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    return el;
}

// One bar per hour that has entries; the tallest fills the height. Described in text for screen readers.
function chart(stats) {
    const total = stats.reduce((sum, s) => sum + s.total, 0);
    const figure = h("figure", { class: "chart" });
    const caption = h("figcaption", { id: uid("chart") },
        stats.length ? `${total} entries over ${stats.length} hours, from ${stats[0].date.slice(0, 13)}:00 to ${stats[stats.length - 1].date.slice(0, 13)}:00 UTC`
            : "No entries match.");
    const width = Math.max(stats.length, 1) * 12;
    const most = Math.max(1, ...stats.map((s) => s.total));
    const drawing = svg("svg", { viewBox: `0 0 ${width} 100`, preserveAspectRatio: "none", role: "img",
                                 "aria-labelledby": caption.id, class: "bars" });
    stats.forEach((s, i) => {
        const height = Math.max(2, (s.total / most) * 96);
        const bar = svg("rect", { x: i * 12 + 1, y: 100 - height, width: 10, height });
        const tip = svg("title", {});
        tip.textContent = `${s.date.slice(0, 13)}:00 UTC: ${s.total}`;
        bar.append(tip);
        drawing.append(bar);
    });
    figure.append(drawing, caption);
    return figure;
}

function summary(entry) {
    const d = entry.data || {};
    if (d.type === "wechat") return [`errcode ${d.errcode}`, "WeChat", d.api];
    return [String(d.status ?? ""), d.method || "", d.url || entry.message];
}

function details(entry) {
    dialog(`Log entry ${entry.id}`, (dlg, title, close) => {
        const rows = [["created", entry.created], ["level", LEVELS[entry.level] || entry.level], ["message", entry.message],
            ...Object.entries(entry.data || {}).map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : String(v)])];
        dlg.append(h("div", { class: "body" }, title,
            h("dl", { class: "props" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
            h("div", { class: "buttons" }, h("button", { type: "button", onclick: close }, "Close"))));
    });
}

export async function logsView(main) {
    const state = { page: 1, kind: "", search: "", raw: "" };
    const error = h("p", { class: "alert", role: "alert" });
    const graph = h("div");
    const results = h("div");
    const pageInfo = h("span", { "aria-live": "polite" });
    const prev = h("button", { type: "button", onclick: () => { state.page -= 1; load(); } }, "Newer");
    const next = h("button", { type: "button", onclick: () => { state.page += 1; load(); } }, "Older");
    const kindId = uid("kind"), searchId = uid("search"), rawId = uid("raw");
    const kind = h("select", { id: kindId }, KINDS.map(([value, label]) => h("option", { value }, label)));
    const search = h("input", { id: searchId, type: "search", placeholder: "/api/collections/posts", autocomplete: "off" });
    const raw = h("input", { id: rawId, type: "search", placeholder: 'data.status >= 400 && data.auth = "users"',
                             autocomplete: "off", "aria-describedby": `${rawId}-hint` });
    const toolbar = h("form", { class: "toolbar", role: "search", "aria-label": "Filter logs", onsubmit: (e) => {
        e.preventDefault();
        Object.assign(state, { page: 1, kind: kind.value, search: search.value.trim(), raw: raw.value.trim() });
        load();
    } },
        h("div", { class: "field" }, h("label", { for: kindId }, "Show"), kind),
        h("div", { class: "field" }, h("label", { for: searchId }, "URL or API contains"), search),
        h("div", { class: "grow" }, h("label", { for: rawId }, "Filter"), raw,
            h("span", { class: "hint", id: `${rawId}-hint` }, "PocketBase filter over level, message, created and data.*")),
        h("button", { type: "submit" }, "Apply filter"));
    clear(main, h("h2", {}, "Logs"),
        h("p", { class: "muted" }, "Every API request and WeChat call, newest first. Tokens and keys are never kept."),
        toolbar, error, graph, results, h("nav", { class: "pager", "aria-label": "Pagination" }, prev, pageInfo, next));

    let loads = 0;
    async function load() {
        error.textContent = "";
        const filter = logsFilter(state);
        const asked = ++loads; // an older answer arriving late must not replace a newer one
        try {
            const [page, stats] = await Promise.all([
                call(() => pb.logs.getList(state.page, PER_PAGE, { filter, sort: "-@rowid" })),
                call(() => pb.logs.getStats({ filter })),
            ]);
            if (asked !== loads) return;
            clear(graph, chart(stats));
            const rows = page.items.map((entry) => {
                const [outcome, what, where] = summary(entry);
                return h("tr", { class: entry.level > 0 ? "problem" : "" },
                    td(entry.created.slice(0, 19)), td(LEVELS[entry.level] || String(entry.level)), td(outcome), td(what),
                    td(where, "cell"), td(`${Math.round(entry.data?.execTime ?? 0)} ms`), td(entry.data?.auth || ""),
                    td(h("button", { type: "button", "aria-label": `Details of ${entry.message}`, onclick: () => details(entry) },
                        "Details"), "actions"));
            });
            clear(results, table("Log entries", ["Time (UTC)", "Level", "Status", "Method", "URL or API", "Took", "Auth",
                h("th", { scope: "col" }, h("span", { class: "muted" }, "Actions"))], rows));
            if (!page.items.length) results.append(h("p", { class: "muted" }, "No entries match."));
            const pages = Math.max(1, page.totalPages);
            pageInfo.textContent = `Page ${page.page} of ${pages} · ${page.totalItems} entries`;
            prev.disabled = page.page <= 1;
            next.disabled = page.page >= pages;
        } catch (err) {
            error.textContent = errorText(err);
        }
    }
    await load();
}
