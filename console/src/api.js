// The API, through the official PocketBase SDK (records and collections) and its `send` for the admin routes.
// The admin session lives in sessionStorage: it ends with the tab, and within the hour the server allows.
import PocketBase, { BaseAuthStore } from "pocketbase";

const KEY = "wxbase-console-session";
// The console is served at <API base>/_/, so the API base is wherever that page is (a stage or base path too).
const base = location.origin + location.pathname.replace(/\/_\/?$/, "");
export const pb = new PocketBase(base, new BaseAuthStore());
pb.autoCancellation(false);

let onEnded = () => {};
export function whenSessionEnds(fn) {
    onEnded = fn;
}

export function restore() {
    try {
        const saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
        if (saved && saved.token) pb.authStore.save(saved.token, saved.admin);
    } catch {
        sessionStorage.removeItem(KEY);
    }
    return pb.authStore.isValid ? pb.authStore.record : null;
}

export async function signIn(key) {
    const answer = await pb.send("/api/admins/auth-with-key", { method: "POST", body: { key } });
    pb.authStore.save(answer.token, answer.admin);
    sessionStorage.setItem(KEY, JSON.stringify({ token: answer.token, admin: answer.admin }));
    return answer.admin;
}

export function signOut() {
    pb.authStore.clear();
    fileToken = null;
    sessionStorage.removeItem(KEY);
}

// Any call: a 401/403 while signed in means the session ended (expired, or its key was removed).
export async function call(fn) {
    try {
        return await fn();
    } catch (err) {
        if (err && (err.status === 401 || err.status === 403) && pb.authStore.token) {
            signOut();
            onEnded("Your session has ended; sign in again.");
        }
        throw err;
    }
}

export function send(path, options = {}) {
    return call(() => pb.send(path, options));
}

export function errorText(err) {
    const data = err && err.response;
    if (data && data.message) return data.message;
    if (err && err.status === 0) return "The server could not be reached.";
    return (err && err.message) || "Something went wrong.";
}

export function fieldErrors(err) {
    const data = (err && err.response && err.response.data) || {};
    const out = {};
    for (const [name, value] of Object.entries(data)) out[name] = (value && value.message) || "Invalid value.";
    return out;
}

export function fileUrl(record, name) {
    return `${base}/api/files/${encodeURIComponent(record.collectionName)}/${encodeURIComponent(record.id)}/${encodeURIComponent(name)}`;
}

const IMAGE = /\.(jpe?g|png|gif|webp)$/i;

// An <img> or a link can't send the admin's session, so files a guest may not fetch (a protected field, a view rule
// that isn't public, an image held by content security) open with an admin file token (`?token=`, three minutes):
// fetched when first needed, shared, renewed before it ends.
let fileToken = null; // { promise, until }
export function adminFileToken() {
    if (!fileToken || fileToken.until < Date.now()) {
        const until = Date.now() + 150_000;
        const promise = send("/api/files/token", { method: "POST" }).then((answer) => answer.token);
        fileToken = { promise, until };
        promise.catch(() => { fileToken = null; });
    }
    return fileToken.promise;
}

export function withToken(url, token) {
    return `${url}${url.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`;
}

// A 100x100 thumbnail (PocketBase's always-served size) for an image file, else null.
export function thumbUrl(record, name) {
    return IMAGE.test(name) ? `${fileUrl(record, name)}?thumb=100x100` : null;
}

// The presigned upload flow: a ticket from the API, the file posted straight to storage, its name returned
// (to be set on the record, whose write attaches it).
export async function upload(collection, field, recordId, file) {
    const ticket = await send("/api/files/upload", {
        method: "POST",
        body: { collection, field, recordId: recordId || undefined, filename: file.name, size: file.size,
                contentType: file.type || "application/octet-stream" },
    });
    if (ticket.multipart) {
        throw new Error(`${file.name} is larger than 10 MB; upload it with the API's multipart flow.`);
    }
    const form = new FormData();
    for (const [k, v] of Object.entries(ticket.fields)) form.append(k, v);
    form.append("file", file);
    const reply = await fetch(ticket.url, { method: "POST", body: form });
    if (!reply.ok) throw new Error(`Storage refused ${file.name} (${reply.status}).`);
    return ticket;
}
