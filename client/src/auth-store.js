// The SDK's auth store kept in wx storage. It is read synchronously in the constructor, so `pb.authStore.isValid`
// is right on the first line of App.onLaunch (the SDK's AsyncAuthStore only becomes valid after a tick).
import { BaseAuthStore, getTokenPayload } from "pocketbase";

export class WxAuthStore extends BaseAuthStore {
    constructor(storage, key) {
        super();
        this.storage = storage;
        this.storageKey = key || "wxbase_auth";
        const saved = storage.get(this.storageKey);
        this.clockSkew = 0;
        if (saved && typeof saved === "object" && typeof saved.token === "string") {
            this.baseToken = saved.token;
            this.baseModel = saved.record || null;
            this.clockSkew = Number(saved.clockSkew) || 0;
        }
    }

    save(token, record) {
        // The token's iat is the server's clock when it was issued: remember how far the device's clock is off,
        // so expiry checks don't loop on a phone whose clock is wrong.
        const iat = getTokenPayload(token).iat;
        this.clockSkew = iat ? Math.round(iat - Date.now() / 1000) : 0;
        if (Math.abs(this.clockSkew) < 60) {
            this.clockSkew = 0;
        }
        this.storage.set(this.storageKey, { token: token || "", record: record || null, clockSkew: this.clockSkew });
        super.save(token, record);
    }

    clear() {
        this.storage.remove(this.storageKey);
        this.clockSkew = 0;
        super.clear();
    }

    get isValid() {
        return this.secondsLeft() > 0;
    }

    /** Seconds until the token expires by the server's clock (Infinity without exp, -Infinity without a token). */
    secondsLeft() {
        const payload = getTokenPayload(this.token);
        if (!this.token || !Object.keys(payload).length) {
            return -Infinity;
        }
        if (!payload.exp) {
            return Infinity;
        }
        return payload.exp - (Date.now() / 1000 + this.clockSkew);
    }
}
