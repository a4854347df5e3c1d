// `make test-browser`: one local stack for every *.test.mjs here, run one file at a time under node:test.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SCREENSHOTS, startStack } from "./harness.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const files = process.argv.slice(2).length
    ? process.argv.slice(2)
    : fs.readdirSync(here).filter((f) => f.endsWith(".test.mjs")).sort().map((f) => path.join(here, f));
fs.rmSync(SCREENSHOTS, { recursive: true, force: true });
const stack = await startStack();
let code = 1;
try {
    const env = { ...process.env, WXBASE_TEST_URL: stack.url, WXBASE_TEST_SANDBOX: stack.sandboxUrl,
                  WXBASE_TEST_ADMIN_KEYS: JSON.stringify(stack.keys) };
    const child = spawn(process.execPath, ["--test", "--test-concurrency=1", ...files], { env, stdio: "inherit" });
    code = await new Promise((resolve) => child.on("exit", (c, signal) => resolve(signal ? 1 : c)));
} finally {
    await stack.stop();
}
const shots = fs.existsSync(SCREENSHOTS) ? fs.readdirSync(SCREENSHOTS).length : 0;
console.log(`screenshots: ${shots} in ${SCREENSHOTS}`);
process.exit(code);
