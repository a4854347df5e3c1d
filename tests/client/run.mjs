// `make test-client` (after the build): starts one local stack, runs every *.test.mjs against it, stops it.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startStack } from "./harness/stack.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const files = process.argv.slice(2).length
    ? process.argv.slice(2)
    : fs.readdirSync(here).filter((f) => f.endsWith(".test.mjs")).sort().map((f) => path.join(here, f));

const stack = await startStack();
let code = 1;
try {
    const env = {
        ...process.env,
        WXBASE_TEST_URL: stack.url,
        WXBASE_TEST_SANDBOX: stack.sandboxUrl,
        WXBASE_TEST_DATA_DIR: stack.dataDir,
    };
    // one file at a time: they share the stack, and feeds and subscriptions see every user's published posts
    // the simulated wx.connectSocket uses Node's WebSocket client (a flag before Node 22)
    const flags = typeof WebSocket === "undefined" ? ["--experimental-websocket"] : [];
    const child = spawn(process.execPath, [...flags, "--test", "--test-concurrency=1", ...files], { env, stdio: "inherit" });
    code = await new Promise((resolve) => child.on("exit", (c, signal) => resolve(signal ? 1 : c)));
} finally {
    await stack.stop();
}
process.exit(code);
