// WeChat sign-in and keeping it alive: wx.login → POST /api/wechat/login, a refresh before the token expires,
// and one silent sign-in again when the token has expired or the server answers 401 for it.
import { getTokenPayload } from "pocketbase";
import { invoke } from "./platform.js";

const LOGIN_PATH = "/api/wechat/login";
const AUTH_PATH = /^\/?api\/(wechat\/login|collections\/[^/]+\/auth-)/;
const DAY = 86400;

export function isAuthPath(path) {
    return AUTH_PATH.test(String(path || ""));
}

export function createSession(pb, platform, storage, options) {
    const api = platform.api;
    const loginKey = (options.storageKey || "wxbase_auth") + "_login";
    const refreshBefore = options.refreshBeforeSeconds === undefined ? DAY : options.refreshBeforeSeconds;
    let signedInWith = storage.get(loginKey); // {appid}: set by login, so a later silent sign-in uses the same app
    let relogging = null;
    let refreshing = null;
    let lastRelogin = 0;

    function defaultAppid() {
        if (options.appid) {
            return options.appid;
        }
        try {
            const info = api.getAccountInfoSync && api.getAccountInfoSync();
            return (info && info.miniProgram && info.miniProgram.appId) || undefined;
        } catch (e) {
            return undefined;
        }
    }

    async function login(args) {
        args = args || {};
        const appid = args.appid || defaultAppid();
        // make dev's WeChat sandbox takes codes "sandbox-<name>", not the ones wx.login gives WeChat DevTools
        const code = args.code || (options.sandboxUser ? "sandbox-" + options.sandboxUser : (await invoke(api, "login", {})).code);
        const body = { code };
        if (appid) {
            body.appid = appid;
        }
        if (args.phoneCode) {
            body.phoneCode = args.phoneCode;
        }
        const data = await pb.send(LOGIN_PATH, { method: "POST", body, requestKey: null });
        pb.authStore.save(data.token, data.record);
        signedInWith = { appid: (data.meta && data.meta.appid) || appid || "" };
        storage.set(loginKey, signedInWith);
        return data;
    }

    function canRelogin() {
        return !!signedInWith && options.autoLogin !== false;
    }

    /** One sign-in at a time, however many calls find the token expired together. */
    function relogin() {
        if (!relogging) {
            lastRelogin = Date.now();
            relogging = login({ appid: signedInWith && signedInWith.appid }).finally(() => {
                relogging = null;
            });
        }
        return relogging;
    }

    function refresh() {
        if (!refreshing) {
            refreshing = pb
                .collection("users")
                .authRefresh({ requestKey: null })
                .catch((err) => {
                    if (err && err.status === 401) {
                        // revoked or unknown: sign in again if we can, else forget the dead token
                        if (canRelogin()) {
                            return relogin();
                        }
                        pb.authStore.clear();
                    }
                    return null; // offline or busy: the current token is still valid, keep it
                })
                .finally(() => {
                    refreshing = null;
                });
        }
        return refreshing;
    }

    /** Called before every API call except the sign-in ones. */
    async function beforeCall() {
        if (relogging) {
            await relogging.catch(() => null);
            return;
        }
        const store = pb.authStore;
        if (!store.token) {
            return;
        }
        const left = store.secondsLeft ? store.secondsLeft() : Infinity;
        if (left <= 5) {
            if (canRelogin() && Date.now() - lastRelogin > 30000) {
                await relogin().catch(() => null); // the call goes on as a guest and its own error tells
            }
            return;
        }
        const payload = getTokenPayload(store.token);
        const lifetime = payload.iat && payload.exp ? payload.exp - payload.iat : Infinity;
        if (left < Math.min(refreshBefore, lifetime / 2)) {
            await refresh();
        }
    }

    function logout() {
        signedInWith = null;
        storage.remove(loginKey);
        pb.authStore.clear();
    }

    return { login, logout, relogin, refresh, canRelogin, beforeCall };
}
