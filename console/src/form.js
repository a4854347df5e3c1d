// The record form, generated from the collection's fields; saved through the records API, so the server applies
// exactly the validation it applies to any admin. Files go through the presigned upload flow first.
import { adminFileToken, call, errorText, fieldErrors, fileUrl, pb, thumbUrl, upload, withToken } from "./api.js";
import { confirmDialog, dialog, h, uid } from "./dom.js";
import { richText } from "./richtext.js";

const toLocal = (v) => (v ? String(v).replace(" ", "T").slice(0, 19) : "");
const fromLocal = (v) => (v ? `${v.replace("T", " ")}${v.length === 16 ? ":00" : ""}.000Z` : "");

function wrap(f, id, control, extra = []) {
    const errorId = `${id}-error`;
    control.setAttribute("aria-describedby", errorId);
    return h("div", { class: "form-field" },
        h("label", { for: id }, f.name, f.required ? " (required)" : ""), control, extra,
        h("span", { class: "field-error", id: errorId }));
}

function group(f, legend, body) {
    const id = uid("fs");
    return h("fieldset", { class: "form-field", "aria-describedby": `${id}-error` },
        h("legend", {}, legend, f.required ? " (required)" : ""), body,
        h("span", { class: "field-error", id: `${id}-error` }));
}

function textual(f, value, type) {
    const id = uid("f");
    const input = h("input", { id, name: f.name, type, value: value ?? "" });
    if (type === "number") input.step = f.onlyInt ? "1" : "any";
    return { el: wrap(f, id, input), read: () => (type === "number" ? (input.value === "" ? null : Number(input.value)) : input.value) };
}

function bool(f, value) {
    const id = uid("f");
    const input = h("input", { id, name: f.name, type: "checkbox", checked: !!value });
    const el = h("div", { class: "form-field" }, h("label", { class: "check", for: id }, input, f.name),
        h("span", { class: "field-error", id: `${id}-error` }));
    input.setAttribute("aria-describedby", `${id}-error`);
    return { el, read: () => input.checked };
}

// Rich text (richtext.js): the label names the editing area, which is not a form control `for` can point at.
function editorField(f, value) {
    const labelId = uid("lbl");
    const rich = richText(f.name, value, labelId);
    rich.control.setAttribute("aria-describedby", `${labelId}-error`);
    const el = h("div", { class: "form-field" },
        h("label", { id: labelId, onclick: () => rich.control.focus() }, f.name, f.required ? " (required)" : ""),
        rich.el, h("span", { class: "field-error", id: `${labelId}-error` }));
    return { el, read: rich.read };
}

function jsonField(f, value) {
    const id = uid("f");
    const area = h("textarea", { id, name: f.name, rows: "5" });
    area.value = value === undefined || value === null ? "" : JSON.stringify(value, null, 2);
    return {
        el: wrap(f, id, area, h("span", { class: "hint" }, "JSON")),
        read: () => {
            if (!area.value.trim()) return null;
            try {
                return JSON.parse(area.value);
            } catch {
                throw { field: f.name, message: "Not valid JSON." };
            }
        },
    };
}

function dateField(f, value) {
    const id = uid("f");
    const input = h("input", { id, name: f.name, type: "datetime-local", step: "1", value: toLocal(value) });
    return { el: wrap(f, id, input, h("span", { class: "hint" }, "UTC")), read: () => fromLocal(input.value) };
}

function autodate(f, value) {
    const id = uid("f");
    const input = h("input", { id, name: f.name, readonly: true, value: value || "set when saved" });
    return { el: wrap(f, id, input, h("span", { class: "hint" }, "Set by the server")), read: () => undefined };
}

function select(f, value) {
    if ((f.maxSelect || 1) > 1) {
        const chosen = new Set(Array.isArray(value) ? value : []);
        const boxes = f.values.map((v) => {
            const id = uid("opt");
            return [v, h("input", { id, type: "checkbox", checked: chosen.has(v) }), id];
        });
        return {
            el: group(f, f.name, h("div", { class: "chips" },
                boxes.map(([v, box, id]) => h("label", { class: "check", for: id }, box, v)))),
            read: () => boxes.filter(([, box]) => box.checked).map(([v]) => v),
        };
    }
    const id = uid("f");
    const sel = h("select", { id, name: f.name },
        h("option", { value: "" }, "(none)"), f.values.map((v) => h("option", { value: v, selected: v === value }, v)));
    return { el: wrap(f, id, sel), read: () => sel.value };
}

// An image file's thumbnail (made by the server on first request). Tried as is (a public file keeps its cacheable
// link), then once with an admin file token (a protected or held image); removed when neither loads.
export function preview(record, name, cls = "thumb") {
    const src = thumbUrl(record, name);
    if (!src) return null;
    const img = h("img", { class: cls, src, alt: "", loading: "lazy", "data-file": name });
    let tokened = false;
    img.addEventListener("error", async () => {
        if (tokened) return img.remove();
        tokened = true;
        try {
            img.src = withToken(src, await adminFileToken());
        } catch {
            img.remove();
        }
    });
    return img;
}

// A link to a file that opens protected ones too: the token is added as the pointer or focus reaches it.
export function fileLink(record, name) {
    const url = fileUrl(record, name);
    const a = h("a", { href: url, target: "_blank", rel: "noopener" }, name);
    const arm = () => adminFileToken().then((token) => { a.href = withToken(url, token); }, () => {});
    a.addEventListener("pointerenter", arm);
    a.addEventListener("focus", arm);
    return a;
}

function fileField(f, value, record) {
    const multiple = (f.maxSelect || 1) > 1;
    const existing = (Array.isArray(value) ? value : value ? [value] : []).map((name) => {
        const id = uid("keep");
        return [name, h("input", { id, type: "checkbox", checked: true }), id];
    });
    const id = uid("f");
    const input = h("input", { id, type: "file", multiple, accept: (f.mimeTypes || []).join(",") || undefined });
    const el = group(f, f.name, [
        existing.length ? h("ul", { class: "results" }, existing.map(([name, box, boxId]) => h("li", {},
            h("label", { class: "check", for: boxId }, box, "Keep "), preview(record, name, "thumb large"),
            fileLink(record, name)))) : null,
        h("label", { for: id }, multiple ? `Add files to ${f.name}` : `Upload a file to ${f.name}`), input,
        h("span", { class: "hint" }, [f.maxSize ? `Up to ${Math.round(f.maxSize / 1024)} KB` : "",
                                      (f.mimeTypes || []).join(", ")].filter(Boolean).join(" · ")),
    ]);
    return {
        el,
        files: () => [...input.files],
        read: (uploaded) => {
            const kept = existing.filter(([, box]) => box.checked).map(([name]) => name);
            const names = multiple ? [...kept, ...uploaded] : uploaded.length ? uploaded.slice(-1) : kept.slice(0, 1);
            return multiple ? names : names[0] || "";
        },
    };
}

const LABEL_NAMES = ["name", "nickname", "title", "label", "caption", "username", "email"];

// A record as a person recognises it: a presentable field, else name/nickname/title…, else any text; with its id.
export function labelOf(target, record) {
    const fields = (target?.fields || []).filter((f) => f.name !== "id" && record[f.name] && typeof record[f.name] === "string");
    const pick = fields.find((f) => f.presentable)
        || LABEL_NAMES.map((n) => fields.find((f) => f.name === n)).find(Boolean)
        || fields.find((f) => f.type === "text");
    return pick ? `${record[pick.name]} (${record.id})` : record.id;
}

function relationField(f, value, collections) {
    const target = collections.find((c) => c.id === f.collectionId || c.name === f.collectionId);
    const multiple = (f.maxSelect || 1) > 1;
    let chosen = Array.isArray(value) ? [...value] : value ? [value] : [];
    const labels = {}; // id → label, for the chosen records
    const chips = h("ul", { class: "chips", "aria-label": `Chosen ${target ? target.name : ""} records` });
    const results = h("ul", { class: "results", "aria-live": "polite" });
    const id = uid("f");
    const search = h("input", { id, type: "search", autocomplete: "off", placeholder: "text or id" });
    const drawChips = () => {
        chips.replaceChildren(...chosen.map((rid) => h("li", {}, labels[rid] || rid,
            h("button", { type: "button", "aria-label": `Remove ${rid} from ${f.name}`,
                          onclick: () => { chosen = chosen.filter((x) => x !== rid); drawChips(); } }, "×"))));
        if (!chosen.length) chips.append(h("li", { class: "muted" }, "none"));
    };
    const find = async () => {
        if (!target) return;
        const q = search.value.trim().replace(/["\\]/g, "");
        const texts = target.fields.filter((x) => x.type === "text" && x.name !== "id").map((x) => `${x.name} ~ "${q}"`);
        const filter = q ? [`id = "${q}"`, ...texts].join(" || ") : "";
        results.replaceChildren(h("li", { class: "muted" }, "Searching…"));
        try {
            const page = await call(() => pb.collection(target.name).getList(1, 10, { filter, sort: "-created", skipTotal: 1 }));
            results.replaceChildren(...page.items.map((r) => h("li", {}, h("button", { type: "button", onclick: () => {
                chosen = multiple ? [...chosen.filter((x) => x !== r.id), r.id] : [r.id];
                labels[r.id] = labelOf(target, r);
                drawChips();
                results.replaceChildren();
                search.focus();
            } }, `Pick ${labelOf(target, r)}`))));
            if (!page.items.length) results.append(h("li", { class: "muted" }, "Nothing found."));
        } catch (err) {
            results.replaceChildren(h("li", { class: "field-error" }, errorText(err)));
        }
    };
    let typing = null;
    search.addEventListener("input", () => { // search as the name is typed
        clearTimeout(typing);
        typing = setTimeout(find, 300);
    });
    if (target && chosen.length) { // the chosen records' labels, in one read
        call(() => pb.collection(target.name).getList(1, chosen.length, {
            filter: chosen.map((rid) => `id = "${rid.replace(/["\\]/g, "")}"`).join(" || "), skipTotal: 1 }))
            .then((page) => { for (const r of page.items) labels[r.id] = labelOf(target, r); drawChips(); })
            .catch(() => {});
    }
    search.addEventListener("keydown", (e) => {
        if (e.key === "Enter") {
            e.preventDefault();
            find();
        }
    });
    drawChips();
    return {
        el: group(f, `${f.name} → ${target ? target.name : f.collectionId}`, [
            chips,
            h("div", { class: "picker" }, h("label", { for: id }, `Search ${target ? target.name : ""}`), search,
                h("button", { type: "button", onclick: find }, "Find")),
            results,
        ]),
        read: () => (multiple ? chosen : chosen[0] || ""),
    };
}

function control(f, record, collections) {
    const value = record ? record[f.name] : undefined;
    switch (f.type) {
        case "number": return textual(f, value, "number");
        case "email": return textual(f, value, "email");
        case "url": return textual(f, value, "url");
        case "bool": return bool(f, value);
        case "editor": return editorField(f, value);
        case "json": return jsonField(f, value);
        case "date": return dateField(f, value);
        case "autodate": return autodate(f, value);
        case "select": return select(f, value);
        case "file": return fileField(f, value, record);
        case "relation": return relationField(f, value, collections);
        default: return textual(f, value, "text");
    }
}

export function recordForm(collection, collections, record, done) {
    const title = record ? `Edit ${collection.name} record ${record.id}` : `New ${collection.name} record`;
    dialog(title, (dlg, heading, close) => {
        const fields = collection.fields.filter((f) => f.name !== "id");
        const controls = fields.map((f) => [f, control(f, record, collections)]);
        const alert = h("p", { class: "alert", role: "alert" });
        const save = h("button", { type: "submit", class: "primary" }, record ? "Save changes" : "Create record");
        const showErrors = (errors) => {
            for (const [f, c] of controls) {
                const slot = c.el.querySelector(".field-error");
                slot.textContent = errors[f.name] || "";
                const input = c.el.querySelector("input, select, textarea, .rich-area");
                if (input) input.toggleAttribute("aria-invalid", !!errors[f.name]);
            }
            const firstBad = controls.find(([f]) => errors[f.name]);
            if (firstBad) (firstBad[1].el.querySelector("input, select, textarea, .rich-area, button") || alert).focus();
        };
        const submit = async (e) => {
            e.preventDefault();
            save.disabled = true;
            alert.textContent = "";
            showErrors({});
            try {
                let recordId = record ? record.id : "";
                const body = {};
                for (const [f, c] of controls) {
                    if (f.type === "file") {
                        const names = [];
                        for (const file of c.files()) {
                            const ticket = await upload(collection.name, f.name, recordId, file);
                            recordId = ticket.recordId;
                            names.push(ticket.name);
                        }
                        body[f.name] = c.read(names);
                        continue;
                    }
                    const value = c.read();
                    if (value !== undefined) body[f.name] = value;
                }
                const api = pb.collection(collection.name);
                const saved = await call(() => (record ? api.update(record.id, body)
                                                       : api.create(recordId ? { ...body, id: recordId } : body)));
                close();
                done(record ? `Saved record ${saved.id}.` : `Created record ${saved.id}.`);
            } catch (err) {
                if (err && err.field) {
                    showErrors({ [err.field]: err.message });
                    alert.textContent = err.message;
                } else {
                    alert.textContent = errorText(err);
                    showErrors(fieldErrors(err));
                }
            } finally {
                save.disabled = false;
            }
        };
        const remove = record ? h("button", { type: "button", class: "danger", onclick: async () => {
            if (!(await confirmDialog(`Delete ${collection.name} record ${record.id}? This can't be undone.`, "Delete record"))) return;
            try {
                await call(() => pb.collection(collection.name).delete(record.id));
                close();
                done(`Deleted record ${record.id}.`);
            } catch (err) {
                alert.textContent = errorText(err);
            }
        } }, "Delete record") : null;
        dlg.append(h("form", { novalidate: true, onsubmit: submit }, heading, alert,
            controls.map(([, c]) => c.el),
            h("div", { class: "buttons" }, remove, h("button", { type: "button", onclick: close }, "Cancel"), save)));
    });
}
