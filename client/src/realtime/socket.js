// Socket transport: every subscription of the client over one wx.connectSocket (a mini-program may hold at most 5
// sockets), with the server's protocol (docs/realtime.md).
//
// - On open: auth with the stored token (again whenever it changes), then subscribe everything.
// - Heartbeats: a ping every `heartbeat` ms (API Gateway closes a socket idle for 10 minutes); no answer within
//   PONG_TIMEOUT means the socket is dead: close it and reconnect.
// - Reconnects with backoff, then catches every subscription up through the change feed
//   (GET /api/realtime/changes?since=<the last cursor it saw>), bounded: after MAX_CATCHUP_PAGES it gives up with
//   an onError of status 410 and carries on live. Live events that arrive meanwhile wait, so events stay in order;
//   the same change from both sides is delivered once (events carry their cursor).
// - A new subscription first asks the feed for its starting cursor (which also checks the collection, rules and
//   filter: a bad one rejects `ready`), then subscribes, then reads the feed from that cursor once the server's
//   settle time has passed, so nothing written in between is missed.
// - An event over the server's frame limit comes as a stub (`truncated`): the record is read over HTTP first.

const PONG_TIMEOUT = 10000;
const SETTLE_MS = 1100; // the feed hands out entries a second after they are stamped (server: feed.SETTLE_MS)
const MAX_CATCHUP_PAGES = 5;
const CATCHUP_PAGE = 100;
const SEEN_LIMIT = 500;

function quote(value) {
    return JSON.stringify(String(value));
}

export function createSocketTransport(pb, platform, url, config) {
    const api = platform.api;
    const subs = new Map(); // server id → entry
    let task = null;
    let open = false;
    let closed = false;
    let attempts = 0;
    let nextId = 1;
    let timers = { heartbeat: null, pong: null, reconnect: null };
    let sentToken = null;

    const unlisten = pb.authStore.onChange(() => {
        if (open) {
            sendAuth();
        }
    });

    function clear(name) {
        if (timers[name]) {
            clearTimeout(timers[name]);
            timers[name] = null;
        }
    }

    function send(message) {
        if (!open || !task) {
            return false;
        }
        task.send({ data: JSON.stringify(message), fail: () => restart() });
        return true;
    }

    function token() {
        return pb.authStore.isValid ? pb.authStore.token : "";
    }

    function sendAuth() {
        const current = token();
        if (current === sentToken) {
            return;
        }
        sentToken = current;
        send({ type: "auth", token: current });
    }

    function subscribeMessage(entry) {
        const message = { type: "subscribe", id: entry.id, topic: entry.sub.collection + "/" + entry.sub.topic };
        if (entry.sub.filter) {
            message.filter = entry.sub.filter;
        }
        return message;
    }

    function connect() {
        if (closed || task || !subs.size) {
            return;
        }
        clear("reconnect");
        let socket;
        try {
            socket = api.connectSocket({ url, fail: () => lost(socket) });
        } catch (err) {
            socket = null;
        }
        if (!socket) {
            lost(null);
            return;
        }
        task = socket;
        socket.onOpen(() => {
            if (task !== socket) {
                return;
            }
            open = true;
            attempts = 0;
            sentToken = null;
            sendAuth();
            for (const entry of subs.values()) {
                send(subscribeMessage(entry));
                if (entry.cursor) {
                    catchUp(entry, SETTLE_MS); // what happened while the socket was down
                }
            }
            beat();
        });
        socket.onMessage((res) => task === socket && receive(res && res.data));
        socket.onClose(() => lost(socket));
        socket.onError(() => lost(socket));
    }

    function lost(socket) {
        if (socket && task !== socket) {
            return;
        }
        if (task && socket) {
            try {
                task.close({});
            } catch (e) {
                // already closed
            }
        }
        task = null;
        open = false;
        clear("heartbeat");
        clear("pong");
        if (closed || !subs.size || timers.reconnect) {
            return;
        }
        const delay = Math.min(config.maxReconnectDelay, config.reconnectDelay * Math.pow(2, attempts++));
        timers.reconnect = setTimeout(() => {
            timers.reconnect = null;
            connect();
        }, delay * (0.75 + Math.random() / 2));
    }

    function restart() {
        lost(task);
    }

    function beat() {
        clear("heartbeat");
        timers.heartbeat = setTimeout(() => {
            timers.heartbeat = null;
            if (!send({ type: "ping" })) {
                return;
            }
            clear("pong");
            timers.pong = setTimeout(() => {
                timers.pong = null;
                restart(); // no answer: the socket is dead though nobody said so
            }, PONG_TIMEOUT);
            beat();
        }, config.heartbeat);
    }

    function receive(data) {
        let message;
        try {
            message = JSON.parse(data);
        } catch (e) {
            return;
        }
        clear("pong"); // anything from the server shows the socket is alive
        if (!message || message.type === "pong") {
            return;
        }
        if (message.type === "error") {
            const err = new Error(message.message);
            err.status = message.status;
            err.response = message;
            const targets = message.id ? [subs.get(message.id)].filter(Boolean) : Array.from(subs.values());
            targets.forEach((entry) => report(entry, err));
            return;
        }
        if (message.type === "event") {
            const entry = subs.get(message.id);
            if (entry) {
                if (entry.catching) {
                    entry.waiting.push(message);
                } else {
                    deliver(entry, message);
                }
            }
        }
    }

    function report(entry, err) {
        if (typeof entry.sub.onError === "function") {
            try {
                entry.sub.onError(err);
            } catch (e) {
                // the app's handler failed; nothing to do here
            }
        }
    }

    function seen(entry, cursor) {
        if (!cursor) {
            return false;
        }
        if (entry.seen.has(cursor)) {
            return true;
        }
        entry.seen.add(cursor);
        if (entry.seen.size > SEEN_LIMIT) {
            entry.seen.delete(entry.seen.values().next().value);
        }
        return false;
    }

    async function deliver(entry, event) {
        if (seen(entry, event.cursor)) {
            return;
        }
        if (event.cursor && (!entry.cursor || event.cursor > entry.cursor)) {
            entry.cursor = event.cursor;
        }
        let record = event.record;
        if (event.truncated && event.action !== "delete") {
            record = await fetchRecord(entry, record.id);
            if (!record) {
                return; // gone or no longer visible by the time it was read
            }
        }
        if (!entry.active) {
            return;
        }
        if (config.pageState(entry.sub.page) === "gone") {
            entry.sub.unsubscribe(); // the page closed without unsubscribing
            return;
        }
        try {
            entry.sub.callback({ action: event.action, record });
        } catch (err) {
            if (typeof console !== "undefined") {
                console.error("wxbase-miniprogram: subscription callback failed", err);
            }
        }
    }

    async function fetchRecord(entry, id) {
        const records = pb.collection(entry.sub.collection);
        try {
            if (entry.sub.topic !== "*") {
                return await records.getOne(id, { requestKey: null });
            }
            const filter = "id = " + quote(id) + (entry.sub.filter ? " && (" + entry.sub.filter + ")" : "");
            const page = await records.getList(1, 1, { filter, skipTotal: true, requestKey: null });
            return page.items[0] || null;
        } catch (err) {
            return null;
        }
    }

    function feed(entry, since) {
        const query = { collection: entry.sub.collection, topic: entry.sub.topic, perPage: CATCHUP_PAGE };
        if (entry.sub.filter) {
            query.filter = entry.sub.filter;
        }
        if (since) {
            query.since = since;
        }
        return pb.send("/api/realtime/changes", { query, requestKey: null });
    }

    function catchUp(entry, delay) {
        entry.catching = true;
        const since = entry.cursor;
        entry.catchTimer = setTimeout(async () => {
            entry.catchTimer = null;
            let cursor = since;
            try {
                for (let n = 0; entry.active; n++) {
                    if (n >= MAX_CATCHUP_PAGES) {
                        const err = new Error("Too many changes were missed to catch up; read the records again.");
                        err.status = 410;
                        report(entry, err);
                        break;
                    }
                    const page = await feed(entry, cursor);
                    for (const item of page.items) {
                        await deliver(entry, item);
                    }
                    cursor = page.cursor;
                    if (!page.more) {
                        break;
                    }
                }
            } catch (err) {
                report(entry, err);
            }
            if (cursor && (!entry.cursor || cursor > entry.cursor)) {
                entry.cursor = cursor;
            }
            entry.catching = false;
            const waiting = entry.waiting.splice(0);
            for (const event of waiting) {
                await deliver(entry, event);
            }
        }, delay);
    }

    async function add(sub) {
        const entry = { id: "s" + nextId++, sub, cursor: null, seen: new Set(), waiting: [], catching: false, active: true };
        sub.socketEntry = entry;
        const start = await feed(entry, null); // where this subscription's events begin; checks it, too
        if (!sub.active) {
            return;
        }
        entry.cursor = start.cursor;
        subs.set(entry.id, entry);
        if (open) {
            send(subscribeMessage(entry));
            catchUp(entry, SETTLE_MS); // anything written between taking the cursor and the server subscribing
        } else {
            connect(); // subscribed and caught up once open
        }
    }

    function remove(sub) {
        const entry = sub.socketEntry;
        if (!entry || !subs.has(entry.id)) {
            return;
        }
        entry.active = false;
        clearTimeout(entry.catchTimer);
        subs.delete(entry.id);
        send({ type: "unsubscribe", id: entry.id });
    }

    function wake() {
        if (task && open) {
            send({ type: "ping" }); // back from the background: make sure the socket still answers
            clear("pong");
            timers.pong = setTimeout(() => {
                timers.pong = null;
                restart();
            }, PONG_TIMEOUT);
        } else if (!task) {
            attempts = 0;
            clear("reconnect");
            connect();
        }
    }

    function close() {
        closed = true;
        unlisten();
        for (const entry of subs.values()) {
            entry.active = false;
            clearTimeout(entry.catchTimer);
        }
        subs.clear();
        clear("heartbeat");
        clear("pong");
        clear("reconnect");
        if (task) {
            const socket = task;
            task = null;
            open = false;
            try {
                socket.close({ code: 1000 });
            } catch (e) {
                // already closed
            }
        }
    }

    return { kind: "socket", add, remove, wake, close };
}
