// Links for <image src>: public files by their permanent link, protected ones with a short-lived file token
// (POST /api/files/token → ?token=), because an <image> tag can't send an Authorization header.
import { getTokenPayload } from "pocketbase";

export function createFiles(pb) {
    let cached = null; // {token, exp, user}

    pb.authStore.onChange(() => {
        cached = null; // another user, or signed out: that token is not theirs
    });

    function fileUrl(record, name, opts) {
        opts = opts || {};
        const query = {};
        if (opts.thumb) {
            query.thumb = opts.thumb;
        }
        if (opts.token) {
            query.token = opts.token;
        }
        if (opts.download) {
            query.download = 1;
        }
        return pb.files.getURL(record, name, query);
    }

    /** A file token, reused while it has more than 30 s left (they live 3 minutes). */
    async function fileToken() {
        const now = Date.now() / 1000;
        if (cached && cached.exp - now > 30) {
            return cached.token;
        }
        const token = await pb.files.getToken({ requestKey: null });
        const exp = getTokenPayload(token).exp || now + 120;
        cached = { token, exp };
        return token;
    }

    return { fileUrl, fileToken };
}
