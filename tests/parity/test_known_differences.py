"""The parity suite's own bookkeeping, checked with the fast tests (the suite itself runs with
`make test-pocketbase-parity`): the differences list is well formed, names only cases of the corpus, and the
user-facing page shows it as it is."""
from tests.parity import corpus, docs, known


def test_known_differences_are_well_formed():
    assert known.check_structure(known.load()) == []


def test_known_differences_name_cases_of_the_corpus():
    ids = {case["id"] for case in corpus.build()}
    assert sorted(set(known.load()["cases"]) - ids) == []


def test_corpus_cases_are_runnable_specs():
    cases = corpus.build()
    assert len(cases) == len({c["id"] for c in cases}) > 500
    seen_write = False
    for case in cases:  # reads first: writes never change what a read case sees
        seen_write = seen_write or case["writes"]
        assert case["writes"] or not seen_write, case["id"]
        for step in case["steps"]:
            assert step["as"] in ("guest", "owner", "other", "third", "admin"), case["id"]
            assert step["op"] in ("list", "full", "first", "view", "create", "update", "delete", "send",
                                  "batch"), case["id"]
            if step["op"] == "batch":
                assert step["requests"] and all(r["action"] in ("create", "update", "delete", "upsert")
                                                for r in step["requests"]), case["id"]


def test_the_differences_page_is_current():
    with open(docs.PAGE, encoding="utf-8") as f:
        text = f.read()
    assert docs.updated_page(text) == text, "run: python -m tests.parity.docs"


def test_judging_fails_unlisted_differences_and_listed_matches():
    listed = {"causes": {"c": {"category": "to fix", "reason": "r"}}, "cases": {"g/listed": "c", "g/fixed": "c"}}
    results = [{"id": "g/listed", "same": False}, {"id": "g/fixed", "same": True}, {"id": "g/new", "same": False},
               {"id": "g/fine", "same": True}]
    verdict = known.judge(listed, results)
    assert {(p["id"], p["kind"]) for p in verdict["problems"]} == {("g/fixed", "now matches"), ("g/new", "differs")}
    assert verdict["rows"]["g"]["matched"] == 1 and verdict["rows"]["g"]["to fix"] == 1
    assert verdict["passed"] == 2


def test_normalizing_keeps_what_matters():
    from tests.parity import normalize

    wx = {"status": 200, "body": {"page": 1, "items": [
        {"id": "b", "created": "2026-01-02 03:04:05.678Z", "cover": "cat_52iwbgds7l.png", "n": 1},
        {"id": "a", "updated": "", "gallery": ["x_abcdefghij.txt"]}], "nextCursor": "c"}}
    pb = {"status": 200, "body": {"page": 1, "items": [
        {"id": "a", "updated": "", "gallery": ["x_0123456789.txt"]},
        {"id": "b", "created": "2025-12-31 00:00:00.000Z", "cover": "cat_zzzzzzzzzz.png", "n": 1}]}}
    assert normalize.answer(wx, ordered=False) == normalize.answer(pb, ordered=False)
    assert normalize.answer(wx) != normalize.answer(pb)  # an ordered list keeps its order
    changed = {"status": 200, "body": {**pb["body"], "items": [pb["body"]["items"][0], {
        **pb["body"]["items"][1], "n": 2}]}}
    assert normalize.answer(changed, ordered=False) != normalize.answer(pb, ordered=False)
    error = {"status": 400, "body": {"status": 400, "message": "Failed.", "data": {"n": {"code": "x", "message": "m"}}}}
    assert normalize.answer(error) == {"status": 400, "data": {"n": {"code": "x"}}}
