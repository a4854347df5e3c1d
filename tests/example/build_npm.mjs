// 构建 npm as WeChat DevTools does it (developers.weixin.qq.com/miniprogram/dev/devtools/npm.html), for a copy of a
// mini-program folder: each dependency of its package.json goes to miniprogram_npm/<name>/ — the folder its
// package.json's "miniprogram" field names, copied whole, or else its "main" file and the files it requires — and
// the result is checked as the mini-program's require will meet it: require("<name>") finds
// miniprogram_npm/<name>/index.js (or the main file's name), every file is a CommonJS script (DevTools copies a
// "miniprogram" folder as it is, so ES module syntax would fail at run time), and every require resolves inside the
// build (a relative file, or another dependency built beside it).
import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";

function packageDir(name, spec, from) {
    if (spec.startsWith("file:")) {
        return path.resolve(from, spec.slice("file:".length));
    }
    return path.join(from, "node_modules", name);
}

function copyTree(src, dest) {
    fs.mkdirSync(dest, { recursive: true });
    for (const entry of fs.readdirSync(src, { withFileTypes: true })) {
        const from = path.join(src, entry.name);
        const to = path.join(dest, entry.name);
        if (entry.isDirectory()) {
            copyTree(from, to);
        } else {
            fs.copyFileSync(from, to);
        }
    }
}

function requires(source) {
    return [...source.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
}

/** Copies `main` and the relative files it requires, following them; the bare names it requires. */
function copyMainGraph(pkgDir, main, dest) {
    const bare = new Set();
    const pending = [main];
    const seen = new Set();
    while (pending.length) {
        const rel = pending.pop();
        if (seen.has(rel)) continue;
        seen.add(rel);
        const source = fs.readFileSync(path.join(pkgDir, rel), "utf8");
        fs.mkdirSync(path.dirname(path.join(dest, rel)), { recursive: true });
        fs.writeFileSync(path.join(dest, rel), source);
        for (const id of requires(source)) {
            if (id.startsWith(".")) {
                let next = path.posix.normalize(path.posix.join(path.posix.dirname(rel), id));
                if (!next.endsWith(".js") && fs.existsSync(path.join(pkgDir, next + ".js"))) next += ".js";
                pending.push(next);
            } else {
                bare.add(id);
            }
        }
    }
    return bare;
}

/** Builds miniprogram_npm/ in `projectDir` from its package.json (resolved from `sourceDir`); the problems found. */
export function buildNpm(projectDir, sourceDir = projectDir) {
    const manifest = JSON.parse(fs.readFileSync(path.join(projectDir, "package.json"), "utf8"));
    const problems = [];
    const built = new Map(); // name → entry file inside miniprogram_npm/<name>/
    const queue = Object.entries(manifest.dependencies || {}).map(([name, spec]) => [name, spec, sourceDir]);
    while (queue.length) {
        const [name, spec, from] = queue.shift();
        if (built.has(name)) continue;
        const dir = packageDir(name, spec, from);
        const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
        const dest = path.join(projectDir, "miniprogram_npm", name);
        let entry = "index.js";
        if (pkg.miniprogram) {
            if (!fs.existsSync(path.join(dir, pkg.miniprogram))) {
                problems.push(`${name}: its "miniprogram" folder ${pkg.miniprogram} is missing (build the package first)`);
                continue;
            }
            copyTree(path.join(dir, pkg.miniprogram), dest);
        } else {
            entry = path.posix.normalize(pkg.main || "index.js");
            for (const id of copyMainGraph(dir, entry, dest)) {
                queue.push([id, (pkg.dependencies || {})[id] || "", dir]);
            }
        }
        built.set(name, path.posix.basename(entry));
        if (!fs.existsSync(path.join(dest, built.get(name)))) {
            problems.push(`${name}: require("${name}") finds no miniprogram_npm/${name}/${built.get(name)}`);
        }
    }
    for (const [name] of built) {
        const root = path.join(projectDir, "miniprogram_npm", name);
        for (const file of fs.readdirSync(root, { recursive: true }).filter((f) => f.endsWith(".js"))) {
            const source = fs.readFileSync(path.join(root, file), "utf8");
            try {
                new vm.Script(`(function (module, exports, require) {${source}\n})`, { filename: file });
            } catch (err) {
                problems.push(`${name}/${file}: not a CommonJS script the mini-program can load (${err.message})`);
            }
            for (const id of requires(source)) {
                const ok = id.startsWith(".")
                    ? [id, id + ".js", id + "/index.js"].some((c) => fs.existsSync(path.join(root, path.dirname(file), c)))
                    : built.has(id);
                if (!ok) {
                    problems.push(`${name}/${file}: require("${id}") resolves to nothing in miniprogram_npm`);
                }
            }
        }
    }
    return problems;
}

/** A copy of the mini-program folder as DevTools builds it: sources, then miniprogram_npm/. */
export function layOut(exampleDir, into) {
    copyTree(exampleDir, into);
    fs.rmSync(path.join(into, "node_modules"), { recursive: true, force: true });
    fs.rmSync(path.join(into, "miniprogram_npm"), { recursive: true, force: true });
    return buildNpm(into, exampleDir);
}
