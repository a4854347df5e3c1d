// pb.wx.upload: a file of a record field straight to S3. The API signs (POST /api/files/upload); up to 10 MB
// wx.uploadFile sends the presigned POST form, above that the parts of a multipart upload go up in parallel with
// wx.request PUTs (each read from disk when its turn comes), are retried, and the upload is aborted on failure.
import { ClientResponseError } from "pocketbase";
import { abortError, onAbort } from "./abort.js";
import { invoke } from "./platform.js";

const TYPES = {
    jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", gif: "image/gif", webp: "image/webp", bmp: "image/bmp",
    svg: "image/svg+xml", heic: "image/heic", mp4: "video/mp4", mov: "video/quicktime", m4v: "video/x-m4v",
    mp3: "audio/mpeg", m4a: "audio/mp4", aac: "audio/aac", wav: "audio/wav", silk: "audio/silk", pdf: "application/pdf",
    txt: "text/plain", json: "application/json", csv: "text/csv", zip: "application/zip",
    doc: "application/msword", docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    xls: "application/vnd.ms-excel", xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
};

export function contentTypeOf(filename) {
    const m = /\.([a-z0-9]+)$/i.exec(filename || "");
    return (m && TYPES[m[1].toLowerCase()]) || "application/octet-stream";
}

function basename(path) {
    const clean = String(path).split(/[?#]/)[0];
    return clean.slice(clean.lastIndexOf("/") + 1) || "file";
}

function failure(url, status, message, original) {
    return new ClientResponseError({
        url,
        status,
        response: { status, message, data: {} },
        originalError: original || null,
    });
}

function s3Message(body) {
    const m = /<Message>([^<]*)<\/Message>/.exec(typeof body === "string" ? body : "");
    return m ? m[1] : "";
}

function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

export function createUploader(pb, api, defaults) {
    function fs() {
        return api.getFileSystemManager();
    }

    async function fileSize(filePath) {
        const info = await invoke(fs(), "getFileInfo", { filePath });
        return info.size;
    }

    function readSlice(filePath, position, length) {
        return invoke(fs(), "readFile", { filePath, position, length }).then((res) => res.data);
    }

    function postForm(ticket, filePath, size, progress, signal) {
        return new Promise((resolve, reject) => {
            let task = null;
            const detach = onAbort(signal, () => {
                if (task) {
                    task.abort();
                }
                reject(abortError());
            });
            invoke(
                api,
                "uploadFile",
                { url: ticket.url, filePath, name: "file", formData: ticket.fields, timeout: defaults.uploadTimeout },
                (t) => {
                    task = t;
                    if (typeof t.onProgressUpdate === "function") {
                        t.onProgressUpdate((e) => progress(Math.floor(((e.progress || 0) * size) / 100)));
                    }
                },
            ).then(
                (res) => {
                    detach();
                    if (res.statusCode >= 200 && res.statusCode < 300) {
                        resolve();
                    } else {
                        reject(failure(ticket.url, res.statusCode, s3Message(res.data) || "Storage refused the upload."));
                    }
                },
                (err) => {
                    detach();
                    reject(signal && signal.aborted ? abortError() : failure(ticket.url, 0, `Upload failed: ${err && err.errMsg}`, err));
                },
            );
        });
    }

    async function putPart(part, data, tasks) {
        let task = null;
        try {
            const res = await invoke(
                api,
                "request",
                {
                    url: part.url,
                    method: "PUT",
                    data,
                    header: { "Content-Type": "application/octet-stream" },
                    dataType: "text",
                    responseType: "text",
                    timeout: defaults.uploadTimeout,
                },
                (t) => {
                    task = t;
                    tasks.add(t);
                },
            );
            if (res.statusCode < 200 || res.statusCode >= 300) {
                const retryable = res.statusCode >= 500 || res.statusCode === 408 || res.statusCode === 429;
                const err = failure(part.url, res.statusCode, s3Message(res.data) || `Part ${part.partNumber} was refused.`);
                err.retryable = retryable;
                throw err;
            }
        } catch (err) {
            if (!(err instanceof ClientResponseError)) {
                const wrapped = failure(part.url, 0, `Part ${part.partNumber} failed: ${err && err.errMsg}`, err);
                wrapped.retryable = true;
                throw wrapped;
            }
            throw err;
        } finally {
            tasks.delete(task);
        }
    }

    async function multipart(ticket, filePath, size, progress, signal, opts) {
        const parts = ticket.parts.slice();
        const concurrency = Math.max(1, opts.concurrency || defaults.concurrency);
        const retries = opts.retries === undefined ? defaults.retries : opts.retries;
        const tasks = new Set();
        let loaded = 0;
        let failed = null;
        const detach = onAbort(signal, () => {
            failed = failed || abortError();
            tasks.forEach((t) => t.abort());
        });

        async function sendPart(part) {
            const start = (part.partNumber - 1) * ticket.partSize;
            const length = Math.min(ticket.partSize, size - start);
            for (let attempt = 0; ; attempt++) {
                if (failed) {
                    throw failed;
                }
                try {
                    const data = await readSlice(filePath, start, length);
                    await putPart(part, data, tasks);
                    loaded += length;
                    progress(loaded);
                    return;
                } catch (err) {
                    if (failed || attempt >= retries || err.retryable === false) {
                        throw failed || err;
                    }
                    await sleep(defaults.retryDelay * Math.pow(2, attempt));
                }
            }
        }

        async function worker() {
            while (parts.length && !failed) {
                const part = parts.shift();
                try {
                    await sendPart(part);
                } catch (err) {
                    failed = failed || err;
                    tasks.forEach((t) => t.abort());
                }
            }
        }

        const keys = { key: ticket.key, uploadId: ticket.uploadId };
        await Promise.all(Array.from({ length: Math.min(concurrency, parts.length) }, worker));
        detach();
        try {
            if (failed) {
                throw failed;
            }
            await pb.send("/api/files/upload/complete", { method: "POST", body: keys, requestKey: null });
        } catch (err) {
            // leave nothing behind in S3 (a lifecycle rule would catch it later, but only days later)
            await pb.send("/api/files/upload/abort", { method: "POST", body: keys, requestKey: null }).catch(() => null);
            throw err;
        }
    }

    return async function upload(opts) {
        opts = opts || {};
        for (const name of ["collection", "field", "filePath"]) {
            if (!opts[name] || typeof opts[name] !== "string") {
                throw new Error(`pb.wx.upload: ${name} is required`);
            }
        }
        const signal = opts.signal;
        if (signal && signal.aborted) {
            throw abortError();
        }
        const size = opts.size || (await fileSize(opts.filePath));
        const filename = opts.filename || basename(opts.filePath);
        const body = {
            collection: opts.collection,
            field: opts.field,
            filename,
            size,
            contentType: opts.contentType || contentTypeOf(filename),
        };
        if (opts.recordId) {
            body.recordId = opts.recordId;
        }
        const ticket = await pb.send("/api/files/upload", { method: "POST", body, requestKey: null });
        const progress = (loaded) => {
            if (typeof opts.onProgress === "function") {
                opts.onProgress({ progress: size ? Math.floor((loaded * 100) / size) : 100, loaded, total: size });
            }
        };
        if (ticket.multipart) {
            await multipart(ticket, opts.filePath, size, progress, signal, opts);
        } else {
            await postForm(ticket, opts.filePath, size, progress, signal);
            progress(size);
        }
        return { name: ticket.name, recordId: ticket.recordId };
    };
}
