// Builds the admin console into one self-contained file, chalicelib/console/index.html: src/index.html with the
// bundled script (src/main.js and the pinned PocketBase SDK) and the stylesheet inlined. The API serves that file
// at /_/ and allows its inline script and style by hash (chalicelib/routes/console.py), so the page loads nothing
// from anywhere. The output is committed, so `make dev` and `make package` need no node; `--check` (run by
// `make test-browser` in CI) fails when it differs from a fresh build. Prints the size, raw and gzipped.
import { build } from "esbuild";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "..", "chalicelib", "console", "index.html");
const check = process.argv.includes("--check");

async function bundle(entry, loader) {
    const result = await build({
        entryPoints: [join(root, "src", entry)],
        bundle: true,
        minify: true,
        format: loader ? undefined : "iife",
        target: loader ? ["chrome90", "safari14"] : "es2020",
        write: false,
        legalComments: "none",
        logLevel: "warning",
    });
    return result.outputFiles[0].text.trim();
}

const script = (await bundle("main.js")).replace(/<\/(script)/gi, "<\\/$1");
const style = (await bundle("style.css", "css")).replace(/<\/(style)/gi, "<\\/$1");
const template = readFileSync(join(root, "src", "index.html"), "utf8");
const html = template
    .replace("<style></style>", () => `<style>${style}</style>`)
    .replace("<script></script>", () => `<script>${script}</script>`);

const gz = gzipSync(Buffer.from(html), { level: 9 }).length;
const kb = (n) => (n / 1024).toFixed(1) + " KB";
if (check) {
    const committed = readFileSync(out, "utf8");
    if (committed !== html) {
        console.error("chalicelib/console/index.html is not the build of console/src: run `make console` and commit it");
        process.exit(1);
    }
    console.log(`console: chalicelib/console/index.html matches its sources (${kb(html.length)}, ${kb(gz)} gzip)`);
} else {
    writeFileSync(out, html);
    console.log(`console: chalicelib/console/index.html ${kb(html.length)}, ${kb(gz)} gzip (budget 150 KB gzip)`);
}
