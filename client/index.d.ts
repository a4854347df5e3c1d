// Types of wxbase-miniprogram. The client is the official PocketBase SDK's (`pocketbase` 0.28) plus `pb.wx`.
import PocketBase, {
    BaseAuthStore,
    ClientResponseError,
    RecordModel,
    RecordSubscription,
    getTokenPayload,
    isTokenExpired,
} from "pocketbase";

export { PocketBase, BaseAuthStore, ClientResponseError, RecordModel, RecordSubscription, getTokenPayload, isTokenExpired };

/** The wx-shaped API the client uses: `wx` itself, Taro, or uni (their calls take wx's callback options). */
export interface WxAdapter {
    request(options: any): any;
    uploadFile?(options: any): any;
    login?(options: any): any;
    getStorageSync(key: string): any;
    setStorageSync(key: string, value: any): void;
    removeStorageSync(key: string): void;
    getFileSystemManager?(): any;
    getAccountInfoSync?(): { miniProgram: { appId: string; envVersion?: string; version?: string } };
    onAppShow?(callback: (...args: any[]) => void): void;
    onAppHide?(callback: (...args: any[]) => void): void;
    getCurrentPages?(): any[];
    [name: string]: any;
}

export interface ClientOptions {
    /** The wxbase API, e.g. "https://api.example.com" (put its domain in the request domain list). */
    url: string;
    /** Taro or uni when not in a native mini-program; defaults to the global `wx`. */
    adapter?: WxAdapter;
    /** Default request timeout in ms (60000). A call may pass `timeout` in its options. */
    timeout?: number;
    /** The wx storage key of the auth state ("wxbase_auth"). */
    storageKey?: string;
    /** Accept-Language sent with every call ("en-US"). */
    lang?: string;
    /** The appid sent at sign-in; defaults to the running mini-program's (wx.getAccountInfoSync). */
    appid?: string;
    /** Development against make dev: sign in as this sandbox user (code "sandbox-<name>") instead of wx.login. */
    sandboxUser?: string;
    /** Sign in again silently (wx.login) when the token has expired or is refused (true). */
    autoLogin?: boolean;
    /** Refresh the token when less than this many seconds are left (86400, at most half its lifetime). */
    refreshBeforeSeconds?: number;
    upload?: {
        /** Multipart parts sent at once (3). */
        concurrency?: number;
        /** Retries of a failed part (3). */
        retries?: number;
        /** First retry delay in ms, doubled each time (500). */
        retryDelay?: number;
        /** Timeout of wx.uploadFile and of each part in ms (120000). */
        timeout?: number;
    };
    realtime?: {
        /** Polling interval in ms while things change (3000). */
        interval?: number;
        /** Longest interval in ms when nothing changes or after errors (30000). */
        maxInterval?: number;
        /** "polling" skips asking the server for a socket. */
        transport?: "auto" | "polling";
        /** Socket heartbeat: a ping every so many ms (240000; API Gateway closes a socket idle for 10 minutes). */
        heartbeat?: number;
        /** First reconnect delay in ms after a socket drops, doubled each time (1000). */
        reconnectDelay?: number;
        /** Longest reconnect delay in ms (30000). */
        maxReconnectDelay?: number;
    };
    pay?: {
        /** Default wait for a payment record to be SUCCESS, in ms (60000). */
        timeout?: number;
        /** Reads of the payment record while waiting, besides the realtime events, every so many ms (2000). */
        pollInterval?: number;
    };
}

export interface LoginOptions {
    /** Defaults to ClientOptions.appid, then to the running mini-program's appid. */
    appid?: string;
    /** A wx.login code you already have (by default the client calls wx.login). */
    code?: string;
    /** A getPhoneNumber code: sign in and bind the phone in one call. */
    phoneCode?: string;
}

export interface LoginResult<R = RecordModel> {
    token: string;
    record: R;
    meta: { isNew: boolean; appid: string; openid?: string };
}

export interface AbortSignalLike {
    readonly aborted: boolean;
    addEventListener(type: "abort", listener: (event: any) => void): void;
    removeEventListener(type: "abort", listener: (event: any) => void): void;
}

export class AbortSignal implements AbortSignalLike {
    readonly aborted: boolean;
    readonly reason: any;
    onabort: ((event: any) => void) | null;
    addEventListener(type: "abort", listener: (event: any) => void): void;
    removeEventListener(type: "abort", listener: (event: any) => void): void;
    throwIfAborted(): void;
}

/** Mini-programs have no AbortController: use this one for `signal` options (`pb.send`, SDK calls, uploads). */
export class AbortController {
    readonly signal: AbortSignal;
    abort(reason?: any): void;
}

export interface UploadProgress {
    /** 0–100 */
    progress: number;
    loaded: number;
    total: number;
}

export interface UploadOptions {
    collection: string;
    /** An existing record to update; omit it for a new record (the answer's recordId is then its id). */
    recordId?: string;
    field: string;
    /** A local file path, e.g. from wx.chooseMedia. */
    filePath: string;
    /** Defaults to the path's last segment. */
    filename?: string;
    /** Defaults from the file name's extension. */
    contentType?: string;
    onProgress?: (event: UploadProgress) => void;
    signal?: AbortSignalLike;
    concurrency?: number;
    retries?: number;
}

export interface UploadResult {
    /** The stored name: put it in the record's file field. */
    name: string;
    /** The record the file belongs to: for a new record, create it with this id. */
    recordId: string;
}

export interface FileUrlOptions {
    /** "WxH", one of the field's thumbs. */
    thumb?: string;
    /** A file token (await pb.wx.fileToken()) for protected files. */
    token?: string;
    download?: boolean;
}

export interface SubscribeOptions {
    filter?: string;
    /** Keep delivering while the page that subscribed is hidden or closed (default: pause when hidden, stop when closed). */
    keepAlive?: boolean;
    onError?: (error: ClientResponseError) => void;
}

export interface Unsubscribe {
    (): void;
    /** Settles once events are being watched for. */
    ready: Promise<void>;
}

export interface WxbaseApi {
    login<R = RecordModel>(options?: LoginOptions): Promise<LoginResult<R>>;
    /** Forget the token and don't sign in again silently. */
    logout(): void;
    /** Refresh the token now (POST /api/collections/users/auth-refresh). */
    refresh(): Promise<unknown>;
    upload(options: UploadOptions): Promise<UploadResult>;
    fileUrl(record: { [key: string]: any }, filename: string, options?: FileUrlOptions): string;
    /** A protected-file token, reused while it has more than 30 s left. */
    fileToken(): Promise<string>;
    /** topic: "*" for the whole collection or a record id. */
    subscribe<T = RecordModel>(
        collection: string,
        topic: string,
        callback: (event: RecordSubscription<T>) => void,
        options?: SubscribeOptions,
    ): Unsubscribe;
    /**
     * Pay with WeChat Pay: calls the server function `functionName` (which returns `ctx.pay.jsapi(...)`), opens
     * wx.requestPayment, and resolves with the `payments` record once the server has it as SUCCESS. Rejects with
     * WeChat's error (`{ errMsg: "requestPayment:fail cancel" }`) on cancel or failure.
     */
    pay<T = PaymentRecord>(functionName: string, body?: { [key: string]: any }, options?: PayOptions): Promise<T>;
    /** The fetch() the SDK uses, over wx.request. */
    fetch(url: string, init?: { [key: string]: any }): Promise<any>;
}

export interface PayOptions {
    /** How long to wait for the payment record to be SUCCESS, in ms (60000). */
    timeout?: number;
}

/** A record of the built-in `payments` collection. */
export interface PaymentRecord extends RecordModel {
    outTradeNo: string;
    mchid: string;
    appid: string;
    payer: string;
    amount: number;
    description: string;
    status: "NOTPAY" | "USERPAYING" | "SUCCESS" | "PAYERROR" | "CLOSED" | "REVOKED" | "REFUND";
    transactionId: string;
    refCollection: string;
    refId: string;
    attach: string;
    paidAt: string;
    expiresAt: string;
    refunded: number;
    refunds: { outRefundNo: string; amount: number; status: string; reason: string; refundId?: string }[];
}

export type WxbaseClient<C extends PocketBase = PocketBase> = C & { wx: WxbaseApi };

/** The official PocketBase client wired to wx; pass your generated TypedPocketBase for typed collections. */
export function createClient<C extends PocketBase = PocketBase>(options: ClientOptions): WxbaseClient<C>;

export default createClient;

export class WxAuthStore extends BaseAuthStore {
    /** Seconds left before the token expires, by the server's clock. */
    secondsLeft(): number;
}
