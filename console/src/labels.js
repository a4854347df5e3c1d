// WeChat content security labels (msgSecCheck / mediaCheckAsync v2) as words.
const LABELS = {
    100: "normal", 10001: "advertising", 20001: "politics", 20002: "pornography", 20003: "abuse",
    20006: "illegal", 20008: "fraud", 20012: "vulgar", 20013: "copyright", 21000: "other",
};

export function labelText(label) {
    const word = LABELS[Number(label)];
    return word ? `${word} (${label})` : `label ${label}`;
}

// An audit entry's small details as "name: value" pairs, in words.
const DETAIL_NAMES = { sourceIp: "source IP", messages: "messages", missing: "missing", reason: "reason" };

export function detailText(detail) {
    return Object.entries(detail || {}).map(([k, v]) =>
        `${DETAIL_NAMES[k] || k}: ${Array.isArray(v) ? v.join(", ") : v}`).join("; ");
}
