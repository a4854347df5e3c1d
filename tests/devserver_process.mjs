// `python -m devserver` (what `make dev` runs) as a child process for the Node test suites (client, browser): free
// ports for everything it listens on, a temp data folder, started once /api/health answers, stopped with SIGTERM
// (SIGKILL after 15 s) and its folder removed.
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.listen(0, "127.0.0.1", () => {
            const { port } = srv.address();
            srv.close(() => resolve(port));
        });
        srv.on("error", reject);
    });
}

function python() {
    const venv = path.join(REPO, ".venv", "bin", "python");
    return process.env.WXBASE_PYTHON || (fs.existsSync(venv) ? venv : "python3");
}

async function healthy(url) {
    try {
        return (await fetch(url + "/api/health", { signal: AbortSignal.timeout(2000) })).ok;
    } catch {
        return false;
    }
}

/** Starts the dev server with its data in a new temp folder; `configure(dataDir)` returns extra environment. */
export async function startDevserver({ prefix, configure = () => ({}) }) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const [port, sandboxPort, s3Port, dynamodbPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const env = {
        ...process.env,
        PORT: String(port),
        SANDBOX_PORT: String(sandboxPort),
        S3_PORT: String(s3Port), // make dev's fixed defaults may be taken on this machine
        DYNAMODB_PORT: String(dynamodbPort),
        WXBASE_DATA_DIR: dataDir,
        WXBASE_RATE_LIMITS: "[]", // test scripts, not people (tests/http/test_limits.py tests the limits)
        ...configure(dataDir),
    };
    delete env.WXBASE_APPS; // the dev server's default sandbox apps
    const child = spawn(python(), ["-m", "devserver"], { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output = (output + d).slice(-20000)));
    child.stderr.on("data", (d) => (output = (output + d).slice(-20000)));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 90000;
    while (!(await healthy(url))) {
        if (child.exitCode !== null || Date.now() > deadline) {
            child.kill("SIGKILL");
            throw new Error("the local stack did not start:\n" + output.slice(-4000));
        }
        await new Promise((r) => setTimeout(r, 250));
    }
    const stop = async () => {
        if (child.exitCode === null) {
            const exited = new Promise((r) => child.once("exit", r));
            child.kill("SIGTERM");
            const timer = setTimeout(() => child.kill("SIGKILL"), 15000);
            await exited;
            clearTimeout(timer);
        }
        fs.rmSync(dataDir, { recursive: true, force: true });
    };
    return { url, sandboxUrl: `http://127.0.0.1:${sandboxPort}`, dataDir, stop };
}
