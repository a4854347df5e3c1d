// Polling transport: one loop per (collection, topic, filter), shared by its callbacks.
//
// A collection topic ("*") lists records changed since the newest `updated` it has seen (sort=updated, bounded
// pages). Lists sorted by `updated` come from an index that may lag a write by a few milliseconds, so each poll
// looks back OVERLAP_MS before the newest value and drops what it already reported (id + updated). A record
// topic reads that record, which also tells a delete (404). The list and view rules apply as for any call, so a
// subscriber only hears of records they may see. Polls slow down while nothing changes and after errors, and
// stop while no subscriber's page is visible or the app is in the background.

const OVERLAP_MS = 2000;
const PAGE_SIZE = 50;
const MAX_PAGES_PER_POLL = 5;

function shiftDate(value, ms) {
    const t = Date.parse(String(value).replace(" ", "T"));
    return isNaN(t) ? value : new Date(t + ms).toISOString().replace("T", " ");
}

function quote(value) {
    return JSON.stringify(String(value));
}

export function createPollingTransport(pb, config) {
    const loops = {};

    function loopKey(sub) {
        return sub.collection + "\n" + sub.topic + "\n" + (sub.filter || "");
    }

    function add(sub) {
        const key = loopKey(sub);
        let loop = loops[key];
        if (!loop) {
            loop = loops[key] = new PollLoop(pb, sub, config, () => delete loops[key]);
        }
        return loop.add(sub);
    }

    function remove(sub) {
        const loop = loops[loopKey(sub)];
        if (loop) {
            loop.remove(sub);
        }
    }

    function wake() {
        for (const key in loops) {
            loops[key].schedule(0);
        }
    }

    function close() {
        for (const key in loops) {
            loops[key].stop();
        }
    }

    return { kind: "polling", add, remove, wake, close };
}

class PollLoop {
    constructor(pb, sub, config, onEmpty) {
        this.pb = pb;
        this.collection = sub.collection;
        this.topic = sub.topic;
        this.filter = sub.filter || "";
        this.config = config;
        this.onEmpty = onEmpty;
        this.subs = new Set();
        this.timer = null;
        this.interval = config.interval;
        this.since = null; // newest `updated` reported (collection topic)
        this.seen = {}; // id → updated, within the overlap window
        this.last = undefined; // the record as last seen (record topic); null when missing
        this.stopped = false;
        this.initialized = false;
        this.ready = this.start();
    }

    add(sub) {
        this.subs.add(sub);
        return this.ready;
    }

    remove(sub) {
        this.subs.delete(sub);
        if (!this.subs.size) {
            this.stop();
        }
    }

    stop() {
        this.stopped = true;
        clearTimeout(this.timer);
        this.timer = null;
        this.onEmpty();
    }

    records() {
        return this.pb.collection(this.collection);
    }

    async start() {
        try {
            await this.init();
        } finally {
            this.schedule(this.interval); // after a failed start the loop keeps trying (see tick)
        }
    }

    /** Where "new" begins: the newest record now (collection topic) or the record as it is (record topic). */
    async init() {
        if (this.topic === "*") {
            const page = await this.records().getList(1, 1, {
                sort: "-updated",
                filter: this.filter || undefined,
                fields: "id,updated",
                skipTotal: true,
                requestKey: null,
            });
            const newest = page.items[0];
            this.since = newest ? newest.updated : "";
            if (newest) {
                // what the first poll's look-back window will list again is not news either
                const window = await this.records().getList(1, 500, {
                    sort: "updated,id",
                    filter: this.withFilter("updated >= " + quote(shiftDate(newest.updated, -OVERLAP_MS))),
                    fields: "id,updated",
                    skipTotal: true,
                    requestKey: null,
                });
                for (const record of window.items.concat([newest])) {
                    this.seen[record.id] = record.updated;
                }
            }
        } else {
            this.last = await this.view();
        }
        this.initialized = true;
    }

    schedule(delay) {
        if (this.stopped) {
            return;
        }
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.tick(), delay);
    }

    /** Drops subscribers whose page is gone; true when one of the rest can see events now. */
    anyoneWatching() {
        for (const sub of Array.from(this.subs)) {
            const state = this.config.pageState(sub.page);
            if (state === "gone") {
                sub.unsubscribe(); // the page was closed without unsubscribing
            }
        }
        if (this.stopped) {
            return false;
        }
        if (this.config.appHidden()) {
            return false;
        }
        for (const sub of this.subs) {
            if (this.config.pageState(sub.page) === "visible") {
                return true;
            }
        }
        return false;
    }

    async tick() {
        this.timer = null;
        if (!this.anyoneWatching()) {
            this.schedule(this.config.interval); // paused: check again later, no request
            return;
        }
        try {
            if (!this.initialized) {
                await this.init();
                this.schedule(this.interval);
                return;
            }
            const changed = this.topic === "*" ? await this.pollCollection() : await this.pollRecord();
            this.interval = changed ? this.config.interval : Math.min(this.config.maxInterval, this.interval * 1.5);
        } catch (err) {
            this.interval = Math.min(this.config.maxInterval, this.interval * 2);
            for (const sub of this.subs) {
                if (typeof sub.onError === "function") {
                    sub.onError(err);
                }
            }
        }
        this.schedule(this.interval);
    }

    emit(action, record) {
        for (const sub of Array.from(this.subs)) {
            if (this.stopped) {
                return;
            }
            try {
                sub.callback({ action, record });
            } catch (err) {
                if (typeof console !== "undefined") {
                    console.error("wxbase-miniprogram: subscription callback failed", err);
                }
            }
        }
    }

    async pollCollection() {
        const filter = this.withFilter(this.since ? "updated >= " + quote(shiftDate(this.since, -OVERLAP_MS)) : "");
        let changed = false;
        // one query per poll, paged: new writes land at its end, so the pages stay stable while we read them
        for (let n = 1; n <= MAX_PAGES_PER_POLL && !this.stopped; n++) {
            const page = await this.records().getList(n, PAGE_SIZE, {
                sort: "updated,id",
                filter,
                skipTotal: true,
                requestKey: null,
            });
            for (const record of page.items) {
                if (this.seen[record.id] === record.updated) {
                    continue;
                }
                const isNew = !(record.id in this.seen) && record.created === record.updated;
                this.seen[record.id] = record.updated;
                if (!this.since || record.updated > this.since) {
                    this.since = record.updated;
                }
                changed = true;
                this.emit(isNew ? "create" : "update", record);
            }
            if (page.items.length < PAGE_SIZE) {
                break;
            }
        }
        this.forgetOld();
        return changed;
    }

    forgetOld() {
        if (!this.since) {
            return;
        }
        const floor = shiftDate(this.since, -2 * OVERLAP_MS);
        for (const id in this.seen) {
            if (this.seen[id] < floor) {
                delete this.seen[id];
            }
        }
    }

    withFilter(condition) {
        const parts = condition ? [condition] : [];
        if (this.filter) {
            parts.push("(" + this.filter + ")");
        }
        return parts.join(" && ") || undefined;
    }

    async view() {
        // a record topic with a filter hears of the record while it matches (PocketBase applies it the same way)
        const filter = "id = " + quote(this.topic) + (this.filter ? " && (" + this.filter + ")" : "");
        const page = await this.records().getList(1, 1, { filter, skipTotal: true, requestKey: null });
        return page.items[0] || null;
    }

    async pollRecord() {
        const record = await this.view();
        const before = this.last;
        this.last = record;
        if (!record) {
            if (before) {
                this.emit("delete", before);
                return true;
            }
            return false;
        }
        if (!before) {
            this.emit("create", record);
            return true;
        }
        if (record.updated !== before.updated) {
            this.emit("update", record);
            return true;
        }
        return false;
    }
}
