// A collection's records: PocketBase filter, sort and paging, column picking, and the record form.
import { call, errorText, pb } from "./api.js";
import { h, clear, table, td, uid } from "./dom.js";
import { labelOf, preview, recordForm } from "./form.js";

const PER_PAGE = [10, 30, 100];
const HIDDEN_BY_DEFAULT = new Set(["editor", "json"]);

export function display(field, value) {
    if (value === undefined || value === null || value === "") return "";
    if (field && field.type === "bool") return value ? "yes" : "no";
    if (field && field.type === "editor") return String(value).replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
    if (Array.isArray(value)) return value.join(", ");
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
}

function cell(field, record, collections) {
    const value = record[field?.name];
    if (field && field.type === "relation" && value && value.length) {
        const target = collections.find((c) => c.id === field.collectionId || c.name === field.collectionId);
        const related = record.expand?.[field.name];
        const list = Array.isArray(related) ? related : related ? [related] : [];
        return td(list.length ? list.map((r) => labelOf(target, r)).join(", ") : display(field, value), "cell");
    }
    if (field && field.type === "file" && value && value.length) {
        const names = Array.isArray(value) ? value : [value];
        return td([names.map((n) => preview(record, n)), " ", names.join(", ")], "cell");
    }
    return td(display(field, value), "cell");
}

// A filter example built from the collection's own fields: a text field and a number, bool or date one.
export function filterPlaceholder(collection) {
    const fields = collection.fields.filter((f) => !f.hidden && f.name !== "id");
    const text = fields.find((f) => ["text", "editor", "email", "url"].includes(f.type));
    const select = fields.find((f) => f.type === "select" && (f.values || []).length);
    const other = fields.find((f) => ["number", "bool", "date", "autodate"].includes(f.type));
    const parts = [];
    if (select) parts.push(`${select.name} = "${select.values[0]}"`);
    else if (text) parts.push(`${text.name} ~ "word"`);
    if (other) {
        parts.push(other.type === "number" ? `${other.name} > 10` : other.type === "bool" ? `${other.name} = true`
            : `${other.name} >= "2026-01-01"`);
    }
    return parts.join(" && ") || 'id != ""';
}

function columnsKey(collection) {
    return `wxbase-console-columns-${collection.name}`;
}

export async function collectionView(main, collection, collections) {
    const fields = collection.fields.filter((f) => f.name !== "id");
    const state = { page: 1, perPage: 30, sort: "", filter: "" };
    const saved = JSON.parse(localStorage.getItem(columnsKey(collection)) || "null");
    let shown = new Set(saved || fields.filter((f) => !HIDDEN_BY_DEFAULT.has(f.type)).slice(0, 6).map((f) => f.name));

    const error = h("p", { class: "alert", role: "alert" });
    const status = h("p", { class: "status", role: "status" });
    const results = h("div");
    const pageInfo = h("span", { "aria-live": "polite" });
    const prev = h("button", { type: "button", onclick: () => { state.page -= 1; load(); } }, "Previous page");
    const next = h("button", { type: "button", onclick: () => { state.page += 1; load(); } }, "Next page");

    const filterId = uid("filter");
    const filter = h("input", { id: filterId, type: "search", placeholder: filterPlaceholder(collection),
                                "aria-describedby": `${filterId}-hint`, autocomplete: "off" });
    const perPageId = uid("perpage");
    const perPage = h("select", { id: perPageId, onchange: () => { state.perPage = Number(perPage.value); state.page = 1; load(); } },
        PER_PAGE.map((n) => h("option", { value: n, selected: n === state.perPage }, String(n))));
    const columnsId = uid("columns");
    const columnsButton = h("button", { type: "button", "aria-expanded": "false", "aria-controls": columnsId,
                                        onclick: () => toggleColumns() }, "Columns");
    const columnsBox = h("fieldset", { id: columnsId, class: "columns", hidden: true },
        h("legend", {}, "Columns to show"),
        fields.map((f) => {
            const id = uid("col");
            return h("label", { class: "check", for: id },
                h("input", { id, type: "checkbox", checked: shown.has(f.name), onchange: (e) => {
                    if (e.target.checked) shown.add(f.name); else shown.delete(f.name);
                    localStorage.setItem(columnsKey(collection), JSON.stringify([...shown]));
                    render(lastPage);
                } }), f.name);
        }));
    function toggleColumns() {
        const open = columnsBox.hidden;
        columnsBox.hidden = !open;
        columnsButton.setAttribute("aria-expanded", String(open));
        if (open) columnsBox.querySelector("input").focus();
    }

    const toolbar = h("form", { class: "toolbar", role: "search", "aria-label": `Filter ${collection.name}`,
                                onsubmit: (e) => { e.preventDefault(); state.filter = filter.value.trim(); state.page = 1; load(); } },
        h("div", { class: "grow" }, h("label", { for: filterId }, "Filter"), filter,
            h("span", { class: "hint", id: `${filterId}-hint` }, "PocketBase filter syntax; empty shows everything.")),
        h("button", { type: "submit" }, "Apply filter"),
        h("div", { class: "field" }, h("label", { for: perPageId }, "Per page"), perPage),
        columnsButton,
        h("button", { type: "button", class: "primary", onclick: () => openForm(null) }, "New record"));

    clear(main, h("h2", {}, `Collection ${collection.name}`), toolbar, columnsBox, error, status, results,
        h("nav", { class: "pager", "aria-label": "Pagination" }, prev, pageInfo, next));

    let lastPage = null;
    let loads = 0;

    function sortButton(name) {
        const current = state.sort === name ? "ascending" : state.sort === `-${name}` ? "descending" : "none";
        const th = h("th", { scope: "col", "aria-sort": current },
            h("button", { type: "button", onclick: () => {
                state.sort = current === "none" ? name : current === "ascending" ? `-${name}` : "";
                state.page = 1;
                load();
            } }, name, current === "ascending" ? " ▲" : current === "descending" ? " ▼" : ""));
        return th;
    }

    function render(page) {
        if (!page) return;
        const columns = ["id", ...fields.filter((f) => shown.has(f.name)).map((f) => f.name)];
        const byName = Object.fromEntries(collection.fields.map((f) => [f.name, f]));
        const rows = page.items.map((record) => h("tr", {},
            columns.map((name) => (name === "id" ? td(record.id, "cell") : cell(byName[name], record, collections))),
            td(h("button", { type: "button", "aria-label": `Edit record ${record.id}`, onclick: () => openForm(record) }, "Edit"),
                "actions")));
        const headers = [...columns.map(sortButton), h("th", { scope: "col" }, h("span", { class: "muted" }, "Actions"))];
        clear(results, table(`${collection.name} records`, headers, rows));
        if (!page.items.length) results.append(h("p", { class: "muted" }, "No records match."));
        const pages = Math.max(1, page.totalPages);
        pageInfo.textContent = `Page ${page.page} of ${pages} · ${page.totalItems} records`;
        prev.disabled = page.page <= 1;
        next.disabled = page.page >= pages;
    }

    async function load() {
        error.textContent = "";
        const fieldsParam = ["id", "collectionId", "collectionName", ...fields.map((f) => f.name), "expand"].join(",");
        // relations shown by their records' labels: expanded (each related record as its list rule allows admins)
        const expand = fields.filter((f) => f.type === "relation").map((f) => f.name).join(",");
        const asked = ++loads; // an older answer arriving late must not replace a newer one
        try {
            const page = await call(() => pb.collection(collection.name).getList(state.page, state.perPage, {
                filter: state.filter, sort: state.sort, fields: fieldsParam, expand: expand || undefined }));
            if (asked !== loads) return;
            lastPage = page;
            render(lastPage);
        } catch (err) {
            error.textContent = errorText(err);
        }
    }

    function openForm(record) {
        recordForm(collection, collections, record, (message) => {
            status.textContent = message;
            load();
        });
    }

    await load();
}
