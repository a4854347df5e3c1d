// The console: sign-in, then a shell with a section per task, routed by the URL's hash.
import { errorText, pb, call, restore, signIn, signOut, whenSessionEnds } from "./api.js";
import { h, clear } from "./dom.js";
import { auditView } from "./audit.js";
import { collectionView } from "./collections.js";
import { logsView } from "./logs.js";
import { opsView } from "./ops.js";
import { paymentsView } from "./payments.js";
import { reviewView } from "./review.js";
import { usersView } from "./users.js";

const app = document.getElementById("app");
let collections = [];

function signInView(message) {
    document.title = "Sign in · wxbase console";
    const error = h("p", { class: "alert", role: "alert", id: "signin-error" }, message || "");
    const key = h("input", { id: "admin-key", name: "key", type: "password", autocomplete: "current-password",
                             required: true, "aria-describedby": "signin-hint signin-error" });
    const submit = h("button", { type: "submit", class: "primary" }, "Sign in");
    const form = h("form", {
        onsubmit: async (e) => {
            e.preventDefault();
            submit.disabled = true;
            error.textContent = "";
            try {
                await signIn(key.value.trim());
                key.value = "";
                await start();
            } catch (err) {
                error.textContent = err.status === 401 ? "That admin key is not valid." : errorText(err);
                key.select();
            } finally {
                submit.disabled = false;
            }
        },
    }, h("label", { for: "admin-key" }, "Admin key"), key,
        h("p", { class: "hint", id: "signin-hint" }, "One of WXBASE_ADMIN_KEYS; under make dev, the key in .wxbase-data/admin-key. It is exchanged for a one-hour session."),
        error, submit);
    clear(app, h("main", { class: "signin" }, h("h1", {}, "wxbase console"), form));
    key.focus();
}

const SECTIONS = [
    ["#/review", "Review queue", reviewView],
    ["#/users", "Users", usersView],
    ["#/payments", "Payments", paymentsView],
    ["#/ops", "Operations", opsView],
    ["#/audit", "Audit log", auditView],
    ["#/logs", "Logs", logsView],
];

function shell() {
    const main = h("main", { id: "main", tabindex: "-1" });
    const links = [];
    const link = (href, text) => {
        const a = h("a", { href }, text);
        links.push(a);
        return h("li", {}, a);
    };
    const nav = h("nav", { "aria-label": "Sections" },
        h("p", { class: "group", id: "nav-collections" }, "Collections"),
        h("ul", { "aria-labelledby": "nav-collections" }, collections.map((c) => link(`#/c/${c.name}`, c.name))),
        h("p", { class: "group", id: "nav-tasks" }, "Tasks"),
        h("ul", { "aria-labelledby": "nav-tasks" }, SECTIONS.map(([href, text]) => link(href, text))));
    const header = h("header", {}, h("h1", {}, "wxbase console"),
        h("span", { class: "who" }, `Signed in as ${pb.authStore.record.name}`),
        h("button", { type: "button", onclick: () => { signOut(); location.hash = ""; signInView("You signed out."); } },
            "Sign out"));
    clear(app, h("div", { class: "shell" }, header, nav, main));
    return { main, links };
}

let layout = null;

async function route() {
    if (!pb.authStore.isValid || !layout) return;
    const hash = location.hash || (collections[0] ? `#/c/${collections[0].name}` : "#/review");
    for (const a of layout.links) {
        if (a.getAttribute("href") === hash) a.setAttribute("aria-current", "page");
        else a.removeAttribute("aria-current");
    }
    const { main } = layout;
    clear(main);
    const section = SECTIONS.find(([href]) => href === hash);
    let title;
    if (section) {
        title = section[1];
        await section[2](main);
    } else {
        const name = decodeURIComponent(hash.replace(/^#\/c\//, ""));
        const collection = collections.find((c) => c.name === name) || collections[0];
        title = collection.name;
        await collectionView(main, collection, collections);
    }
    document.title = `${title} · wxbase console`;
}

async function start() {
    collections = await call(() => pb.collections.getFullList({ batch: 500 }));
    layout = shell();
    await route();
    layout.main.focus();
}

window.addEventListener("hashchange", async () => {
    await route();
    if (layout) layout.main.focus();
});
whenSessionEnds((message) => {
    layout = null;
    signInView(message);
});

if (restore()) {
    start().catch((err) => signInView(errorText(err)));
} else {
    signInView();
}
