// Subscriptions for pb.wx.subscribe and for the SDK's own pb.collection(c).subscribe (the SDK's realtime service
// needs EventSource, which mini-programs lack, so pb.realtime is replaced by this one).
//
// The transport is picked when the first subscription starts: GET /api/realtime tells whether the server offers
// a WebSocket (docs/realtime.md): then one wx.connectSocket carries every subscription (socket.js); a 404, an
// error, or a platform without connectSocket means polling (polling.js).
import { createPollingTransport } from "./polling.js";
import { createSocketTransport } from "./socket.js";

const TRANSPORTS = { polling: createPollingTransport, socket: createSocketTransport };

export function createRealtime(pb, platform, pages, options) {
    options = options || {};
    const config = {
        interval: options.interval || 3000,
        maxInterval: options.maxInterval || 30000,
        heartbeat: options.heartbeat || 240000, // under API Gateway's 10-minute idle limit
        reconnectDelay: options.reconnectDelay || 1000,
        maxReconnectDelay: options.maxReconnectDelay || 30000,
        pageState: (page) => pages.state(page),
        appHidden: () => appHidden,
    };
    const subs = new Set();
    let transport = null;
    let picking = null;
    let appHidden = false;
    let listening = false;

    function listenToApp() {
        const api = platform.api;
        if (listening) {
            return;
        }
        listening = true;
        if (typeof api.onAppHide === "function") {
            api.onAppHide(() => {
                appHidden = true;
            });
        }
        if (typeof api.onAppShow === "function") {
            api.onAppShow(() => {
                appHidden = false;
                if (transport && transport.wake) {
                    transport.wake(); // catch up at once when the user comes back
                }
            });
        }
    }

    async function pick() {
        let info = null;
        if (options.transport !== "polling") {
            info = await pb.send("/api/realtime", { requestKey: null }).catch(() => null);
        }
        const socket = info && info.url && typeof platform.api.connectSocket === "function" && TRANSPORTS.socket;
        return socket ? socket(pb, platform, info.url, config) : TRANSPORTS.polling(pb, config);
    }

    function currentTransport() {
        if (transport) {
            return Promise.resolve(transport);
        }
        if (!picking) {
            picking = pick().then(
                (t) => {
                    transport = t;
                    picking = null;
                    return t;
                },
                (err) => {
                    picking = null;
                    throw err;
                },
            );
        }
        return picking;
    }

    /** Returns the unsubscribe function at once; `unsubscribe.ready` settles when events will be delivered. */
    function subscribe(collection, topic, callback, opts) {
        opts = opts || {};
        if (!collection || typeof collection !== "string") {
            throw new Error("subscribe: collection is required");
        }
        if (typeof callback !== "function") {
            throw new Error("subscribe: callback must be a function");
        }
        listenToApp();
        const sub = {
            collection,
            topic: topic || "*",
            filter: opts.filter || "",
            callback,
            onError: opts.onError,
            page: opts.keepAlive ? null : pages.current(),
            active: true,
        };
        sub.unsubscribe = function unsubscribe() {
            if (!sub.active) {
                return;
            }
            sub.active = false;
            subs.delete(sub);
            if (transport) {
                transport.remove(sub);
                if (!subs.size) {
                    transport.close();
                    transport = null; // the next first subscription asks the server again
                }
            }
        };
        subs.add(sub);
        sub.unsubscribe.ready = currentTransport().then((t) => (sub.active ? t.add(sub) : undefined));
        sub.unsubscribe.ready.catch((err) => {
            if (typeof sub.onError === "function") {
                sub.onError(err);
            }
        });
        return sub.unsubscribe;
    }

    function unsubscribeWhere(test) {
        for (const sub of Array.from(subs)) {
            if (test(sub)) {
                sub.unsubscribe();
            }
        }
    }

    /** Stands in for the SDK's RealtimeService: topics are "<collection>/*" or "<collection>/<recordId>". */
    const sdkRealtime = {
        clientId: "",
        onDisconnect: undefined,
        get isConnected() {
            return !!transport && subs.size > 0;
        },
        async subscribe(topic, callback, sendOptions) {
            const [collection, recordTopic] = splitTopic(topic);
            const o = sendOptions || {};
            const filter = o.filter || (o.query && o.query.filter) || "";
            const unsubscribe = subscribe(collection, recordTopic, callback, { filter, keepAlive: o.keepAlive });
            try {
                await unsubscribe.ready;
            } catch (err) {
                unsubscribe(); // the caller gets the error and no handle: leave nothing running
                throw err;
            }
            return async () => unsubscribe();
        },
        async unsubscribe(topic) {
            if (!topic) {
                unsubscribeWhere(() => true);
                return;
            }
            const [collection, recordTopic] = splitTopic(topic);
            unsubscribeWhere((s) => s.collection === collection && s.topic === recordTopic);
        },
        async unsubscribeByPrefix(prefix) {
            unsubscribeWhere((s) => (s.collection + "/" + s.topic + "?").startsWith(prefix));
        },
        async unsubscribeByTopicAndListener(topic, listener) {
            const [collection, recordTopic] = splitTopic(topic);
            unsubscribeWhere((s) => s.collection === collection && s.topic === recordTopic && s.callback === listener);
        },
    };

    return { subscribe, sdkRealtime };
}

function splitTopic(topic) {
    const clean = String(topic || "").split("?")[0];
    const slash = clean.indexOf("/");
    if (slash <= 0 || slash === clean.length - 1) {
        throw new Error(`wxbase realtime topics are "<collection>/*" or "<collection>/<recordId>", not "${topic}"`);
    }
    return [clean.slice(0, slash), clean.slice(slash + 1)];
}
