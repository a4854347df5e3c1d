// The wx-shaped API the client talks to: `wx` in a native mini-program, or what the app passes as `adapter`
// (Taro, uni), whose request/uploadFile/login/storage/file-system calls take wx's callback options.

export function resolvePlatform(adapter) {
    const api = adapter || (typeof wx !== "undefined" ? wx : undefined);
    if (!api || typeof api.request !== "function") {
        throw new Error(
            "wxbase-miniprogram: no wx API here; outside a native mini-program pass createClient({ url, adapter: Taro }) or { adapter: uni }.",
        );
    }
    let pages = () => [];
    if (typeof api.getCurrentPages === "function") {
        pages = () => api.getCurrentPages();
    } else if (typeof getCurrentPages === "function") {
        pages = () => getCurrentPages(); // eslint-disable-line no-undef
    }
    return { api, pages };
}

/** Runs `api[name]` (wx callback style) as a promise; `onTask` receives the task it returns (abort, progress). */
export function invoke(api, name, options, onTask) {
    return new Promise((resolve, reject) => {
        if (typeof api[name] !== "function") {
            reject(new Error(`wxbase-miniprogram: this platform has no ${name}()`));
            return;
        }
        const fail = (res) => {
            const err = new Error((res && res.errMsg) || `${name}:fail`);
            err.errMsg = err.message;
            err.errno = res && res.errno;
            reject(err);
        };
        const task = api[name](Object.assign({}, options, { success: resolve, fail }));
        if (onTask && task) {
            onTask(task);
        }
        if (task && typeof task.then === "function") {
            task.then(undefined, () => {}); // Taro also returns a promise; callbacks already settle ours
        }
    });
}

/** wx storage as a tiny key → value store (objects are kept as objects; a missing key reads as null). */
export function createStorage(api) {
    return {
        get(key) {
            try {
                const value = api.getStorageSync(key);
                return value === "" || value === undefined ? null : value;
            } catch (e) {
                return null;
            }
        },
        set(key, value) {
            try {
                api.setStorageSync(key, value);
            } catch (e) {
                // storage full or unavailable: the in-memory state still works for this run
            }
        },
        remove(key) {
            try {
                api.removeStorageSync(key);
            } catch (e) {
                // nothing to do
            }
        },
    };
}
