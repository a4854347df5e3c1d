// Builds the package:
//   miniprogram_dist/index.js       what 构建 npm copies into miniprogram_npm (CommonJS, ES2018)
//   miniprogram_dist/pocketbase.js  the pinned SDK's own ES build as CommonJS, so a mini-program needs no packing
//                                   step for it (the devtools pack other packages from `main`, an .mjs here)
//   dist/index.mjs                  for Taro/uni-app bundlers (ES modules), which resolve `pocketbase` themselves;
//                                   `require` gets miniprogram_dist (the SDK's CommonJS build has no named exports)
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const sdkEntry = join(root, "node_modules", "pocketbase", "dist", "pocketbase.es.mjs");
const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
const sdkVersion = JSON.parse(readFileSync(join(root, "node_modules", "pocketbase", "package.json"), "utf8")).version;
const target = "es2018";
const banner = { js: `/* wxbase-miniprogram ${version} */` };

const sdkBesideUs = {
    name: "sdk-beside-us",
    setup(b) {
        b.onResolve({ filter: /^pocketbase$/ }, () => ({ path: "./pocketbase.js", external: true }));
    },
};

export async function buildAll() {
    rmSync(join(root, "miniprogram_dist"), { recursive: true, force: true });
    rmSync(join(root, "dist"), { recursive: true, force: true });
    mkdirSync(join(root, "miniprogram_dist"), { recursive: true });
    const common = { entryPoints: [join(root, "src", "index.js")], bundle: true, target, banner, logLevel: "warning" };
    await build({ ...common, format: "cjs", outfile: join(root, "miniprogram_dist", "index.js"), plugins: [sdkBesideUs] });
    await build({
        entryPoints: [sdkEntry],
        bundle: true,
        format: "cjs",
        target,
        outfile: join(root, "miniprogram_dist", "pocketbase.js"),
        minify: true,
        banner: { js: `/* pocketbase ${sdkVersion} (MIT) */` },
        logLevel: "warning",
    });
    await build({ ...common, format: "esm", outfile: join(root, "dist", "index.mjs"), external: ["pocketbase"] });
    copyFileSync(join(root, "index.d.ts"), join(root, "miniprogram_dist", "index.d.ts"));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
    await buildAll();
}
