// The package's size in a mini-program: our code minified + gzip, beside the SDK's (built as 构建 npm would
// ship them). Fails when ours passes the 30 KB budget.
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const BUDGET = 30 * 1024;

async function minified(entry, external) {
    const out = await build({ entryPoints: [entry], bundle: true, minify: true, format: "cjs", target: "es2018", write: false, external });
    return out.outputFiles[0].contents;
}

const ours = await minified(join(root, "src", "index.js"), ["pocketbase"]);
const sdk = readFileSync(join(root, "miniprogram_dist", "pocketbase.js"));
const kb = (n) => (n / 1024).toFixed(1) + " KB";
const row = (name, bytes) => `${name.padEnd(28)} ${kb(bytes.length).padStart(9)} min ${kb(gzipSync(bytes, { level: 9 }).length).padStart(9)} min+gzip`;
console.log(row("wxbase-miniprogram (ours)", ours));
console.log(row("pocketbase SDK (beside it)", sdk));
const gz = gzipSync(ours, { level: 9 }).length;
if (gz > BUDGET) {
    console.error(`wxbase-miniprogram is ${kb(gz)} minified + gzip, over the ${kb(BUDGET)} budget`);
    process.exit(1);
}
