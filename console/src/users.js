// Users: search by id, name, phone, openid or unionid; identities per app; sign out everywhere.
import { errorText, send } from "./api.js";
import { confirmDialog, h, clear, table, td, uid } from "./dom.js";

const BY = [["auto", "Anything"], ["id", "User id"], ["name", "Name"], ["phone", "Phone"], ["openid", "OpenID"],
            ["unionid", "UnionID"]];

export async function usersView(main) {
    const error = h("p", { class: "alert", role: "alert" });
    const status = h("p", { class: "status", role: "status" });
    const results = h("div");
    const detail = h("section", { "aria-live": "polite" });
    const qId = uid("q");
    const byId = uid("by");
    const q = h("input", { id: qId, type: "search", autocomplete: "off", required: true });
    const by = h("select", { id: byId }, BY.map(([v, text]) => h("option", { value: v }, text)));
    const form = h("form", { class: "toolbar", role: "search", "aria-label": "Find users", onsubmit: async (e) => {
        e.preventDefault();
        error.textContent = "";
        status.textContent = "";
        detail.replaceChildren();
        try {
            const found = await send("/api/admin/users", { query: { q: q.value.trim(), by: by.value } });
            const rows = found.items.map((u) => h("tr", {}, td(u.name || "(no name)"), td(u.id), td(u.phone), td(u.created),
                td(h("button", { type: "button", "aria-label": `Open user ${u.id}`, onclick: () => open(u.id) }, "Open"), "actions")));
            clear(results, table("Users found", ["Name", "ID", "Phone", "Created", "Actions"], rows));
            if (!rows.length) results.append(h("p", { class: "muted" }, "No user found."));
        } catch (err) {
            error.textContent = errorText(err);
        }
    } },
        h("div", { class: "field" }, h("label", { for: byId }, "Search by"), by),
        h("div", { class: "grow" }, h("label", { for: qId }, "Search users"), q),
        h("button", { type: "submit", class: "primary" }, "Search"));
    clear(main, h("h2", {}, "Users"), form, error, status, results, detail);
    q.focus();

    async function open(id) {
        error.textContent = "";
        try {
            const u = await send(`/api/admin/users/${encodeURIComponent(id)}`);
            const heading = h("h3", { tabindex: "-1" }, `User ${u.name || u.id}`);
            const rows = u.identities.map((i) => h("tr", {}, td(i.appid), td(i.type), td(i.openid, "cell"), td(i.created), td(i.lastLogin)));
            clear(detail,
                heading,
                h("dl", { class: "props" },
                    h("dt", {}, "ID"), h("dd", {}, u.id), h("dt", {}, "Name"), h("dd", {}, u.name || ""),
                    h("dt", {}, "Phone"), h("dd", {}, u.phone || "none"), h("dt", {}, "UnionID"), h("dd", {}, u.unionid || "none"),
                    h("dt", {}, "Created"), h("dd", {}, u.created)),
                table(`Identities of user ${u.id}`, ["App", "Type", "OpenID", "Since", "Last login"], rows),
                h("p", {}, h("button", { type: "button", class: "danger", onclick: async () => {
                    if (!(await confirmDialog(`Sign user ${u.id} out on every device? They will have to log in again.`, "Sign out everywhere"))) return;
                    try {
                        await send(`/api/admin/users/${encodeURIComponent(u.id)}/sign-out`, { method: "POST" });
                        status.textContent = `User ${u.id} is signed out everywhere.`;
                    } catch (err) {
                        error.textContent = errorText(err);
                    }
                } }, "Sign out everywhere")));
            heading.focus();
        } catch (err) {
            error.textContent = errorText(err);
        }
    }
}
