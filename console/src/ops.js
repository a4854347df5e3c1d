// Operations: access-token health per app, subscribe messages by day, the callback dead letters with redrive, the rate limits in force, and
// the exports of every collection (backups) with an export on demand.
import { errorText, send } from "./api.js";
import { fmtDuration, fmtEpoch, h, clear, table, td, uid } from "./dom.js";

function tokens(section) {
    const error = h("p", { class: "alert", role: "alert" });
    const list = h("div");
    const load = async () => {
        try {
            const health = await send("/api/admin/tokens");
            const rows = health.items.map((t) => h("tr", {}, td(t.appid), td(t.type), td(t.tokenMode),
                td(t.hasToken ? h("span", { class: t.expiresIn > 300 ? "good" : "bad" }, fmtDuration(t.expiresIn)) : h("span", { class: "bad" }, "no token")),
                td(fmtEpoch(t.fetchedAt)), td(t.lastError ? h("span", { class: "bad" }, `${t.lastError} at ${fmtEpoch(t.lastErrorAt)}`) : "none"),
                td(String(t.failures)), td(String(t.fetches))));
            clear(list, table("Access tokens", ["App", "Type", "Mode", "Expires in", "Last fetched", "Last error", "Failed refreshes", "Fetches"], rows));
        } catch (err) {
            error.textContent = errorText(err);
        }
    };
    clear(section, h("h3", {}, "Access tokens"), error, list, h("button", { type: "button", onclick: load }, "Refresh tokens"));
    return load();
}

function messages(section) {
    const error = h("p", { class: "alert", role: "alert" });
    const list = h("div");
    const dayId = uid("day");
    const day = h("input", { id: dayId, type: "date", value: new Date().toISOString().slice(0, 10) });
    const more = h("button", { type: "button", hidden: true, onclick: () => load(cursor) }, "More messages");
    let rows = [];
    let cursor = null;
    const load = async (from) => {
        error.textContent = "";
        try {
            const page = await send("/api/admin/subscribe-messages", { query: { day: day.value, perPage: 30, cursor: from || undefined } });
            rows = from ? [...rows, ...page.items] : page.items;
            cursor = page.nextCursor;
            more.hidden = !cursor;
            const body = rows.map((m) => h("tr", {}, td(m.created), td(m.appid), td(m.template, "cell"), td(m.touser || m.user || "", "cell"),
                td(h("span", { class: m.status === "failed" ? "bad" : m.status === "sent" ? "good" : "" }, m.status)), td(m.sendAt),
                td(m.errcode ? `${m.errcode} ${m.error || ""}` : m.error || "", "cell")));
            clear(list, table(`Subscribe messages created on ${page.day}`, ["Created", "App", "Template", "To", "Status", "Send at", "Error"], body));
            if (!rows.length) list.append(h("p", { class: "muted" }, "No messages that day."));
        } catch (err) {
            error.textContent = errorText(err);
        }
    };
    clear(section, h("h3", {}, "Subscribe messages"),
        h("form", { class: "toolbar", "aria-label": "Choose a day", onsubmit: (e) => { e.preventDefault(); load(null); } },
            h("div", { class: "field" }, h("label", { for: dayId }, "Day (UTC)"), day),
            h("button", { type: "submit" }, "Show messages")),
        error, list, h("div", { class: "pager" }, more));
    return load(null);
}

function deadLetters(section) {
    const error = h("p", { class: "alert", role: "alert" });
    const status = h("p", { class: "status", role: "status" });
    const list = h("div");
    const count = h("p", {});
    const chosen = new Set();
    const redrive = h("button", { type: "button", class: "primary", disabled: true, onclick: async () => {
        error.textContent = "";
        try {
            const answer = await send("/api/admin/dead-letters/redrive", { method: "POST", body: { ids: [...chosen] } });
            await load();
            status.textContent = `Sent ${answer.redriven.length} message(s) back to the callback queue` +
                (answer.missing.length ? `; ${answer.missing.length} were no longer there.` : ".");
        } catch (err) {
            error.textContent = errorText(err);
        }
    } }, "Redrive selected");
    const load = async () => {
        chosen.clear();
        redrive.disabled = true;
        section.setAttribute("aria-busy", "true");
        try {
            const found = await send("/api/admin/dead-letters");
            count.textContent = `${found.waiting} message(s) waiting in ${found.queue}.`;
            const rows = found.items.map((m) => {
                const id = uid("dl");
                const box = h("input", { id, type: "checkbox", onchange: (e) => {
                    if (e.target.checked) chosen.add(m.id); else chosen.delete(m.id);
                    redrive.disabled = chosen.size === 0;
                } });
                return h("tr", {}, td(h("label", { class: "check", for: id }, box, h("span", { class: "muted" }, `Select message ${m.id}`))),
                    td(m.sentAt), td(m.appid), td(m.event || m.msgType), td(m.openid, "cell"), td(String(m.receiveCount)),
                    td(h("details", {}, h("summary", {}, "Body"), h("pre", {}, JSON.stringify(m.body, null, 2)))));
            });
            clear(list, table("Dead letters", ["Select", "Queued", "App", "Type", "From", "Receives", "Message"], rows));
            if (!rows.length) list.append(h("p", { class: "muted" }, "The dead-letter queue is empty."));
        } catch (err) {
            error.textContent = errorText(err);
        } finally {
            section.removeAttribute("aria-busy");
        }
    };
    clear(section, h("h3", {}, "Callback dead letters"),
        h("p", { class: "muted" }, "Pushes the callback worker gave up on after five tries. Listing leaves them in place; redrive sends them back to the worker."),
        count, error, status, list,
        h("div", { class: "pager" }, redrive, h("button", { type: "button", onclick: load }, "Refresh dead letters")));
    return load();
}

function backups(section) {
    const error = h("p", { class: "alert", role: "alert" });
    const status = h("p", { class: "status", role: "status" });
    const list = h("div");
    const load = async () => {
        try {
            const found = await send("/api/admin/backups");
            const latest = found.items[0];
            const rows = latest ? Object.entries(latest.collections).map(([name, bytes]) => h("tr", {}, td(name), td(String(bytes)))) : [];
            clear(list, h("p", {}, latest ? `Last export: ${latest.at} (${found.items.length} kept)` : "No export yet."),
                latest ? table("Collections in the last export", ["Collection", "Bytes"], rows) : "");
        } catch (err) {
            error.textContent = errorText(err);
        }
    };
    const exportNow = h("button", { type: "button", onclick: async () => {
        error.textContent = "";
        exportNow.disabled = true;
        try {
            const answer = await send("/api/admin/backups", { method: "POST" });
            const records = Object.values(answer.collections).reduce((a, b) => a + b, 0);
            status.textContent = `Exported ${records} record(s) at ${answer.at}.`;
            await load();
        } catch (err) {
            error.textContent = errorText(err);
        } finally {
            exportNow.disabled = false;
        }
    } }, "Export now");
    clear(section, h("h3", {}, "Backups"),
        h("p", { class: "muted" }, "Every collection is exported daily to the bucket; wxbase restore brings one back as of a time. The table also has point-in-time recovery."),
        error, status, list, h("div", { class: "pager" }, exportNow));
    return load();
}

function rateLimits(section) {
    const error = h("p", { class: "alert", role: "alert" });
    const list = h("div");
    clear(section, h("h3", {}, "Rate limits and WeChat budgets"),
        h("p", { class: "muted" }, "Requests per signed-in user, or per client IP for guests, in each window; admins and WeChat's pushes are not limited. Set with WXBASE_RATE_LIMITS."),
        error, list);
    return send("/api/admin/rate-limits").then((found) => {
        const rows = found.rules.map((r) => h("tr", {}, td(r.label), td(String(r.maxRequests)), td(`${r.duration} s`), td(r.audience || "everyone")));
        const per = (count, seconds) => (count ? `${count} per ${seconds === 3600 ? "hour" : seconds === 86400 ? "day" : `${seconds} s`}` : "no limit");
        const spends = Object.entries(found.budgets).map(([kind, b]) => h("tr", {}, td(kind), td(per(b.perUser, b.userWindow)), td(per(b.perApp, b.appWindow))));
        clear(list, h("p", {}, found.enabled ? `In force (${found.source === "default" ? "the defaults" : "WXBASE_RATE_LIMITS"}).` : "Off: WXBASE_RATE_LIMITS is an empty list."),
            found.enabled ? table("Rate limit rules", ["Label", "Max requests", "Window", "Audience"], rows) : "",
            table("Budgets on WeChat's paid calls", ["Kind", "Per user", "Per app"], spends));
    }).catch((err) => { error.textContent = errorText(err); });
}

export async function opsView(main) {
    const parts = [h("section", { class: "panel", "aria-label": "Access tokens" }),
                   h("section", { class: "panel", "aria-label": "Subscribe messages" }),
                   h("section", { class: "panel", "aria-label": "Callback dead letters" }),
                   h("section", { class: "panel", "aria-label": "Backups" }),
                   h("section", { class: "panel", "aria-label": "Rate limits" })];
    clear(main, h("h2", {}, "Operations"), parts);
    await Promise.all([tokens(parts[0]), messages(parts[1]), deadLetters(parts[2]), backups(parts[3]), rateLimits(parts[4])]);
}
