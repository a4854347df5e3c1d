// fetch() for the PocketBase SDK over wx.request: status, headers, JSON and text bodies, timeouts and abort.
import { abortError, onAbort } from "./abort.js";

const TEXT = "text";

function utf8Decode(buffer) {
    const bytes = new Uint8Array(buffer);
    let binary = "";
    for (let i = 0; i < bytes.length; i += 8192) {
        binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
    }
    try {
        return decodeURIComponent(escape(binary));
    } catch (e) {
        return binary;
    }
}

function utf8Encode(text) {
    const binary = unescape(encodeURIComponent(text));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) {
        bytes[i] = binary.charCodeAt(i);
    }
    return bytes.buffer;
}

export class Headers {
    constructor(init) {
        this._map = {};
        for (const name in init || {}) {
            this._map[name.toLowerCase()] = String(init[name]);
        }
    }
    get(name) {
        const value = this._map[String(name).toLowerCase()];
        return value === undefined ? null : value;
    }
    has(name) {
        return this.get(name) !== null;
    }
    forEach(fn) {
        for (const name in this._map) {
            fn(this._map[name], name, this);
        }
    }
    entries() {
        return Object.keys(this._map).map((k) => [k, this._map[k]])[Symbol.iterator]();
    }
}

export class Response {
    constructor(url, res) {
        this.url = url;
        this.status = res.statusCode;
        this.statusText = "";
        this.ok = this.status >= 200 && this.status < 300;
        this.headers = new Headers(res.header);
        this.bodyUsed = false;
        this._body = res.data;
    }
    _take() {
        this.bodyUsed = true;
        return this._body;
    }
    text() {
        const body = this._take();
        if (body instanceof ArrayBuffer) {
            return Promise.resolve(utf8Decode(body));
        }
        if (body === undefined || body === null) {
            return Promise.resolve("");
        }
        return Promise.resolve(typeof body === "string" ? body : JSON.stringify(body));
    }
    json() {
        return this.text().then((text) => JSON.parse(text)); // an empty body (204) throws, as fetch's does
    }
    arrayBuffer() {
        const body = this._take();
        return Promise.resolve(body instanceof ArrayBuffer ? body : utf8Encode(typeof body === "string" ? body : ""));
    }
}

function requestError(url, err, timeout) {
    const errMsg = (err && err.errMsg) || String(err);
    const timedOut = /timeout/i.test(errMsg);
    const error = new Error(errMsg);
    error.name = timedOut ? "TimeoutError" : "NetworkError";
    error.errMsg = errMsg;
    error.url = url;
    // status 0 and PocketBase's error body, so ClientResponseError carries a readable message
    error.response = {
        status: 0,
        message: timedOut ? `The request timed out after ${timeout} ms.` : `The request failed: ${errMsg}`,
        data: {},
    };
    return error;
}

/** Pending requests by cancellation key; mini-program pages get their own keys (see createClient). */
export function createRequests() {
    const keyed = {};
    const all = new Set();
    return {
        enabled: true,
        track(key, entry) {
            all.add(entry);
            if (key !== null && key !== undefined) {
                if (keyed[key]) {
                    keyed[key].abort();
                }
                keyed[key] = entry;
            }
            return () => {
                all.delete(entry);
                if (key !== null && key !== undefined && keyed[key] === entry) {
                    delete keyed[key];
                }
            };
        },
        cancel(key) {
            if (keyed[key]) {
                keyed[key].abort();
            }
        },
        cancelAll() {
            for (const entry of Array.from(all)) {
                entry.abort();
            }
        },
        /** Aborts reads started by pages that are no longer on the stack. */
        sweep(isGone) {
            for (const entry of Array.from(all)) {
                if (entry.read && isGone(entry.page)) {
                    entry.abort();
                }
            }
        },
    };
}

/**
 * `wxFetch(url, init, ctx)`: init as fetch's (method, headers, body, signal, requestKey); ctx from the client:
 * timeout, responseType, the page that made the call and its default cancellation key.
 */
export function createFetch(api, requests, defaults) {
    return function wxFetch(url, init, ctx) {
        init = init || {};
        ctx = ctx || {};
        const method = String(init.method || "GET").toUpperCase();
        const timeout = ctx.timeout || defaults.timeout;
        return new Promise((resolve, reject) => {
            if (init.signal && init.signal.aborted) {
                reject(abortError());
                return;
            }
            const header = {};
            for (const name in init.headers || {}) {
                if (init.headers[name] !== undefined && init.headers[name] !== null && init.headers[name] !== "") {
                    header[name] = String(init.headers[name]);
                }
            }
            let task = null;
            let done = false;
            let untrack = () => {};
            let detach = () => {};
            const finish = () => {
                done = true;
                untrack();
                detach();
            };
            const abort = () => {
                if (done) {
                    return;
                }
                finish();
                if (task && typeof task.abort === "function") {
                    task.abort();
                }
                reject(abortError());
            };
            detach = onAbort(init.signal, abort);
            let key = init.requestKey === undefined ? ctx.defaultKey : init.requestKey;
            if (!requests.enabled || (init.requestKey === undefined && method !== "GET")) {
                key = null; // only reads are superseded by default: a write is never cancelled behind the caller's back
            }
            untrack = requests.track(key, { abort, page: ctx.page, read: method === "GET" });
            const body = init.body === null ? undefined : init.body;
            task = api.request({
                url,
                method,
                header,
                data: body,
                dataType: TEXT, // keep the raw text: the SDK parses it, and non-JSON bodies must survive
                responseType: ctx.responseType === "arraybuffer" ? "arraybuffer" : TEXT,
                timeout,
                success(res) {
                    if (done) {
                        return;
                    }
                    finish();
                    resolve(new Response(url, res));
                },
                fail(err) {
                    if (done) {
                        return;
                    }
                    finish();
                    reject(/abort/i.test((err && err.errMsg) || "") ? abortError() : requestError(url, err, timeout));
                },
            });
            if (task && typeof task.then === "function") {
                task.then(undefined, () => {});
            }
        });
    };
}
