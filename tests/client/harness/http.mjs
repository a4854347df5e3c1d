// Plain HTTP from the test itself (outside the mini-program): checks against the API and downloads of file links.
import crypto from "node:crypto";
import http from "node:http";

export function httpRequest(url, { method = "GET", headers = {}, body = null, follow = true } = {}) {
    return new Promise((resolve, reject) => {
        const payload = body === null ? null : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
        const h = Object.assign({}, headers);
        if (payload && !h["Content-Type"]) {
            h["Content-Type"] = "application/json";
        }
        if (payload) {
            h["Content-Length"] = payload.length;
        }
        const req = http.request(url, { method, headers: h }, (res) => {
            const chunks = [];
            res.on("data", (c) => chunks.push(c));
            res.on("end", () => {
                const buf = Buffer.concat(chunks);
                if (follow && [301, 302, 303, 307].includes(res.statusCode) && res.headers.location) {
                    resolve(httpRequest(new URL(res.headers.location, url).toString(), { follow }));
                    return;
                }
                let json = null;
                try {
                    json = JSON.parse(buf.toString());
                } catch (e) {
                    json = null;
                }
                resolve({ status: res.statusCode, headers: res.headers, bytes: buf, json });
            });
        });
        req.on("error", reject);
        if (payload) {
            req.write(payload);
        }
        req.end();
    });
}

/** A token signed with the stack's JWT secret, e.g. one that expired an hour ago (the server's own format). */
export function signToken(secret, claims) {
    const b64 = (v) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const head = b64({ alg: "HS256", typ: "JWT" });
    const body = b64(claims);
    const sig = crypto.createHmac("sha256", secret).update(`${head}.${body}`).digest("base64url");
    return `${head}.${body}.${sig}`;
}

export function tokenClaims(token) {
    return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
}
