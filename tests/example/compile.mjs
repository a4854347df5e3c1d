// The mini-program's templates and styles through WeChat's own compilers, wcc and wcsc (npm miniprogram-compiler
// ships them for Linux): a template that doesn't compile is an error here as in DevTools.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** {wxml: $gwx for templates, wxss: $gwx for styles, pages: [route]} of the mini-program in `dir`, for a webview
 * `window` (a jsdom one: the styles go into its document). */
export function compile(dir, window) {
    const { wxmlToJs, wxssToJs } = require("miniprogram-compiler");
    const pages = JSON.parse(fs.readFileSync(path.join(dir, "app.json"), "utf8")).pages;
    // wcc's and wcsc's output expect the webview DevTools runs them in
    const run = (source) => new Function("global", "window", "navigator", "document", source)(
        {}, window, window.navigator, window.document);
    return { pages, wxml: run(wxmlToJs(dir)), wxss: run(wxssToJs(dir)) };
}
