// createClient({ url }): the official PocketBase client, working inside a mini-program as it is.
import PocketBase, { ClientResponseError, BaseAuthStore, getTokenPayload, isTokenExpired } from "pocketbase";
import { AbortController, AbortSignal } from "./abort.js";
import { WxAuthStore } from "./auth-store.js";
import { createFetch, createRequests } from "./fetch.js";
import { createFiles } from "./files.js";
import { createPages } from "./pages.js";
import { createPay } from "./pay.js";
import { createStorage, resolvePlatform } from "./platform.js";
import { createRealtime } from "./realtime/index.js";
import { createSession, isAuthPath } from "./session.js";
import { createUploader } from "./upload.js";

function hasHeader(headers, name) {
    for (const key in headers || {}) {
        if (key.toLowerCase() === name) {
            return true;
        }
    }
    return false;
}

function take(options, name) {
    const value = options[name];
    delete options[name];
    return value;
}

export function createClient(options) {
    options = options || {};
    if (!options.url || typeof options.url !== "string") {
        throw new Error("createClient({ url }): url is the wxbase API, e.g. https://api.example.com");
    }
    const platform = resolvePlatform(options.adapter);
    const storage = createStorage(platform.api);
    const authStore = new WxAuthStore(storage, options.storageKey);
    const pb = new PocketBase(options.url.replace(/\/+$/, ""), authStore, options.lang);

    // The SDK's auto-cancellation needs a global AbortController; ours replaces it: a newer identical read from
    // the same page supersedes the older one, reads of closed pages are dropped, writes are never cancelled
    // unless the call names a requestKey, and pages don't cancel each other's calls.
    pb.autoCancellation(false);
    const requests = createRequests();
    const pages = createPages(platform.pages);
    pb.autoCancellation = (enable) => {
        requests.enabled = !!enable;
        return pb;
    };
    pb.cancelRequest = (key) => {
        requests.cancel(key);
        return pb;
    };
    pb.cancelAllRequests = () => {
        requests.cancelAll();
        return pb;
    };

    const wxFetch = createFetch(platform.api, requests, { timeout: options.timeout || 60000 });
    const session = createSession(pb, platform, storage, options);
    const rawSend = pb.send.bind(pb);

    pb.send = async function send(path, sendOptions) {
        const o = Object.assign({}, sendOptions);
        const page = pages.current();
        const ctx = {
            timeout: take(o, "timeout"),
            responseType: take(o, "responseType"),
            page,
            defaultKey: pages.scope(page) + "|" + String(o.method || "GET").toUpperCase() + path,
        };
        requests.sweep((p) => !!p && pages.state(p) === "gone");
        if (!o.fetch) {
            o.fetch = (url, init) => wxFetch(url, init, ctx);
        }
        const authCall = isAuthPath(path);
        if (!authCall) {
            await session.beforeCall();
        }
        const sentToken = hasHeader(o.headers, "authorization") ? "" : pb.authStore.token;
        try {
            return await rawSend(path, o);
        } catch (err) {
            // A 401 for the stored token (expired or revoked): sign in again silently, once, and repeat the call.
            if (err && err.status === 401 && !authCall && sentToken && session.canRelogin()) {
                if (pb.authStore.token === sentToken) {
                    await session.relogin().catch(() => null);
                }
                if (pb.authStore.token && pb.authStore.token !== sentToken) {
                    return rawSend(path, o);
                }
            }
            throw err;
        }
    };

    const files = createFiles(pb);
    const realtime = createRealtime(pb, platform, pages, options.realtime);
    pb.realtime = realtime.sdkRealtime;

    pb.wx = {
        login: session.login,
        logout: session.logout,
        refresh: session.refresh,
        upload: createUploader(pb, platform.api, {
            concurrency: (options.upload && options.upload.concurrency) || 3,
            retries: options.upload && options.upload.retries !== undefined ? options.upload.retries : 3,
            retryDelay: (options.upload && options.upload.retryDelay) || 500,
            uploadTimeout: (options.upload && options.upload.timeout) || 120000,
        }),
        fileUrl: files.fileUrl,
        fileToken: files.fileToken,
        subscribe: realtime.subscribe,
        pay: createPay(pb, platform.api, realtime.subscribe, options.pay),
        fetch: wxFetch,
    };
    return pb;
}

export default createClient;
export {
    PocketBase,
    ClientResponseError,
    BaseAuthStore,
    WxAuthStore,
    AbortController,
    AbortSignal,
    getTokenPayload,
    isTokenExpired,
};
