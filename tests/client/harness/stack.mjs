// The local wxbase stack for the client tests: `python -m devserver` (what `make dev` runs) on free ports with
// its data in a temp folder, serving the shipped collections plus `documents`, which has a protected file field
// that takes files above 10 MB. tests/client/run.mjs starts one stack for all test files (WXBASE_TEST_*
// variables); a test file run on its own starts its own.
import fs from "node:fs";
import path from "node:path";
import { startDevserver } from "../../devserver_process.mjs";
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

function describe(dataDir, url, sandboxUrl, stop) {
    const read = (name) => fs.readFileSync(path.join(dataDir, name), "utf8").trim();
    return { url, sandboxUrl, dataDir, appid: APPID, adminKey: read("admin-key"), jwtSecret: read("jwt-secret"), stop };
}

export async function startStack() {
    if (process.env.WXBASE_TEST_URL) {
        return describe(process.env.WXBASE_TEST_DATA_DIR, process.env.WXBASE_TEST_URL, process.env.WXBASE_TEST_SANDBOX, async () => {});
    }
    const { url, sandboxUrl, dataDir, stop } = await startDevserver({
        prefix: "wxbase-client-", configure: (dir) => ({ WXBASE_COLLECTIONS: writeCollections(dir) }) });
    return describe(dataDir, url, sandboxUrl, stop);
}
