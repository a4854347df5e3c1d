// The local wxbase stack for the client tests: `python -m devserver` (what `make dev` runs) on free ports with
// its data in a temp folder, serving the shipped collections plus `documents`, which has a protected file field
// that takes files above 10 MB. tests/client/run.mjs starts one stack for all test files (WXBASE_TEST_*
// variables); a test file run on its own starts its own.
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { REPO } from "./runtime.mjs";

export const APPID = "wxsandbox00000001";

const DOCUMENTS = {
    id: "pbc_documents0001",
    name: "documents",
    type: "base",
    listRule: "owner = @request.auth.id",
    viewRule: "owner = @request.auth.id",
    createRule: '@request.auth.id != "" && owner = @request.auth.id',
    updateRule: "owner = @request.auth.id",
    deleteRule: "owner = @request.auth.id",
    fields: [
        { name: "id", type: "text", required: true, primaryKey: true, min: 15, max: 15, pattern: "^[a-z0-9]+$", autogeneratePattern: "[a-z0-9]{15}" },
        { name: "title", type: "text", required: false, max: 200 },
        { name: "attachment", type: "file", maxSelect: 1, maxSize: 64 * 1024 * 1024, mimeTypes: [], protected: true },
        { name: "owner", type: "relation", required: true, collectionId: "_pb_users_auth_", cascadeDelete: true, maxSelect: 1 },
        { name: "created", type: "autodate", onCreate: true, onUpdate: false },
        { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
    ],
    indexes: [],
};

export function writeCollections(dir) {
    const shipped = JSON.parse(fs.readFileSync(path.join(REPO, "chalicelib", "collections.json"), "utf8"));
    const file = path.join(dir, "collections.json");
    fs.writeFileSync(file, JSON.stringify([...shipped, DOCUMENTS], null, 2));
    return file;
}

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

function get(url) {
    return new Promise((resolve) => {
        const req = http.get(url, (res) => {
            res.resume();
            resolve(res.statusCode);
        });
        req.on("error", () => resolve(0));
        req.setTimeout(2000, () => req.destroy());
    });
}

function python() {
    if (process.env.WXBASE_PYTHON) {
        return process.env.WXBASE_PYTHON;
    }
    const venv = path.join(REPO, ".venv", "bin", "python");
    return fs.existsSync(venv) ? venv : "python3";
}

function describe(dataDir, url, sandboxUrl, stop) {
    const read = (name) => fs.readFileSync(path.join(dataDir, name), "utf8").trim();
    return { url, sandboxUrl, dataDir, appid: APPID, adminKey: read("admin-key"), jwtSecret: read("jwt-secret"), stop };
}

export async function startStack() {
    if (process.env.WXBASE_TEST_URL) {
        return describe(process.env.WXBASE_TEST_DATA_DIR, process.env.WXBASE_TEST_URL, process.env.WXBASE_TEST_SANDBOX, async () => {});
    }
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "wxbase-client-"));
    const [port, sandboxPort, s3Port, dynamodbPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const env = {
        ...process.env,
        PORT: String(port),
        SANDBOX_PORT: String(sandboxPort),
        S3_PORT: String(s3Port), // make dev's fixed defaults may be taken on this machine
        DYNAMODB_PORT: String(dynamodbPort),
        WXBASE_DATA_DIR: dataDir,
        WXBASE_COLLECTIONS: writeCollections(dataDir),
    };
    delete env.WXBASE_APPS; // the dev server's default sandbox apps
    const child = spawn(python(), ["-m", "devserver"], { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output = (output + d).slice(-20000)));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 90000;
    while ((await get(url + "/api/health")) !== 200) {
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
    return describe(dataDir, url, `http://127.0.0.1:${sandboxPort}`, stop);
}
