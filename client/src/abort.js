// Mini-programs have no AbortController; this small one is enough for `signal` options (never installed globally).

export function abortError(message) {
    const err = new Error(message || "Aborted");
    err.name = "AbortError";
    err.isAbort = true;
    return err;
}

export class AbortSignal {
    constructor() {
        this.aborted = false;
        this.reason = undefined;
        this.onabort = null;
        this._listeners = [];
    }

    addEventListener(type, listener) {
        if (type === "abort" && typeof listener === "function") {
            this._listeners.push(listener);
        }
    }

    removeEventListener(type, listener) {
        this._listeners = this._listeners.filter((l) => l !== listener);
    }

    throwIfAborted() {
        if (this.aborted) {
            throw this.reason;
        }
    }
}

export class AbortController {
    constructor() {
        this.signal = new AbortSignal();
    }

    abort(reason) {
        const signal = this.signal;
        if (signal.aborted) {
            return;
        }
        signal.aborted = true;
        signal.reason = reason === undefined ? abortError() : reason;
        const event = { type: "abort", target: signal };
        for (const listener of signal._listeners.slice()) {
            listener(event);
        }
        if (typeof signal.onabort === "function") {
            signal.onabort(event);
        }
    }
}

/** Calls `onAbort` once when `signal` (ours or any AbortSignal-like object) aborts; returns the detach function. */
export function onAbort(signal, handler) {
    if (!signal || typeof signal.addEventListener !== "function") {
        return () => {};
    }
    signal.addEventListener("abort", handler);
    return () => signal.removeEventListener && signal.removeEventListener("abort", handler);
}
