// A small DOM builder: h("button", { class: "primary", onclick }, "Save"). Strings become text nodes (never HTML).
export function h(tag, attrs = {}, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
        if (value === undefined || value === null || value === false) continue;
        if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
        else if (key === "class") el.className = value;
        else if (key === "value" || key === "checked" || key === "indeterminate") el[key] = value;
        else el.setAttribute(key, value === true ? "" : String(value));
    }
    append(el, children);
    return el;
}

export function append(el, children) {
    for (const child of children.flat(Infinity)) {
        if (child === null || child === undefined || child === false) continue;
        el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
}

export function clear(el, ...children) {
    el.replaceChildren();
    return append(el, children);
}

let counter = 0;
export function uid(prefix = "c") {
    counter += 1;
    return `${prefix}-${counter}`;
}

// A table in a scrollable, focusable region (keyboard users can scroll it), with a caption naming it.
export function table(caption, headers, rows) {
    const region = h("div", { class: "table-wrap", role: "region", "aria-label": caption, tabindex: "0" });
    region.append(h("table", {}, h("caption", {}, caption),
        h("thead", {}, h("tr", {}, headers.map((x) => (x instanceof Node ? x : h("th", { scope: "col" }, x))))),
        h("tbody", {}, rows)));
    return region;
}

export function td(value, cls) {
    return h("td", { class: cls }, value);
}

// A modal dialog: Escape and Cancel close it, focus returns to what opened it.
export function dialog(labelText, build) {
    const opener = document.activeElement;
    const titleId = uid("dlg");
    const dlg = h("dialog", { "aria-labelledby": titleId });
    document.body.append(dlg);
    const close = () => dlg.close();
    dlg.addEventListener("close", () => {
        dlg.remove();
        if (opener && opener.isConnected) opener.focus();
    });
    build(dlg, h("h2", { id: titleId }, labelText), close);
    dlg.showModal();
    const first = dlg.querySelector("[autofocus], input:not([type=hidden]):not([readonly]), select, textarea, button");
    if (first) first.focus();
    return dlg;
}

export function confirmDialog(message, confirmLabel, danger = true) {
    return new Promise((resolve) => {
        let answer = false;
        const dlg = dialog("Please confirm", (d, title, close) => {
            const yes = h("button", { type: "submit", class: danger ? "danger primary" : "primary" }, confirmLabel);
            const form = h("form", { class: "body", onsubmit: (e) => { e.preventDefault(); answer = true; close(); } },
                title, h("p", {}, message),
                h("div", { class: "buttons" }, h("button", { type: "button", onclick: close }, "Cancel"), yes));
            d.append(form);
        });
        dlg.addEventListener("close", () => resolve(answer));
        dlg.querySelector("button[type=submit]").focus();
    });
}

export function fmtEpoch(seconds) {
    if (!seconds) return "";
    return new Date(seconds * 1000).toISOString().replace("T", " ").slice(0, 19) + "Z";
}

export function fmtDuration(seconds) {
    if (seconds === null || seconds === undefined) return "";
    const sign = seconds < 0 ? "-" : "";
    const s = Math.abs(seconds);
    return sign + (s >= 3600 ? `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min` : `${Math.floor(s / 60)} min ${s % 60} s`);
}
