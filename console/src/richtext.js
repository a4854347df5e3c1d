// Editor fields as rich text: Squire (contenteditable, the HTML PocketBase stores) with every HTML that enters the
// page — a record's stored value, a paste, a drop — passed through DOMPurify first, so a user's stored HTML can't
// run script, load anything or restyle the console in an admin's page. An untouched value is sent back exactly as
// it was stored; a changed one is Squire's HTML.
import DOMPurify from "dompurify";
import Squire from "squire-rte";
import { h, uid } from "./dom.js";

// Only what a content editor writes: no style, class or id (the page's CSP and layout stay ours), no media.
const PURIFY = {
    ALLOWED_TAGS: ["p", "div", "br", "b", "strong", "i", "em", "u", "s", "strike", "sub", "sup", "a", "ul", "ol", "li",
                   "blockquote", "pre", "code", "h1", "h2", "h3", "h4", "h5", "h6", "span", "hr", "table", "thead",
                   "tbody", "tr", "th", "td"],
    ALLOWED_ATTR: ["href", "title", "colspan", "rowspan"],
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|tel:|#|\/)/i,
};

export function sanitize(html) {
    return DOMPurify.sanitize(html || "", PURIFY);
}

function toFragment(html) {
    return DOMPurify.sanitize(html || "", { ...PURIFY, RETURN_DOM_FRAGMENT: true });
}

// [name, face, action, the tag whose presence at the caret shows the button pressed]
const TOOLS = [
    ["Bold", "B", (e) => (e.hasFormat("b") ? e.removeBold() : e.bold()), "b"],
    ["Italic", "I", (e) => (e.hasFormat("i") ? e.removeItalic() : e.italic()), "i"],
    ["Underline", "U", (e) => (e.hasFormat("u") ? e.removeUnderline() : e.underline()), "u"],
    ["Bulleted list", "•", (e) => (e.hasFormat("ul") ? e.removeList() : e.makeUnorderedList()), "ul"],
    ["Numbered list", "1.", (e) => (e.hasFormat("ol") ? e.removeList() : e.makeOrderedList()), "ol"],
    ["Quote", "❝", (e) => (e.hasFormat("blockquote") ? e.removeQuote() : e.increaseQuoteLevel()), "blockquote"],
    ["Link", "Link", (e) => {
        const url = window.prompt("Link address (https://…); empty removes the link", "https://");
        if (url === null) return;
        if (!url.trim()) e.removeLink();
        else if (PURIFY.ALLOWED_URI_REGEXP.test(url.trim())) e.makeLink(url.trim());
    }, "a"],
    ["Clear formatting", "⌫", (e) => e.removeAllFormatting()],
    ["Undo", "↶", (e) => e.undo()],
    ["Redo", "↷", (e) => e.redo()],
];

// Squire's HTML without the <br> it keeps at the end of a block so the caret has a line (invisible in the HTML).
function html(editor) {
    return editor.getHTML().replace(/<br>(?=<\/(?:p|li|h[1-6]|blockquote|div|pre)>)/g, "");
}

// {el: the control, read(): the HTML to store}. `labelId` names the editing area (role textbox, multiline).
export function richText(name, value, labelId) {
    const root = h("div", { class: "rich-area", role: "textbox", "aria-multiline": "true", "aria-labelledby": labelId,
                           "data-field": name });
    // Paragraphs as blocks: the HTML PocketBase's own editor (TinyMCE) stores.
    const editor = new Squire(root, { blockTag: "P", sanitizeToDOMFragment: (html) => toFragment(html) });
    const original = value ?? "";
    editor.setHTML(original);
    const shown = html(editor);
    const buttons = TOOLS.map(([label, face, run, tag]) => [tag, h("button", {
        type: "button", title: label, "aria-label": label, "aria-pressed": tag ? "false" : undefined,
        onmousedown: (event) => event.preventDefault(), // keep the selection in the text
        onclick: () => { run(editor); editor.focus(); },
    }, face)]);
    // The toggles say whether the text at the caret has their format (for screen readers and the eye alike).
    editor.addEventListener("pathChange", () => {
        for (const [tag, button] of buttons) if (tag) button.setAttribute("aria-pressed", String(editor.hasFormat(tag)));
    });
    const toolbar = h("div", { class: "rich-tools", role: "toolbar", "aria-label": `Format ${name}` },
        buttons.map(([, button]) => button));
    const el = h("div", { class: "rich", id: uid("rich") }, toolbar, root);
    return { el, control: root, read: () => {
        const now = html(editor);
        return now === shown ? original : now;
    } };
}
