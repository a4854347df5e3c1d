// Which page a call or a subscription belongs to, from getCurrentPages(): the top page is visible, pages below it
// are hidden, and a page no longer on the stack has been unloaded.

export function createPages(getPages) {
    const ids = new WeakMap();
    let next = 1;

    function stack() {
        try {
            return getPages() || [];
        } catch (e) {
            return [];
        }
    }

    function idOf(page) {
        if (!page || typeof page !== "object") {
            return 0;
        }
        let id = ids.get(page);
        if (!id) {
            id = next++;
            ids.set(page, id);
        }
        return id;
    }

    return {
        current() {
            const s = stack();
            return s.length ? s[s.length - 1] : null;
        },
        /** "visible", "hidden" or "gone"; no page (app scope) is always visible. */
        state(page) {
            if (!page) {
                return "visible";
            }
            const s = stack();
            const i = s.indexOf(page);
            return i < 0 ? "gone" : i === s.length - 1 ? "visible" : "hidden";
        },
        scope(page) {
            return page ? "page" + idOf(page) : "app";
        },
    };
}
