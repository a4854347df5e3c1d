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

const TOOLS = [
    ["Bold", "B", (e) => (e.hasFormat("b") ? e.removeBold() : e.bold())],
    ["Italic", "I", (e) => (e.hasFormat("i") ? e.removeItalic() : e.italic())],
    ["Underline", "U", (e) => (e.hasFormat("u") ? e.removeUnderline() : e.underline())],
    ["Bulleted list", "•", (e) => (e.hasFormat("ul") ? e.removeList() : e.makeUnorderedList())],
    ["Numbered list", "1.", (e) => (e.hasFormat("ol") ? e.removeList() : e.makeOrderedList())],
    ["Quote", "❝", (e) => (e.hasFormat("blockquote") ? e.removeQuote() : e.increaseQuoteLevel())],
    ["Link", "Link", (e) => {
        const url = window.prompt("Link address (https://…)", "https://");
        if (url === null) return;
        if (!url.trim()) e.removeLink();
        else if (PURIFY.ALLOWED_URI_REGEXP.test(url.trim())) e.makeLink(url.trim());
    }],
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
    const toolbar = h("div", { class: "rich-tools", role: "toolbar", "aria-label": `Format ${name}` },
        TOOLS.map(([label, face, run]) => h("button", {
            type: "button", title: label, "aria-label": label,
            onmousedown: (event) => event.preventDefault(), // keep the selection in the text
            onclick: () => { run(editor); editor.focus(); },
        }, face)));
    const el = h("div", { class: "rich", id: uid("rich") }, toolbar, root);
    return { el, control: root, read: () => {
        const now = html(editor);
        return now === shown ? original : now;
    } };
}
