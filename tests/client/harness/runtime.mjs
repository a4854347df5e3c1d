// A strict simulated mini-program runtime for the client package's tests.
//
// The package runs in a node:vm context holding only what WeChat's JS engine gives a mini-program: ECMAScript
// built-ins, timers, console, `wx`, getCurrentPages/getApp/App/Page and CommonJS `require` within the npm build
// output. No fetch, FormData, AbortController, EventSource, Blob, localStorage, XMLHttpRequest, setImmediate,
// TextEncoder, URL, atob... `wx.*` is implemented over real HTTP to the local wxbase stack: wx.request → node http
// (Referer as WeChat sets it), wx.uploadFile → a real multipart/form-data POST, the FileSystemManager over a temp
// folder, wx storage over a map saved to a file (a new MiniProgram on the same folder is an app restart), and
// wx.login returning sandbox-<name> codes. Network faults (which can't be produced for real here) are injected
// at the wx layer with `fail()`.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import vm from "node:vm";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const MAX_SOCKETS = 5; // WeChat: at most 5 WebSocket connections at once
export const REPO = path.resolve(HERE, "..", "..", "..");
export const PACKAGE_DIST = path.join(REPO, "client", "miniprogram_dist");
export const EXAMPLE_DIR = path.join(REPO, "examples", "miniprogram");
const NPM_DIR = "miniprogram_npm/wxbase-miniprogram";

/** Web and Node globals a mini-program does not have. */
export const ABSENT = [
    "fetch", "Headers", "Request", "Response", "FormData", "Blob", "File", "FileReader", "AbortController",
    "AbortSignal", "EventSource", "WebSocket", "XMLHttpRequest", "localStorage", "sessionStorage", "indexedDB",
    "setImmediate", "clearImmediate", "queueMicrotask", "structuredClone", "TextEncoder", "TextDecoder", "URL",
    "URLSearchParams", "atob", "btoa", "window", "document", "navigator", "location", "self", "global", "process",
    "Buffer", "crypto",
];
/** Feature checks the SDK makes (`typeof FormData`, `typeof window`...) that behave the same when absent. */
export const SDK_FEATURE_CHECKS = ["FormData", "Blob", "File", "window", "navigator", "global", "atob"];

/** setData's paths: "a", "a.b", "list[3]", "list[3].title". */
function setPath(target, path, value) {
    const keys = path.replace(/\[(\d+)\]/g, ".$1").split(".");
    let node = target;
    for (const key of keys.slice(0, -1)) {
        if (node[key] === undefined || node[key] === null) {
            node[key] = {};
        }
        node = node[key];
    }
    node[keys.at(-1)] = value;
}

function rawHeaders(res) {
    const out = {};
    for (let i = 0; i < res.rawHeaders.length; i += 2) {
        out[res.rawHeaders[i]] = res.rawHeaders[i + 1];
    }
    return out;
}

export class MiniProgram {
    /**
     * dir: the app's folder (storage file, temp files); user: sandbox user name for wx.login; appid: the
     * mini-program's; tripwires: record any read of an ABSENT global; adapter: "wx" (global wx) or "taro" (no
     * global wx: the package must take it from the adapter option). projectDir: a mini-program folder laid out as
     * 构建 npm leaves it (its miniprogram_npm/ included) to run instead of the example over the client's build.
     */
    constructor({ dir, user, appid, tripwires = true, adapter = "wx", sandboxUrl = "", projectDir = null }) {
        this.dir = dir;
        this.sandboxUrl = sandboxUrl; // wx.requestPayment's stand-in pays through the sandbox (ui.payAnswer)
        this.projectDir = projectDir;
        this.user = user;
        this.appid = appid;
        this.adapter = adapter;
        this.storageFile = path.join(dir, "storage.json");
        this.storage = fs.existsSync(this.storageFile) ? JSON.parse(fs.readFileSync(this.storageFile, "utf8")) : {};
        fs.mkdirSync(path.join(dir, "tmp"), { recursive: true });
        this.log = []; // every wx.request / uploadFile: {api, method, url, status, body, response}
        this.faults = [];
        this.touched = []; // reads of ABSENT globals: {name, where}
        this.logins = 0;
        this.pages = [];
        this.appListeners = { show: [], hide: [] };
        this.sockets = 0; // wx.connectSocket calls
        this.openSockets = new Set(); // SocketTasks not closed yet (WeChat allows MAX_SOCKETS at once)
        this.socketLog = []; // {dir: "out" | "in", data}
        this.inflight = { put: 0, maxPut: 0 };
        this.timers = new Map();
        this.nextTimer = 1;
        this.modules = {};
        this.moduleOverrides = {};
        this.pageDefs = {};
        this.loadingRoute = null;
        this.app = null;
        this.ui = { toasts: [], stoppedRefresh: 0, chosenFile: null, subscribeAnswers: {}, payAnswer: "pay", payments: [] };
        this.consoleErrors = [];
        this.closed = false;
        this.context = this._createContext(tripwires);
    }

    // ---------------------------------------------------------------- context

    _createContext(tripwires) {
        const ctx = vm.createContext({}, { name: "miniprogram" });
        this._toCtx = vm.runInContext("(json) => JSON.parse(json)", ctx);
        this._CtxUint8Array = vm.runInContext("Uint8Array", ctx);
        this._setClock = vm.runInContext(
            `(() => {
                const RealDate = Date;
                let offset = 0;
                class PhoneDate extends RealDate {
                    constructor(...args) { if (args.length) { super(...args); } else { super(RealDate.now() + offset); } }
                    static now() { return RealDate.now() + offset; }
                }
                Object.defineProperty(PhoneDate, "name", { value: "Date" });
                globalThis.Date = PhoneDate;
                return (ms) => { offset = ms; };
            })()`,
            ctx,
        );
        const g = vm.runInContext("globalThis", ctx);
        const timer = (repeat) => (fn, ms, ...args) => {
            const id = this.nextTimer++;
            const run = () => {
                if (!repeat) {
                    this.timers.delete(id);
                }
                fn(...args);
            };
            this.timers.set(id, repeat ? setInterval(run, ms || 0) : setTimeout(run, ms || 0));
            return id;
        };
        const clear = (id) => {
            const t = this.timers.get(id);
            if (t) {
                clearTimeout(t);
                clearInterval(t);
                this.timers.delete(id);
            }
        };
        Object.assign(g, {
            setTimeout: timer(false),
            setInterval: timer(true),
            clearTimeout: clear,
            clearInterval: clear,
            console: {
                log() {},
                info() {},
                debug() {},
                warn: (...a) => this.consoleErrors.push(["warn", a.map(String).join(" ")]),
                error: (...a) => this.consoleErrors.push(["error", a.map(String).join(" ")]),
            },
            getCurrentPages: () => this.pages.slice(),
            App: (def) => {
                this.app = def;
            },
            getApp: () => this.app,
            Page: (def) => {
                this.pageDefs[this.loadingRoute] = def;
            },
        });
        this.wx = this._createWx();
        if (this.adapter === "wx") {
            g.wx = this.wx;
        }
        if (tripwires) {
            for (const name of ABSENT) {
                Object.defineProperty(g, name, {
                    configurable: true,
                    get: () => {
                        const frame = (new Error().stack.split("\n")[2] || "").trim();
                        this.touched.push({ name, where: frame });
                        return undefined;
                    },
                });
            }
        }
        return ctx;
    }

    /** Plain data made in the mini-program's realm (as wx's callbacks give it). */
    toCtx(value) {
        return value === undefined ? undefined : this._toCtx(JSON.stringify(value));
    }

    ctxBuffer(buf) {
        const bytes = new this._CtxUint8Array(buf.length);
        bytes.set(buf);
        return bytes.buffer;
    }

    /** Moves the mini-program's clock (Date) by `ms`, as if that much time had passed on the phone. */
    advanceClock(ms) {
        this._setClock(ms);
    }

    eval(source) {
        return vm.runInContext(source, this.context);
    }

    // ---------------------------------------------------------------- modules (the npm build's layout)

    require(id, from = "") {
        let file;
        if (id.startsWith("./") || id.startsWith("../")) {
            file = path.posix.normalize(path.posix.join(path.posix.dirname(from), id));
        } else if (id === "wxbase-miniprogram") {
            file = NPM_DIR + "/index.js";
        } else {
            file = path.posix.normalize(id.replace(/^\//, ""));
        }
        if (!file.endsWith(".js")) {
            file += ".js";
        }
        if (this.modules[file]) {
            return this.modules[file].exports;
        }
        if (this.moduleOverrides[file]) {
            return this.moduleOverrides[file];
        }
        const real = this.projectDir ? path.join(this.projectDir, file)
            : file.startsWith(NPM_DIR + "/") ? path.join(PACKAGE_DIST, file.slice(NPM_DIR.length + 1))
            : path.join(EXAMPLE_DIR, file);
        if (!fs.existsSync(real)) {
            throw new Error(`module "${file}" is not defined`);
        }
        const module = { exports: {} };
        this.modules[file] = module;
        const source = fs.readFileSync(real, "utf8");
        const fn = new vm.Script(`(function (module, exports, require) {${source}\n})`, { filename: file })
            .runInContext(this.context);
        fn(module, module.exports, (next) => this.require(next, file));
        return module.exports;
    }

    /** The package as a mini-program page gets it after 构建 npm: require("wxbase-miniprogram"). */
    loadPackage() {
        return this.require("wxbase-miniprogram");
    }

    /** Package code evaluated in the mini-program (for calls that must be made from inside the realm). */
    run(fnSource, ...args) {
        return vm.runInContext(`(${fnSource})`, this.context)(...args);
    }

    // ---------------------------------------------------------------- pages and app lifecycle

    /** Runs the example app: app.js (App + onLaunch), as WeChat starts a mini-program. */
    launch(overrides = {}) {
        for (const [file, value] of Object.entries(overrides)) {
            this.moduleOverrides[file] = this.toCtx(value);
        }
        this.require("app.js");
        if (this.app.onLaunch) {
            this.app.onLaunch({ path: "pages/feed/feed", query: {}, scene: 1001 });
        }
        return this.app;
    }

    /** wx.navigateTo: loads the page's module once, makes an instance, onLoad(query) then onShow. */
    navigateTo(url) {
        const [route, qs] = url.replace(/^\//, "").split("?");
        if (!this.pageDefs[route]) {
            this.loadingRoute = route;
            this.require(route + ".js");
            this.loadingRoute = null;
        }
        const def = this.pageDefs[route];
        const rt = this;
        const page = Object.assign({}, def, {
            route,
            data: this.toCtx(def.data || {}),
            setData(patch) {
                for (const [path, value] of Object.entries(patch)) {
                    setPath(this.data, path, value === undefined ? undefined : rt.toCtx(value));
                }
            },
        });
        const query = Object.fromEntries(new URLSearchParams(qs || ""));
        const top = this.pages.at(-1);
        if (top && top.onHide) {
            top.onHide();
        }
        this.pages.push(page);
        page.loaded = page.onLoad ? page.onLoad(this.toCtx(query)) : undefined;
        if (page.onShow) {
            page.onShow();
        }
        return page;
    }

    navigateBack() {
        const page = this.pages.pop();
        if (page && page.onUnload) {
            page.onUnload();
        }
        const top = this.pages.at(-1);
        if (top && top.onShow) {
            top.onShow();
        }
        return page;
    }

    openPage(route) {
        const page = this.toCtx({ route });
        this.pages.push(page);
        return page;
    }

    closePage() {
        return this.pages.pop();
    }

    hideApp() {
        this.appListeners.hide.forEach((fn) => fn(this.toCtx({})));
    }

    showApp() {
        this.appListeners.show.forEach((fn) => fn(this.toCtx({ path: "pages/index/index", scene: 1001 })));
    }

    pendingTimers() {
        return this.timers.size;
    }

    /**
     * wx.connectSocket over a real WebSocket, with a SocketTask's callbacks (onOpen, onMessage, onClose, onError) and
     * WeChat's limit of MAX_SOCKETS sockets at once: one more fails with WeChat's errMsg.
     */
    _connectSocket(o) {
        const rt = this;
        rt.sockets++;
        const later = (fn) => setImmediate(() => !rt.closed && fn());
        const fault = rt._takeFault("connectSocket", o);
        if (fault) {
            later(() => o.fail && o.fail(rt.toCtx({ errMsg: fault.errMsg || "connectSocket:fail" })));
            return undefined;
        }
        if (rt.openSockets.size >= MAX_SOCKETS) {
            later(() => o.fail && o.fail(rt.toCtx({ errMsg: `connectSocket:fail exceed max task count ${MAX_SOCKETS}` })));
            return undefined;
        }
        if (typeof WebSocket !== "function") {
            throw new Error("the simulated runtime needs node --experimental-websocket (tests/client/run.mjs passes it)");
        }
        const ws = new WebSocket(o.url);
        const listeners = { open: [], message: [], close: [], error: [] };
        const emit = (kind, res) => later(() => listeners[kind].forEach((fn) => fn(rt.toCtx(res))));
        let done = false;
        const finish = (code, reason) => {
            if (!done) {
                done = true;
                rt.openSockets.delete(task);
                emit("close", { code, reason: reason || "" });
            }
        };
        const task = {
            send({ data, success, fail }) {
                if (ws.readyState !== 1) {
                    later(() => fail && fail(rt.toCtx({ errMsg: "sendSocketMessage:fail WebSocket is not connected" })));
                    return;
                }
                rt.socketLog.push({ dir: "out", data });
                ws.send(data);
                later(() => success && success(rt.toCtx({ errMsg: "sendSocketMessage:ok" })));
            },
            close({ code, reason, success } = {}) {
                try {
                    ws.close(code || 1000, reason);
                } catch (e) {
                    ws.close();
                }
                finish(code || 1000, reason);
                later(() => success && success(rt.toCtx({ errMsg: "closeSocket:ok" })));
            },
            onOpen: (fn) => listeners.open.push(fn),
            onMessage: (fn) => listeners.message.push(fn),
            onClose: (fn) => listeners.close.push(fn),
            onError: (fn) => listeners.error.push(fn),
        };
        rt.openSockets.add(task);
        ws.onopen = () => emit("open", { header: {}, profile: {} });
        ws.onmessage = (e) => {
            rt.socketLog.push({ dir: "in", data: e.data });
            emit("message", { data: e.data });
        };
        ws.onerror = () => emit("error", { errMsg: "connectSocket:fail" });
        ws.onclose = (e) => finish(e.code, e.reason);
        task.server = ws; // for tests: drop the connection as a network would
        later(() => o.success && o.success(rt.toCtx({ errMsg: "connectSocket:ok" })));
        return task;
    }

    /** The app is killed: timers stop, nothing else runs. Storage stays on disk. */
    close() {
        for (const task of this.openSockets) {
            task.server.close();
        }
        this.openSockets.clear();
        this.closed = true;
        for (const t of this.timers.values()) {
            clearTimeout(t);
            clearInterval(t);
        }
        this.timers.clear();
    }

    // ---------------------------------------------------------------- files

    writeTempFile(name, bytes) {
        fs.writeFileSync(path.join(this.dir, "tmp", name), bytes);
        return "wxfile://tmp/" + name;
    }

    _localPath(filePath) {
        const m = /^wxfile:\/\/tmp\/([^/]+)$/.exec(filePath || "");
        return m ? path.join(this.dir, "tmp", m[1]) : null;
    }

    // ---------------------------------------------------------------- faults

    /** The next `times` wx calls of `api` matching `match(options)` fail: with errMsg, or answer statusCode. */
    fail(api, match, { times = 1, errMsg = "", statusCode = 0, body = "" } = {}) {
        this.faults.push({ api, match, times, errMsg, statusCode, body, hits: 0 });
    }

    _takeFault(api, options) {
        for (const f of this.faults) {
            if (f.api === api && f.times > 0 && f.match(options)) {
                f.times--;
                f.hits++;
                return f;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- wx

    _createWx() {
        const rt = this;
        const later = (fn) => setImmediate(() => !rt.closed && fn());
        const ok = (cb, res) => cb && cb(rt.toCtx(res));
        const wx = {
            getAccountInfoSync: () => rt.toCtx({ miniProgram: { appId: rt.appid, envVersion: "develop", version: "" }, plugin: {} }),
            login(o) {
                rt.logins++;
                later(() => ok(o.success, { code: "sandbox-" + rt.user, errMsg: "login:ok" }));
            },
            getStorageSync: (key) => (key in rt.storage ? rt.toCtx(rt.storage[key]) : ""),
            setStorageSync: (key, value) => {
                rt.storage[key] = JSON.parse(JSON.stringify(value));
                fs.writeFileSync(rt.storageFile, JSON.stringify(rt.storage));
            },
            removeStorageSync: (key) => {
                delete rt.storage[key];
                fs.writeFileSync(rt.storageFile, JSON.stringify(rt.storage));
            },
            clearStorageSync: () => {
                rt.storage = {};
                fs.writeFileSync(rt.storageFile, "{}");
            },
            onAppShow: (fn) => rt.appListeners.show.push(fn),
            onAppHide: (fn) => rt.appListeners.hide.push(fn),
            offAppShow: (fn) => (rt.appListeners.show = rt.appListeners.show.filter((f) => f !== fn)),
            offAppHide: (fn) => (rt.appListeners.hide = rt.appListeners.hide.filter((f) => f !== fn)),
            connectSocket: (o) => rt._connectSocket(o),
            navigateTo: (o) => later(() => { rt.navigateTo(o.url); o.success && o.success(rt.toCtx({ errMsg: "navigateTo:ok" })); }),
            navigateBack: (o = {}) => later(() => { rt.navigateBack(); o.success && o.success(rt.toCtx({ errMsg: "navigateBack:ok" })); }),
            showToast: (o) => rt.ui.toasts.push(o.title),
            stopPullDownRefresh: () => rt.ui.stoppedRefresh++,
            pageScrollTo() {},
            setNavigationBarTitle() {},
            chooseMedia: (o) => later(() => ok(o.success, { type: "image", tempFiles: [{ tempFilePath: rt.ui.chosenFile, size: 0, fileType: "image" }], errMsg: "chooseMedia:ok" })),
            requestSubscribeMessage: (o) => later(() => {
                const res = { errMsg: "requestSubscribeMessage:ok" };
                for (const id of o.tmplIds) {
                    res[id] = rt.ui.subscribeAnswers[id] || "accept";
                }
                ok(o.success, res);
            }),
            requestPayment: (o) => rt._requestPayment(o),
            request: (o) => rt._request(o),
            uploadFile: (o) => rt._uploadFile(o),
            getFileSystemManager: () => rt._fileSystem(),
        };
        return wx;
    }

    /**
     * wx.requestPayment: the payer's answer is ui.payAnswer: "pay" (the sandbox is told the order was paid, as
     * WeChat's payment sheet tells WeChat Pay; success follows), "cancel" or "fail" (the bank refuses: PAYERROR).
     */
    _requestPayment(o) {
        const rt = this;
        const answer = rt.ui.payAnswer;
        rt.ui.payments.push({ package: o.package, signType: o.signType, paySign: o.paySign, answer });
        const done = (cb, res) => setImmediate(() => !rt.closed && cb && cb(rt.toCtx(res)));
        if (answer === "cancel") {
            return done(o.fail, { errMsg: "requestPayment:fail cancel" });
        }
        const prepayId = String(o.package || "").replace(/^prepay_id=/, "");
        fetch(rt.sandboxUrl + "/sandbox/pay/confirm", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ prepayId, result: answer === "fail" ? "PAYERROR" : "SUCCESS" }),
        }).then((r) => (r.ok ? done(answer === "fail" ? o.fail : o.success,
            { errMsg: answer === "fail" ? "requestPayment:fail" : "requestPayment:ok" })
            : done(o.fail, { errMsg: "requestPayment:fail " + r.status })),
        () => done(o.fail, { errMsg: "requestPayment:fail network" }));
    }

    /** Taro's API as the adapter option gets it: wx's calls, each returning a promise that is also the task. */
    taro() {
        const wx = this.wx;
        const wrap = (name) => (o) => {
            let task;
            const p = new Promise((resolve, reject) => {
                task = wx[name](Object.assign({}, o, {
                    success: (r) => { o.success && o.success(r); resolve(r); },
                    fail: (e) => { o.fail && o.fail(e); reject(e); },
                }));
            });
            if (task) {
                p.abort = () => task.abort();
                if (task.onProgressUpdate) {
                    p.onProgressUpdate = (fn) => task.onProgressUpdate(fn);
                    p.progress = p.onProgressUpdate;
                }
            }
            return p;
        };
        return Object.assign({}, wx, {
            request: wrap("request"),
            uploadFile: wrap("uploadFile"),
            login: wrap("login"),
            getCurrentPages: () => this.pages.slice(),
            App: (def) => {
                this.app = def;
            },
            getApp: () => this.app,
            Page: (def) => {
                this.pageDefs[this.loadingRoute] = def;
            },
        });
    }

    _fileSystem() {
        const rt = this;
        const done = (o, fn) =>
            setImmediate(() => {
                if (rt.closed) {
                    return;
                }
                const file = rt._localPath(o.filePath);
                if (!file || !fs.existsSync(file)) {
                    o.fail && o.fail(rt.toCtx({ errMsg: `fail no such file or directory, open ${o.filePath}` }));
                    return;
                }
                fn(file);
            });
        return {
            getFileInfo(o) {
                done(o, (file) => o.success && o.success(rt.toCtx({ size: fs.statSync(file).size, errMsg: "getFileInfo:ok" })));
            },
            readFile(o) {
                done(o, (file) => {
                    const all = fs.readFileSync(file);
                    const start = o.position || 0;
                    const bytes = all.subarray(start, o.length === undefined ? all.length : start + o.length);
                    const res = rt.toCtx({ errMsg: "readFile:ok" });
                    res.data = o.encoding ? bytes.toString(o.encoding) : rt.ctxBuffer(bytes);
                    o.success && o.success(res);
                });
            },
        };
    }

    _body(o, headers) {
        const data = o.data;
        const method = (o.method || "GET").toUpperCase();
        if (data === undefined || data === null) {
            return { url: o.url, body: null };
        }
        if (Object.prototype.toString.call(data) === "[object ArrayBuffer]") {
            return { url: o.url, body: Buffer.from(new Uint8Array(data)) };
        }
        if (ArrayBuffer.isView(data)) {
            return { url: o.url, body: Buffer.from(data.buffer, data.byteOffset, data.byteLength) };
        }
        if (typeof data === "string") {
            return method === "GET" ? { url: o.url + (o.url.includes("?") ? "&" : "?") + data, body: null } : { url: o.url, body: Buffer.from(data) };
        }
        if (method === "GET") {
            const qs = Object.keys(data).map((k) => encodeURIComponent(k) + "=" + encodeURIComponent(data[k])).join("&");
            return { url: o.url + (o.url.includes("?") ? "&" : "?") + qs, body: null };
        }
        const type = Object.keys(headers).find((k) => k.toLowerCase() === "content-type");
        if (type && /x-www-form-urlencoded/.test(headers[type])) {
            const qs = Object.keys(data).map((k) => encodeURIComponent(k) + "=" + encodeURIComponent(data[k])).join("&");
            return { url: o.url, body: Buffer.from(qs) };
        }
        return { url: o.url, body: Buffer.from(JSON.stringify(data)) };
    }

    _request(o) {
        const rt = this;
        const method = (o.method || "GET").toUpperCase();
        const headers = Object.assign({}, o.header);
        if (!Object.keys(headers).some((k) => k.toLowerCase() === "content-type")) {
            headers["content-type"] = "application/json";
        }
        headers.Referer = `https://servicewechat.com/${rt.appid}/devtools/page-frame.html`;
        const { url, body } = this._body(o, headers);
        const entry = { api: "request", at: Date.now(), method, url, status: 0, body: body && body.length < 100000 ? body.toString() : body ? `<${body.length} bytes>` : null };
        this.log.push(entry);
        let req = null;
        let settled = false;
        let timer = null;
        const isPut = method === "PUT";
        if (isPut) {
            rt.inflight.put++;
            rt.inflight.maxPut = Math.max(rt.inflight.maxPut, rt.inflight.put);
        }
        const settle = (fn) => {
            if (settled) {
                return;
            }
            settled = true;
            clearTimeout(timer);
            if (isPut) {
                rt.inflight.put--;
            }
            if (!rt.closed) {
                fn();
            }
        };
        const failWith = (errMsg) => settle(() => {
            entry.error = errMsg;
            o.fail && o.fail(rt.toCtx({ errMsg: "request:fail " + errMsg, errno: 600001 }));
        });
        const task = {
            abort: () => {
                if (req) {
                    req.destroy();
                }
                failWith("abort");
            },
            onHeadersReceived() {},
            offHeadersReceived() {},
            onChunkReceived() {},
            offChunkReceived() {},
        };
        const fault = this._takeFault("request", { method, url, header: headers });
        if (fault) {
            setTimeout(() => {
                if (fault.errMsg) {
                    failWith(fault.errMsg);
                } else {
                    settle(() => {
                        entry.status = fault.statusCode;
                        o.success && o.success(rt.toCtx({ data: fault.body, statusCode: fault.statusCode, header: {}, cookies: [], errMsg: "request:ok" }));
                    });
                }
            }, 5);
            return task;
        }
        timer = setTimeout(() => {
            if (req) {
                req.destroy();
            }
            failWith("timeout");
        }, o.timeout || 60000);
        const send = (target, m, payload, hops) => {
            const sent = payload
                ? Object.assign({}, headers, { "Content-Length": payload.length })
                : Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== "content-type"));
            req = http.request(target, { method: m, headers: sent }, (res) => {
                if ([301, 302, 303, 307, 308].includes(res.statusCode) && res.headers.location && hops < 5) {
                    res.resume();
                    const next = new URL(res.headers.location, target).toString();
                    const keep = res.statusCode === 307 || res.statusCode === 308;
                    send(next, keep ? m : "GET", keep ? payload : null, hops + 1);
                    return;
                }
                const chunks = [];
                res.on("data", (c) => chunks.push(c));
                res.on("error", (e) => failWith(e.message));
                res.on("end", () => settle(() => {
                    const buf = Buffer.concat(chunks);
                    entry.status = res.statusCode;
                    let data;
                    if (o.responseType === "arraybuffer") {
                        data = rt.ctxBuffer(buf);
                    } else {
                        const text = buf.toString("utf8");
                        entry.response = text.length < 100000 ? text : `<${text.length} chars>`;
                        data = text;
                        if ((o.dataType || "json") === "json") {
                            try {
                                data = rt.toCtx(JSON.parse(text));
                            } catch (e) {
                                data = text;
                            }
                        }
                    }
                    const result = rt.toCtx({ statusCode: res.statusCode, header: rawHeaders(res), cookies: [], errMsg: "request:ok" });
                    result.data = data;
                    o.success && o.success(result);
                }));
            });
            req.on("error", (e) => failWith(e.message));
            if (payload) {
                req.write(payload);
            }
            req.end();
        };
        send(url, method, body, 0);
        return task;
    }

    _uploadFile(o) {
        const rt = this;
        const progress = [];
        const entry = { api: "uploadFile", method: "POST", url: o.url, status: 0 };
        this.log.push(entry);
        let req = null;
        let settled = false;
        const settle = (fn) => {
            if (!settled) {
                settled = true;
                if (!rt.closed) {
                    fn();
                }
            }
        };
        const failWith = (errMsg) => settle(() => o.fail && o.fail(rt.toCtx({ errMsg: "uploadFile:fail " + errMsg })));
        const task = {
            abort: () => {
                if (req) {
                    req.destroy();
                }
                failWith("abort");
            },
            onProgressUpdate: (fn) => progress.push(fn),
            offProgressUpdate: (fn) => progress.splice(progress.indexOf(fn), 1),
            onHeadersReceived() {},
            offHeadersReceived() {},
        };
        const fault = this._takeFault("uploadFile", { url: o.url });
        if (fault) {
            setTimeout(() => failWith(fault.errMsg || "fault"), 5);
            return task;
        }
        const file = this._localPath(o.filePath);
        if (!file || !fs.existsSync(file)) {
            setImmediate(() => failWith("file not found"));
            return task;
        }
        const boundary = "----wxbase" + Math.random().toString(16).slice(2);
        const head = [];
        for (const [k, v] of Object.entries(o.formData || {})) {
            head.push(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
        }
        head.push(`--${boundary}\r\nContent-Disposition: form-data; name="${o.name}"; filename="${path.basename(file)}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
        const body = Buffer.concat([Buffer.from(head.join("")), fs.readFileSync(file), Buffer.from(`\r\n--${boundary}--\r\n`)]);
        const headers = Object.assign({}, o.header, {
            "Content-Type": `multipart/form-data; boundary=${boundary}`,
            "Content-Length": body.length,
        });
        const timer = setTimeout(() => {
            req && req.destroy();
            failWith("timeout");
        }, o.timeout || 60000);
        req = http.request(o.url, { method: "POST", headers }, (res) => {
            const chunks = [];
            res.on("data", (c) => chunks.push(c));
            res.on("end", () => {
                clearTimeout(timer);
                entry.status = res.statusCode;
                settle(() => o.success && o.success(rt.toCtx({ data: Buffer.concat(chunks).toString(), statusCode: res.statusCode, errMsg: "uploadFile:ok" })));
            });
        });
        req.on("error", (e) => {
            clearTimeout(timer);
            failWith(e.message);
        });
        let sent = 0;
        const step = 64 * 1024;
        const writeNext = () => {
            if (sent >= body.length) {
                req.end();
                return;
            }
            const chunk = body.subarray(sent, sent + step);
            sent += chunk.length;
            req.write(chunk, () => {
                const event = { progress: Math.floor((sent * 100) / body.length), totalBytesSent: sent, totalBytesExpectedToSend: body.length };
                progress.forEach((fn) => fn(rt.toCtx(event)));
                writeNext();
            });
        };
        writeNext();
        return task;
    }
}
