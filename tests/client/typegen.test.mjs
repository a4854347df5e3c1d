// wxbase-typegen writes types for a collections file, and they (with the package's own .d.ts) type-check an app.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { REPO } from "./harness/runtime.mjs";

const CLIENT = path.join(REPO, "client");
const BIN = path.join(CLIENT, "bin", "typegen.js");
const COLLECTIONS = path.join(REPO, "chalicelib", "collections.json");

function typegen(...args) {
    return spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
}

const USAGE = `
import { createClient, ClientResponseError, AbortController } from "wxbase-miniprogram";
import type { TypedPocketBase, PostsResponse, PostsCreate, CommentsResponse, UsersResponse } from "./types";

const pb = createClient<TypedPocketBase>({ url: "https://api.example.com", timeout: 10000 });

export async function app(): Promise<void> {
    const auth = await pb.wx.login<UsersResponse>({ phoneCode: "code" });
    const isNew: boolean = auth.meta.isNew;
    const phone: string | undefined = auth.record.phone;
    const post = await pb.collection("posts").getOne("abc", { expand: "owner" });
    const status: "draft" | "published" = post.status;
    const ownerName: string | undefined = post.expand?.owner?.name;
    // @ts-expect-error views is a number
    const views: string = post.views;
    const up = await pb.wx.upload({ collection: "posts", field: "cover", filePath: "wxfile://tmp/a.png", onProgress: (e) => e.progress.toFixed() });
    const input: PostsCreate = { id: up.recordId, title: "t", status: "published", owner: auth.record.id, cover: up.name };
    // @ts-expect-error status takes the select's values only
    const bad: PostsCreate = { title: "t", status: "archived", owner: "x" };
    const created: PostsResponse = await pb.collection("posts").create(input);
    const page = await pb.collection("comments").getList(1, 20, { filter: pb.filter("post = {:id}", { id: created.id }) });
    const first: CommentsResponse | undefined = page.items[0];
    const unsubscribe = pb.wx.subscribe<CommentsResponse>("comments", "*", (e) => e.record.text.toUpperCase(), { filter: 'post = "x"' });
    await unsubscribe.ready;
    unsubscribe();
    const link: string = pb.wx.fileUrl(created, created.cover, { thumb: "300x200", token: await pb.wx.fileToken() });
    const controller = new AbortController();
    try {
        await pb.send("/api/health", { signal: controller.signal as any, timeout: 1000 });
    } catch (err) {
        if (err instanceof ClientResponseError) {
            const s: number = err.status;
        }
    }
    void [isNew, phone, status, ownerName, views, bad, first, link];
}
`;

test("types for the shipped collections", () => {
    const done = typegen(COLLECTIONS);
    assert.equal(done.status, 0, done.stderr);
    const out = done.stdout;
    assert.match(out, /export type PostsStatusOptions = "draft" \| "published";/);
    assert.match(out, /export interface PostsRecord \{[^}]*\n    tags: PostsTagsOptions\[\];/);
    assert.match(out, /export interface PostsCreate \{[^}]*\n    title: string;[^}]*\n    content\?: string;/);
    assert.match(out, /export interface CommentsExpand \{\n    post\?: PostsResponse;\n    author\?: UsersResponse;\n\}/);
    assert.match(out, /collection\(idOrName: "favourites"\): RecordService<FavouritesResponse>;/);
    assert.doesNotMatch(out, /password|tokenKey/);
});

test("an app using the package and the generated types type-checks (and wrong uses don't)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wxbase-types-"));
    try {
        const done = typegen(COLLECTIONS, "--out", path.join(dir, "types.d.ts"));
        assert.equal(done.status, 0, done.stderr);
        fs.writeFileSync(path.join(dir, "usage.ts"), USAGE);
        fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({
            compilerOptions: {
                strict: true, noEmit: true, target: "es2020", module: "esnext", moduleResolution: "bundler",
                lib: ["es2020", "dom"], types: [], baseUrl: ".",
                paths: {
                    "wxbase-miniprogram": [path.join(CLIENT, "index.d.ts")],
                    pocketbase: [path.join(CLIENT, "node_modules", "pocketbase", "dist", "pocketbase.es.d.mts")],
                },
            },
            files: ["usage.ts"],
        }));
        const tsc = spawnSync(process.execPath, [path.join(CLIENT, "node_modules", "typescript", "bin", "tsc"), "-p", dir], { encoding: "utf8" });
        assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test("bad input gets a clear message", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wxbase-types-"));
    try {
        fs.writeFileSync(path.join(dir, "bad.json"), '{"not": "a list"}');
        const bad = typegen(path.join(dir, "bad.json"));
        assert.equal(bad.status, 1);
        assert.match(bad.stderr, /expected a JSON array of collections/);
        const missing = typegen(path.join(dir, "missing.json"));
        assert.equal(missing.status, 1);
        assert.match(missing.stderr, /cannot read/);
        assert.equal(typegen().status, 2);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
