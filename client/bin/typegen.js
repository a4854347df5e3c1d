#!/usr/bin/env node
"use strict";
// wxbase-typegen <collections.json> [--out types.d.ts]: TypeScript types for a PocketBase collections file.
const fs = require("fs");
const path = require("path");
const { generate } = require("../typegen/generate.js");

function main(argv) {
    const args = argv.slice(2);
    const outAt = args.indexOf("--out");
    const out = outAt >= 0 ? args.splice(outAt, 2)[1] : null;
    if (args.length !== 1 || args[0] === "-h" || args[0] === "--help" || (outAt >= 0 && !out)) {
        process.stderr.write("usage: wxbase-typegen <collections.json> [--out types.d.ts]\n");
        return 2;
    }
    let collections;
    try {
        collections = JSON.parse(fs.readFileSync(args[0], "utf8"));
    } catch (err) {
        process.stderr.write(`wxbase-typegen: cannot read ${args[0]}: ${err.message}\n`);
        return 1;
    }
    let text;
    try {
        text = generate(collections, path.basename(args[0]));
    } catch (err) {
        process.stderr.write(`wxbase-typegen: ${args[0]}: ${err.message}\n`);
        return 1;
    }
    if (out) {
        fs.writeFileSync(out, text);
    } else {
        process.stdout.write(text);
    }
    return 0;
}

process.exitCode = main(process.argv);
