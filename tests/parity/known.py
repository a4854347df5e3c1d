"""known_differences.json: every case whose answers differ, each naming its cause; each cause has a category
("deliberate": wxbase keeps it on purpose; "to fix": wxbase should answer as PocketBase) and a one-line reason.

    {"causes": {"<cause>": {"category": "deliberate" | "to fix", "reason": "…"}},
     "cases": {"<case id>": "<cause>" | ["<cause>", …]}}

A case that differs for several reasons lists them all; it counts as "to fix" while any of its causes is.
"""
import json
import os
from collections import Counter, OrderedDict

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "known_differences.json")
CATEGORIES = ("deliberate", "to fix")
UNSORTED = "unsorted"


def load(path=PATH):
    if not os.path.exists(path):
        return {"causes": {}, "cases": {}}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def save(listed, path=PATH):
    listed["cases"] = OrderedDict(sorted(listed["cases"].items()))
    with open(path, "w", encoding="utf-8") as f:
        json.dump(listed, f, indent=2, ensure_ascii=False)
        f.write("\n")


def group(case_id):
    return case_id.split("/", 1)[0]


def causes_of(value):
    return [value] if isinstance(value, str) else list(value or [])


def category_of(listed, value):
    categories = {listed["causes"].get(c, {}).get("category", "to fix") for c in causes_of(value)}
    return "to fix" if "to fix" in categories or not categories else "deliberate"


def check_structure(listed):
    """Problems with the file itself: causes without a valid category or reason, cases naming no cause."""
    problems = []
    for name, cause in listed["causes"].items():
        if cause.get("category") not in CATEGORIES:
            problems.append(f"cause {name}: category must be one of {', '.join(CATEGORIES)}")
        if not cause.get("reason") or "\n" in cause["reason"]:
            problems.append(f"cause {name}: needs a one-line reason")
    for case_id, value in listed["cases"].items():
        if not causes_of(value):
            problems.append(f"{case_id}: names no cause")
        for cause in causes_of(value):
            if cause not in listed["causes"]:
                problems.append(f"{case_id}: its cause {cause!r} is not described under causes")
    for name in set(listed["causes"]) - {c for v in listed["cases"].values() for c in causes_of(v)}:
        problems.append(f"cause {name}: no case names it any more; remove it")
    return problems


def judge(listed, results, partial=False):
    rows = {}
    problems = [{"id": "(known_differences.json)", "kind": "invalid", "detail": p} for p in check_structure(listed)]
    passed = 0
    seen = set()
    for result in results:
        case_id = result["id"]
        seen.add(case_id)
        row = rows.setdefault(group(case_id), Counter())
        cause = listed["cases"].get(case_id)
        if result["same"] and cause is None:
            row["matched"] += 1
            passed += 1
        elif result["same"]:
            row["failing"] += 1
            problems.append({"id": case_id, "kind": "now matches", "detail": f"listed under {cause}; remove it",
                             "result": result})
        elif cause is None:
            row["failing"] += 1
            problems.append({"id": case_id, "kind": "differs", "detail": "not in known_differences.json",
                             "result": result})
        else:
            row[category_of(listed, cause)] += 1
            passed += 1
    if not partial:
        for case_id in sorted(set(listed["cases"]) - seen):
            problems.append({"id": case_id, "kind": "stale", "detail": "listed but not in the corpus"})
    return {"rows": rows, "problems": problems, "passed": passed}


def table(verdict):
    columns = ("matched", "deliberate", "to fix", "failing")
    lines = [f"{'group':<14}" + "".join(f"{c:>12}" for c in columns)]
    total = Counter()
    for name in sorted(verdict["rows"]):
        row = verdict["rows"][name]
        total.update(row)
        lines.append(f"{name:<14}" + "".join(f"{row[c]:>12}" for c in columns))
    lines.append(f"{'total':<14}" + "".join(f"{total[c]:>12}" for c in columns))
    lines.append(f"{sum(total.values())} cases in {len(verdict['rows'])} classes")
    return "\n".join(lines)


def _short(value, limit=600):
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[:limit] + " …"


def describe_problems(problems, limit=40):
    lines = []
    for problem in problems[:limit]:
        lines.append(f"FAIL {problem['id']}: {problem['kind']} ({problem['detail']})")
        result = problem.get("result")
        if result and problem["kind"] == "differs":
            lines.append(f"  request:    {_short(result['steps'])}")
            lines.append(f"  pocketbase: {_short(result['pocketbase'])}")
            lines.append(f"  wxbase:     {_short(result['wxbase'])}")
    if len(problems) > limit:
        lines.append(f"… and {len(problems) - limit} more (all answers in results.json)")
    return "\n".join(lines)


def update(listed, results, partial=False):
    """Bring the list in line with a run: new differences under "unsorted", matching cases removed."""
    ids = set()
    for result in results:
        ids.add(result["id"])
        if result["same"]:
            listed["cases"].pop(result["id"], None)
        elif result["id"] not in listed["cases"]:
            listed["cases"][result["id"]] = UNSORTED
            listed["causes"].setdefault(UNSORTED, {"category": "to fix", "reason": "not yet sorted by cause"})
    if not partial:
        for case_id in set(listed["cases"]) - ids:
            del listed["cases"][case_id]
    if UNSORTED in listed["causes"] and UNSORTED not in listed["cases"].values():
        del listed["causes"][UNSORTED]
    save(listed)
