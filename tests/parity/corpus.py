"""The parity corpus: request specs sent through the JS SDK to both servers (see driver.mjs for the step format).

Case ids are `<group>/<name>`; the group is the row of the summary table. Read-only cases come first and see only
the fixtures (fixtures.py); write cases each create the records they change (with ids of their own), so a
difference in one write can't spill into another case. `{{owner}}`-style placeholders are replaced with user ids.
"""
import copy
import json
import os

from tests.parity import corpus_batch, corpus_indexes, corpus_routing, corpus_values
from tests.parity.fixtures import rid

OPERATORS = ("=", "!=", ">", ">=", "<", "<=", "~", "!~", "?=", "?!=", "?>", "?>=", "?<", "?<=", "?~", "?!~")
ACTORS = ("guest", "owner", "other", "admin")

# One representative right-hand operand per field type of `items` (fixtures.py has the values it meets).
OPERANDS = {
    "id": f'"{rid("itm", 3)}"',
    "title": '"Alpha one"',
    "code": '"b-2"',
    "n": "5",
    "qty": "3",
    "flag": "true",
    "email": '"alice@example.com"',
    "site": '"https://example.com/a"',
    "body": '"Hello"',
    "due": '"2024-06-01 00:00:00.000Z"',
    "kind": '"beta"',
    "tags": '"red"',
    "meta": '"x"',
    "cover": '""',
    "gallery": '""',
    "owner": '"{{owner}}"',
    "refs": f'"{rid("itm", 1)}"',
    "category": f'"{rid("cat", 3)}"',
    "created": '"2000-01-01 00:00:00.000Z"',
}


class Corpus:
    def __init__(self):
        self.cases = []
        self._new = 0

    def add(self, case_id, *steps, writes=False, unordered=False, compare="all", mask=()):
        if any(c["id"] == case_id for c in self.cases):
            raise ValueError(f"duplicate case id {case_id}")
        case = {"id": case_id, "steps": list(steps), "writes": writes}
        if unordered:
            case["unordered"] = True
        if compare != "all":
            case["compare"] = compare
        if mask:
            case["mask"] = list(mask)  # top-level keys whose values differ by design (generated ids)
        self.cases.append(case)

    def new_id(self, prefix="new"):
        self._new += 1
        return rid(prefix, self._new)


def step(op, collection=None, as_="guest", **kw):
    out = {"op": op, "as": as_}
    if collection:
        out["collection"] = collection
    out.update({k: v for k, v in kw.items() if v is not None})
    return out


def lst(collection, as_="guest", page=1, perPage=50, **options):
    return step("list", collection, as_, page=page, perPage=perPage,
                options={k: v for k, v in options.items() if v is not None})


def view(collection, record_id, as_="guest", **options):
    return step("view", collection, as_, id=record_id, options=options or None)


def create(collection, body, as_="admin", files=None, **options):
    return step("create", collection, as_, body=body, files=files, options=options or None)


def update(collection, record_id, body, as_="admin", **options):
    return step("update", collection, as_, id=record_id, body=body, options=options or None)


def delete(collection, record_id, as_="admin", **options):
    return step("delete", collection, as_, id=record_id, options=options or None)


def build():
    c = Corpus()
    _filters(c)
    _filter_forms(c)
    _macros(c)
    _sorts(c)
    _paging(c)
    _fields(c)
    _expand(c)
    _views(c)
    _rules_read(c)
    _validation(c)
    _write_values(c)
    _modifiers(c)
    _rules_write(c)
    _write_answers(c)
    corpus_indexes.add_cases(c, step, lst, create, update, delete)
    corpus_batch.add_cases(c, step, create, update, view)
    corpus_routing.add_cases(c, lst, view)
    corpus_values.add_cases(c, create, update, view)
    _fuzz_found(c)
    c.cases.sort(key=lambda case: case["writes"])  # stable: reads first, each part in its order
    return c.cases


def _fuzz_found(c):
    """The differences the fuzzer found (tests/parity/fuzz.py), shrunk, as regression cases; a create gets a fresh
    id, which its clean-up delete names too."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fuzz_cases.json")
    if not os.path.exists(path):
        return
    with open(path, encoding="utf-8") as f:
        found = json.load(f)
    for case in found:
        steps = copy.deepcopy(case["steps"])
        if case["writes"]:
            record_id = c.new_id("fz")
            steps[0]["body"]["id"] = record_id
            steps[1]["id"] = record_id
        c.add(case["id"], *steps, writes=case["writes"], unordered=case.get("unordered", False))


# --- filters --------------------------------------------------------------------------------------------------

def _filters(c):
    """Every operator on every field type of `items` (listed by a guest: its list rule is open)."""
    for field, operand in OPERANDS.items():
        for op in OPERATORS:
            c.add(f"filter/{field} {op} {operand}", lst("items", filter=f"{field} {op} {operand}", fields="id"),
                  unordered=True)


def _filter_forms(c):
    forms = {
        # literals and operand forms
        "single quotes": "title = 'Alpha one'",
        "number as string": 'n = "5"',
        "number string gt": 'n > "100"',
        "number vs garbage string": 'n = "abc"',
        "bool as string": 'flag = "true"',
        "bool as number": "flag = 1",
        "null literal": "kind = null",
        "empty string": 'kind = ""',
        "not null": "kind != null",
        "empty json": 'meta = null',
        "empty relation": 'owner = ""',
        "empty multi relation": 'refs = ""',
        "empty multi select": 'tags = ""',
        "empty file": 'cover != ""',
        "empty multi file": 'gallery != ""',
        "field vs field": "n = qty",
        "field vs field gt": "n > qty",
        "literal on the left": "5 = n",
        "literal on the left gt": "5 < n",
        "negative number": "n < -1",
        "float": "n = -3.5",
        "id prefix like": 'id ~ "itm00000000001%"',
        "date only string": 'due > "2024-01-01"',
        "date iso string": 'due > "2024-01-15T09:00:00Z"',
        "created vs date": 'created > "2000-01-01"',
        # (not `updated >= created`: PocketBase stamps the two separately, so updated may be 1 ms before created)
        "updated gt due": "updated >= due",
        # boolean structure
        "and": 'n > 1 && flag = true',
        "or": 'kind = "alpha" || kind = "gamma"',
        "parentheses": '(kind = "alpha" || kind = "beta") && n >= 7',
        "nested parentheses": '((n > 0) && ((flag = true) || (qty > 5)))',
        "comment": 'n > 1 // only positive',
        "newlines": 'n > 1\n&& flag = false',
        "true literal": "true = true",
        "false constant": "1 = 2",
        # LIKE details
        "like case-insensitive": 'title ~ "ALPHA"',
        "like prefix": 'title ~ "alpha%"',
        "like suffix": 'title ~ "%one"',
        "like inner wildcard": 'title ~ "a%e"',
        "like underscore alone": 'title ~ "under_score"',
        "like underscore wildcard": 'title ~ "b_ta%"',
        "like escaped percent": 'title ~ "100\\%"',
        "like percent literal": 'title ~ "100%"',
        "like unicode folding": 'title ~ "ÜNÏ"',
        "like unicode same case": 'title ~ "Ünï"',
        "not like": 'title !~ "a"',
        "like on editor": 'body ~ "hello"',
        "like on editor html": 'body ~ "<b>"',
        "like on json": 'meta ~ "nested"',
        "like on email": 'email ~ "EXAMPLE"',
        "like on url": 'site ~ "test.org"',
        "like on select": 'kind ~ "AL"',
        "like on multi select": 'tags ~ "re"',
        "like on number": 'n ~ "10"',
        "like number literal": "n ~ 5",
        "like number on the left": "5 ~ n",
        "like number prefix": 'n ~ "1%"',
        "like number float literal": "n ~ 3.5",
        "like number field vs field": "n ~ qty",
        "not like number": "n !~ 0",
        "like numbers both": "1 ~ 1",
        "like negative zero pattern": "n ~ -0",
        "like negative zero on the left": '-0 ~ "-"',
        "like text vs number": "title ~ 100",
        "like on relation": 'owner ~ "{{owner}}"',
        "like on date": 'due ~ "2024"',
        # multi-valued fields
        "multi eq json text": 'tags = "red"',
        "multi any eq": 'tags ?= "red"',
        "multi any neq": 'tags ?!= "red"',
        "multi each eq": 'tags:each = "red"',
        "multi each any eq": 'tags:each ?= "red"',
        "multi each neq": 'tags:each != "red"',
        "multi each like": 'tags:each ~ "e"',
        "multi length": "tags:length > 1",
        "multi length zero": "tags:length = 0",
        "refs length": "refs:length >= 2",
        "refs any": f'refs ?= "{rid("itm", 1)}"',
        "refs id any": f'refs.id ?= "{rid("itm", 1)}"',
        "refs id all": f'refs.id = "{rid("itm", 1)}"',
        "refs each": f'refs:each ?= "{rid("itm", 1)}"',
        "gallery length": "gallery:length = 2",
        # modifiers on plain fields
        "lower eq": 'title:lower = "alpha one"',
        "lower like": 'title:lower ~ "alpha"',
        "lower on email": 'email:lower = "alice@example.com"',
        "isset on field": "title:isset = true",
        "length on text": "title:length > 5",
        "changed on field": "title:changed = false",
        # relation paths and joins
        "relation path": 'owner.name = "Olivia Owner"',
        "relation path like": 'owner.name ~ "o"',
        "relation path nested": 'category.parent.name = "Level 1"',
        "relation path deep": 'category.parent.parent.name = "Level 1"',
        "multi relation path any": 'refs.title ?~ "alpha"',
        "multi relation path all": 'refs.title ~ "a"',
        "relation path email hidden": 'owner.email = "owner@parity.test"',
        "collection join": '@collection.posts.owner = owner && @collection.posts.status = "draft"',
        "collection join alias": '@collection.comments:c.author = owner',
        # json paths
        "json path eq": "meta.a = 1",
        "json path string": 'meta.a = "1"',
        "json path nested": 'meta.b.c = "x"',
        "json path bool": "meta.nested.deep = true",
        "json path gt": "meta.a > 1",
        "json path missing": "meta.zzz = null",
        "json array index": "meta.list.0 = 1",
        "json whole eq": 'meta = "plain string"',
        # request fields in a client filter
        "request auth id guest": '@request.auth.id = ""',
        "request auth id as owner": {"as": "owner", "filter": "owner = @request.auth.id"},
        "request auth field as owner": {"as": "owner", "filter": "@request.auth.level > 1"},
        "request query": '@request.query.x = "1"',
        "request method": '@request.method = "GET"',
        # hidden fields
        "hidden field as guest": 'secret = "s-one"',
        "hidden field as admin": {"as": "admin", "filter": 'secret = "s-one"'},
        "relation path as owner": {"as": "owner", "filter": 'owner.name = "Olivia Owner"'},
        "relation path email as owner": {"as": "owner", "filter": 'owner.email = "owner@parity.test"'},
        "relation path email as other": {"as": "other", "filter": 'owner.email = "owner@parity.test"'},
        "collection join as admin": {"as": "admin", "filter": '@collection.posts.owner = owner && '
                                                               '@collection.posts.status = "draft"'},
        "request auth as admin": {"as": "admin", "filter": '@request.auth.id != ""'},
        "request method as admin": {"as": "admin", "filter": '@request.method = "GET"'},
        # errors
        "unknown field": 'nope = 1',
        "syntax error": 'n >',
        "unbalanced parentheses": '(n > 1',
        "bad operator": 'n == 1',
        "unknown macro": "due > @later",
        "unterminated string": 'title = "abc',
        "empty filter": "",
        "whitespace filter": "   ",
    }
    for name, spec in forms.items():
        as_, expr = ("guest", spec) if isinstance(spec, str) else (spec["as"], spec["filter"])
        c.add(f"filter-form/{name}", lst("items", as_, filter=expr, fields="id"), unordered=True)
    # other collections: back-relations, auth fields, rules combined with filters
    more = {
        "posts back-relation any": ("posts", "guest", 'comments_via_post.text ?= "Nice"'),
        "posts back-relation all": ("posts", "guest", 'comments_via_post.author = "{{other}}"'),
        "posts back-relation count": ("posts", "guest", "comments_via_post:length > 1"),
        "posts by owner name": ("posts", "guest", 'owner.name ~ "other"'),
        "posts drafts as owner": ("posts", "owner", 'status = "draft"'),
        "posts drafts as other": ("posts", "other", 'status = "draft"'),
        "comments by post title": ("comments", "guest", 'post.title = "Hello world"'),
        "comments by post status": ("comments", "guest", 'post.status = "draft"'),
        "comments by post owner": ("comments", "guest", 'post.owner = "{{owner}}"'),
        "users by name as owner": ("users", "owner", 'name ~ "o"'),
        "users by email as owner": ("users", "owner", 'email ~ "parity"'),
        "users by email as admin": ("users", "admin", 'email ~ "parity"'),
        "users by hidden email as other": ("users", "other", 'email = "owner@parity.test"'),
        "users by own email as owner": ("users", "owner", 'email = "owner@parity.test"'),
        "users verified as owner": ("users", "owner", "verified = true"),
        "users level": ("users", "owner", "level >= 3"),
        "users as guest": ("users", "guest", 'name != ""'),
        "events starts set": ("events", "guest", 'starts != ""'),
    }
    for name, (collection, as_, expr) in more.items():
        c.add(f"filter-form/{name}", lst(collection, as_, filter=expr, fields="id"), unordered=True)


def _macros(c):
    macros = ("@now", "@second", "@minute", "@hour", "@weekday", "@day", "@month", "@year", "@yesterday",
              "@tomorrow", "@todayStart", "@todayEnd", "@monthStart", "@monthEnd", "@yearStart", "@yearEnd")
    for macro in macros:
        if macro in ("@second", "@minute", "@hour", "@weekday", "@day", "@month", "@year"):
            expr = f"{macro} >= 0"
        else:
            expr = f"starts > {macro}"
        c.add(f"macro/{macro}", lst("events", filter=expr, fields="id"), unordered=True)
        if macro not in ("@second", "@minute", "@hour", "@weekday", "@day", "@month", "@year"):
            c.add(f"macro/{macro} lte", lst("events", filter=f'starts <= {macro} && starts != ""', fields="id"),
                  unordered=True)
    c.add("macro/year equals", lst("events", filter="@year > 2000 && @month >= 1 && @month <= 12", fields="id"),
          unordered=True)
    c.add("macro/strftime", lst("events", filter="strftime('%Y', starts) = strftime('%Y', @now)", fields="id"),
          unordered=True)


# --- sort, paging, fields, expand ------------------------------------------------------------------------------

def _sorts(c):
    sorts = ["title", "-title", "n", "-n", "qty", "-qty", "flag,-n,id", "email", "-site", "due", "-due", "kind,n,id",
             "-kind,-n,-id", "created", "-created", "updated", "-updated", "+n", "-n,title", "n,-created", "id", "-id",
             "code", "tags", "meta", "owner,n", "cover", "body", "-n,-qty,title", "@rowid", "-@rowid",
             "owner.name,n", "category.name,n", "meta.a,n", "secret", "nope", "n,", ",n", "n,nope", "@random"]
    for sort in sorts:
        compare = "ids" if sort == "@random" else "all"
        c.add(f"sort/{sort or 'empty'}", lst("items", sort=sort, fields="id,n"), compare=compare)
    c.add("sort/hidden as admin", lst("items", "admin", sort="-secret,n", fields="id"))
    c.add("sort/random with filter", lst("items", sort="@random", filter="n > 1", fields="id"), compare="ids")
    c.add("sort/posts -created as owner", lst("posts", "owner", sort="-created", fields="id"))
    c.add("sort/users name as owner", lst("users", "owner", sort="name", fields="id,name"))
    c.add("sort/events starts", lst("events", sort="-starts", fields="id,title"))
    c.add("sort/too many", lst("items", sort="n,qty,title,code,email,site,due,kind,flag", fields="id"))


def _paging(c):
    for page in (1, 2, 3, 4, 5):
        c.add(f"paging/page {page} of 3", lst("items", page=page, perPage=3, sort="n,id", fields="id"))
    for per_page in (1, 0, -1, 1000, 1001):
        c.add(f"paging/perPage {per_page}", lst("items", perPage=per_page, sort="id", fields="id"))
    c.add("paging/page 0", lst("items", page=0, perPage=2, sort="id", fields="id"))
    c.add("paging/page -1", lst("items", page=-1, perPage=2, sort="id", fields="id"))
    c.add("paging/page garbage", lst("items", page="abc", perPage=2, sort="id", fields="id"))
    c.add("paging/skipTotal", lst("items", perPage=4, sort="id", fields="id", skipTotal=1))
    c.add("paging/skipTotal page 2", lst("items", page=2, perPage=4, sort="id", fields="id", skipTotal=True))
    c.add("paging/skipTotal with filter", lst("items", perPage=2, filter="n > 0", sort="n", fields="id",
                                             skipTotal=1))
    c.add("paging/page past the end", lst("items", page=9, perPage=4, sort="id", fields="id"))
    c.add("paging/filtered page 2", lst("items", page=2, perPage=2, filter="n >= 5", sort="-n", fields="id"))
    c.add("paging/full list", step("full", "items", options={"batch": 4, "sort": "n", "fields": "id"}))
    c.add("paging/full list filtered", step("full", "items", options={"batch": 2, "filter": "flag = true",
                                                                      "sort": "-n", "fields": "id"}))
    c.add("paging/first match", step("first", "items", filter='kind = "beta"', options={"sort": "n"}))
    c.add("paging/first no match", step("first", "items", filter='title = "nothing at all"'))
    c.add("paging/first by id", step("first", "items", filter=f'id = "{rid("itm", 2)}"'))
    c.add("paging/list rule page as other", lst("posts", "other", perPage=2, sort="title", fields="id"))


def _fields(c):
    forms = ["id", "id,title", "*", "title", "id,nope", "*,expand.owner.name", "id,title:excerpt(5)",
             "id,body:excerpt(8)", "id,body:excerpt(8,true)", "id,body:excerpt(100,true)", "body:excerpt(3,false)",
             "id, title", "id,expand.owner", "id,expand.owner.name,expand.category.name", "expand", "secret",
             "id,secret", "collectionId,collectionName", "id,created,updated", "id,meta", "id,tags,refs",
             "id,cover,gallery", "id,title:excerpt(0)", "id,title:excerpt(x)", "id,title:lower", "*,title:excerpt(3)"]
    for form in forms:
        expand = "owner,category" if "expand" in form else None
        c.add(f"fields/{form}", lst("items", fields=form, expand=expand, sort="id", perPage=4))
    c.add("fields/view id,title", view("items", rid("itm", 1), fields="id,title"))
    c.add("fields/view excerpt", view("items", rid("itm", 1), fields="id,body:excerpt(5,true)"))
    c.add("fields/view expand pick", view("items", rid("itm", 1), fields="id,expand.owner.name", expand="owner"))
    c.add("fields/first", step("first", "items", filter='kind = "alpha"', options={"sort": "id", "fields": "id"}))
    c.add("fields/hidden as admin", lst("items", "admin", fields="id,secret", sort="id", perPage=3))
    c.add("fields/users email visibility", lst("users", "owner", fields="id,email,emailVisibility", sort="name"))


def _expand(c):
    forms = ["owner", "category", "category.parent", "category.parent.parent",
             "category.parent.parent.parent.parent.parent",
             "category.parent.parent.parent.parent.parent.parent",
             "category.parent.parent.parent.parent.parent.parent.parent",
             "refs", "refs.owner", "refs.category", "owner,category", "owner,refs,category.parent", "nope",
             "owner.nope", "title", "", "owner,owner", " owner ", "refs.refs"]
    for form in forms:
        c.add(f"expand/{form or 'empty'}", lst("items", expand=form, sort="id", perPage=10,
                                               fields="id,expand"))
    c.add("expand/full records", lst("items", expand="owner,category", sort="id", perPage=3))
    c.add("expand/view owner", view("items", rid("itm", 1), expand="owner"))
    c.add("expand/view refs", view("items", rid("itm", 8), expand="refs"))
    c.add("expand/view nothing to expand", view("items", rid("itm", 9), expand="owner,refs,category"))
    c.add("expand/first", step("first", "items", filter=f'id = "{rid("itm", 3)}"', options={"expand": "refs"}))
    c.add("expand/back-relation", lst("posts", expand="comments_via_post", sort="id", fields="id,expand"))
    c.add("expand/back-relation nested", lst("posts", expand="comments_via_post.author", sort="id",
                                             fields="id,expand"))
    c.add("expand/back-relation as owner", lst("posts", "owner", expand="comments_via_post", sort="id",
                                               fields="id,expand"))
    c.add("expand/back-relation view", view("posts", rid("pst", 1), expand="comments_via_post"))
    c.add("expand/comments post as guest", lst("comments", expand="post", sort="id", fields="id,expand"))
    c.add("expand/comments post as owner", lst("comments", "owner", expand="post", sort="id", fields="id,expand"))
    c.add("expand/comments post owner", lst("comments", "owner", expand="post.owner,author", sort="id",
                                            fields="id,expand"))
    c.add("expand/users email as other", lst("comments", "other", expand="author", sort="id", fields="id,expand"))
    c.add("expand/users email as admin", lst("comments", "admin", expand="author", sort="id", fields="id,expand"))
    c.add("expand/hidden field", view("items", rid("itm", 2), expand="refs", fields="id,expand.refs.secret"))


def _views(c):
    c.add("view/item", view("items", rid("itm", 1)))
    c.add("view/item with empty values", view("items", rid("itm", 9)))
    c.add("view/item as admin shows hidden", view("items", rid("itm", 1), "admin"))
    c.add("view/item gallery", view("items", rid("itm", 7)))
    c.add("view/unknown id", view("items", "zzzzzzzzzzzzzzz"))
    c.add("view/malformed id", view("items", "no such id!"))
    c.add("view/by collection id", view("pbc_parity_items", rid("itm", 2)))
    c.add("view/unknown collection", view("nope", rid("itm", 2)))
    c.add("view/list unknown collection", lst("nope"))
    c.add("view/list by collection id", lst("pbc_parity_items", fields="id"), unordered=True)
    c.add("view/category", view("categories", rid("cat", 2)))
    c.add("view/comment", view("comments", rid("cmt", 1)))
    c.add("view/event", view("events", rid("evt", 6)))


# --- rules (read) -----------------------------------------------------------------------------------------------

def _rules_read(c):
    for actor in ACTORS:
        for collection in ("items", "posts", "comments", "notes", "events", "categories", "users"):
            c.add(f"rules-read/list {collection} as {actor}", lst(collection, actor, fields="id"), unordered=True)
        for collection, record_id in (("posts", rid("pst", 1)), ("posts", rid("pst", 2)), ("posts", rid("pst", 4)),
                                      ("notes", rid("nte", 1)), ("notes", rid("nte", 3)),
                                      ("users", "{{owner}}"), ("users", "{{other}}")):
            c.add(f"rules-read/view {collection} {record_id} as {actor}", view(collection, record_id, actor))
        c.add(f"rules-read/users full records as {actor}", lst("users", actor, sort="name"))
    c.add("rules-read/posts filter narrows rule", lst("posts", "owner", filter='title ~ "draft"', fields="id"),
          unordered=True)
    c.add("rules-read/first hidden by rule", step("first", "posts", "other", filter=f'id = "{rid("pst", 2)}"'))


# --- writes ---------------------------------------------------------------------------------------------------

def _item(c, **fields):
    return {"id": c.new_id(), "title": "written", **fields}


def _validation(c):
    """Create an item with one bad value each: the 400 and its field code."""
    bad = {
        "title missing": {"title": None},
        "title empty": {"title": ""},
        "title too short": {"title": "a"},
        "title too long": {"title": "x" * 41},
        "title number": {"title": 12345},
        "title object": {"title": {"a": 1}},
        "code pattern": {"code": "Not Valid"},
        "code too long": {"code": "a" * 21},
        "n too big": {"n": 2000},
        "n too small": {"n": -2000},
        "n garbage": {"n": "abc"},
        "n numeric string": {"n": "12"},
        "n bool": {"n": True},
        "n list": {"n": [1]},
        "qty decimal": {"qty": 1.5},
        "qty negative": {"qty": -1},
        "flag garbage": {"flag": "maybe"},
        "flag string true": {"flag": "true"},
        "flag number": {"flag": 1},
        "email invalid": {"email": "not-an-email"},
        "email blocked domain": {"email": "x@blocked.test"},
        "email with spaces": {"email": " a@example.com "},
        "site invalid": {"site": "not a url"},
        "site no scheme": {"site": "example.com"},
        "site ftp": {"site": "ftp://example.com/file"},
        "home wrong domain": {"home": "https://other.org/"},
        "body too large": {"body": "x" * 2100},
        "due garbage": {"due": "not a date"},
        "due before min": {"due": "1999-12-31 00:00:00.000Z"},
        "due after max": {"due": "2100-01-02 00:00:00.000Z"},
        "due date only": {"due": "2024-02-03"},
        "due iso": {"due": "2024-02-03T04:05:06Z"},
        "due number": {"due": 1700000000},
        "kind unknown": {"kind": "delta"},
        "kind list": {"kind": ["alpha", "beta"]},
        "kind list one": {"kind": ["beta"]},
        "tags too many": {"tags": ["red", "green", "blue", "yellow"]},
        "tags unknown": {"tags": ["purple"]},
        "tags single string": {"tags": "red"},
        "tags duplicates": {"tags": ["red", "red"]},
        "meta too large": {"meta": {"x": "y" * 2100}},
        "meta json string": {"meta": '{"x": 1}'},
        "meta plain string": {"meta": "hello"},
        "meta number": {"meta": 12},
        "owner unknown id": {"owner": "zzzzzzzzzzzzzzz"},
        "owner malformed": {"owner": "bad id"},
        "owner list": {"owner": ["{{owner}}", "{{other}}"]},
        "refs unknown": {"refs": ["zzzzzzzzzzzzzzz"]},
        "refs too many": {"refs": [rid("itm", i) for i in range(1, 7)]},
        "refs single string": {"refs": rid("itm", 1)},
        "category unknown": {"category": "zzzzzzzzzzzzzzz"},
        "cover plain name": {"cover": "nothing.png"},
        "unknown key": {"nope": 1},
        "system key collectionName": {"collectionName": "other"},
        "created set": {"created": "2001-01-01 00:00:00.000Z"},
        "several bad": {"title": "", "n": 5000, "email": "bad"},
    }
    for name, fields in bad.items():
        body = _item(c, **fields)
        body = {k: v for k, v in body.items() if v is not None}
        record_id = body["id"]
        c.add(f"validation/{name}", create("items", body, "owner"), view("items", record_id), writes=True)
    ids = {"id too short": "abc", "id uppercase": "ABCDEFGHIJKLMNO", "id too long": "a" * 16,
           "id existing": rid("itm", 1), "id with dash": "abc-defghijklmn", "id empty": ""}
    for name, value in ids.items():
        c.add(f"validation/{name}", create("items", {"id": value, "title": "with id"}, "owner"), writes=True,
              mask=["id"] if value == "" else ())
    c.add("validation/posts missing status",
          create("posts", {"id": c.new_id(), "title": "t", "owner": "{{owner}}"}, "owner"), writes=True)
    c.add("validation/posts status unknown",
          create("posts", {"id": c.new_id(), "title": "t", "status": "gone", "owner": "{{owner}}"}, "owner"),
          writes=True)
    c.add("validation/update bad value",
          create("items", _item(c, n=1, owner="{{owner}}")), writes=True)
    record_id = c.cases[-1]["steps"][0]["body"]["id"]
    c.cases[-1]["steps"] += [update("items", record_id, {"n": 5000, "title": ""}, "owner"), view("items", record_id)]
    c.add("validation/update missing record", update("items", "zzzzzzzzzzzzzzz", {"n": 1}, "admin"), writes=True)
    c.add("validation/create multipart file",
          create("items", _item(c, owner="{{owner}}"), "owner",
                 files={"cover": [{"name": "up.txt", "type": "text/plain", "text": "hello"}]}), writes=True)


def _write_values(c):
    """Values PocketBase casts or keeps: what the stored record looks like afterwards."""
    values = {
        "text from number": {"title": 12345},
        "text trimmed": {"title": "  spaced  "},
        "number from string": {"n": "12.5"},
        "number zero string": {"n": ""},
        "bool from string": {"flag": "true"},
        "bool false string": {"flag": "false"},
        "date plain": {"due": "2024-02-03 04:05:06"},
        "date with ms": {"due": "2024-02-03 04:05:06.789Z"},
        "date with offset": {"due": "2024-02-03T04:05:06+02:00"},
        "json object": {"meta": {"a": [1, {"b": None}]}},
        "json array": {"meta": [1, "two", False]},
        "json bool": {"meta": True},
        "json null": {"meta": None},
        "json string parsed": {"meta": '{"parsed": true}'},
        "json string number": {"meta": "42"},
        "select single": {"kind": "gamma"},
        "select multi order": {"tags": ["yellow", "red"]},
        "relation multi": {"refs": [rid("itm", 2), rid("itm", 1)]},
        "relation single from list": {"category": [rid("cat", 1), rid("cat", 2)]},
        "email uppercase": {"email": "Alice@Example.COM"},
        "url with path": {"site": "https://example.com/a/b?c=d#e"},
        "editor html": {"body": "<p onclick=\"x()\">hi</p><script>x</script>"},
        "empty strings": {"code": "", "email": "", "site": "", "kind": "", "due": ""},
        "empty lists": {"tags": [], "refs": [], "gallery": []},
        "null values": {"code": None, "kind": None, "tags": None, "owner": None, "n": None, "flag": None},
    }
    for name, fields in values.items():
        body = _item(c, **fields)
        c.add(f"write-value/{name}", create("items", body, "admin"), view("items", body["id"], "admin"),
              writes=True)


def _modifiers(c):
    """`n+`, `n-`, `tags+`, `+tags`, `tags-` and friends on update (and create)."""
    base = {"n": 10, "qty": 5, "tags": ["red", "green"], "refs": [rid("itm", 1)], "kind": "alpha"}
    mods = {
        "n plus": {"n+": 5},
        "n minus": {"n-": 3},
        "n plus and minus": {"n+": 5, "n-": 2},
        "n set and plus": {"n": 10, "n+": 5},
        "n plus string": {"n+": "2"},
        "n plus garbage": {"n+": "abc"},
        "n plus past max": {"n+": 995},
        "qty minus below min": {"qty-": 6},
        "qty plus decimal": {"qty+": 0.5},
        "tags append": {"tags+": "blue"},
        "tags append list": {"tags+": ["blue", "yellow"]},
        "tags prepend": {"+tags": "blue"},
        "tags remove": {"tags-": "red"},
        "tags remove list": {"tags-": ["red", "green"]},
        "tags remove missing": {"tags-": "yellow"},
        "tags append duplicate": {"tags+": "red"},
        "tags append too many": {"tags+": ["blue", "yellow"], "+tags": "blue"},
        "tags set and append": {"tags": ["green"], "tags+": "blue"},
        "tags set and remove": {"tags": ["green", "blue"], "tags-": "green"},
        "tags append unknown": {"tags+": "purple"},
        "kind append single": {"kind+": "beta"},
        "kind remove single": {"kind-": "alpha"},
        "refs append": {"refs+": rid("itm", 2)},
        "refs prepend": {"+refs": rid("itm", 3)},
        "refs remove": {"refs-": rid("itm", 1)},
        "refs append unknown": {"refs+": "zzzzzzzzzzzzzzz"},
        "title plus": {"title+": "x"},
        "flag plus": {"flag+": True},
    }
    for name, body in mods.items():
        record = _item(c, **base)
        c.add(f"modifier/{name}", create("items", record, "admin"),
              update("items", record["id"], body, "admin"), writes=True)
    created = {"n plus on create": {"n+": 4}, "tags append on create": {"tags+": "red"},
               "n set and plus on create": {"n": 2, "n+": 4}}
    for name, extra in created.items():
        c.add(f"modifier/{name}", create("items", {**_item(c), **extra}, "admin"), writes=True)


def _rules_write(c):
    """Create/update/delete as guest, owner, other user and admin; an admin view shows what was stored."""
    for actor in ACTORS:
        # items: create needs a signed-in user; update/delete the owner
        body = _item(c, owner="{{owner}}")
        c.add(f"rules-write/items create as {actor}", create("items", body, actor),
              view("items", body["id"], "admin"), writes=True)
        record = _item(c, owner="{{owner}}", n=1)
        c.add(f"rules-write/items update as {actor}", create("items", record),
              update("items", record["id"], {"n": 2}, actor), view("items", record["id"], "admin"), writes=True)
        record = _item(c, owner="{{owner}}")
        c.add(f"rules-write/items delete as {actor}", create("items", record),
              delete("items", record["id"], actor), view("items", record["id"], "admin"), writes=True)
        # posts: owner pinned by the create rule; the update rule reads @request.body.owner:isset
        post = {"id": c.new_id("np"), "title": "mine", "status": "draft", "owner": "{{owner}}"}
        c.add(f"rules-write/posts create own as {actor}", create("posts", post, actor),
              view("posts", post["id"], "admin"), writes=True)
        post = {"id": c.new_id("np"), "title": "not mine", "status": "draft", "owner": "{{other}}"}
        c.add(f"rules-write/posts create for another as {actor}", create("posts", post, actor), writes=True)
        post = {"id": c.new_id("np"), "title": "no owner", "status": "draft"}
        c.add(f"rules-write/posts create without owner as {actor}", create("posts", post, actor), writes=True)
        post = {"id": c.new_id("np"), "title": "p", "status": "published", "owner": "{{owner}}"}
        c.add(f"rules-write/posts update as {actor}", create("posts", post),
              update("posts", post["id"], {"title": "changed"}, actor), writes=True)
        post = {"id": c.new_id("np"), "title": "p", "status": "published", "owner": "{{owner}}"}
        c.add(f"rules-write/posts give away as {actor}", create("posts", post),
              update("posts", post["id"], {"owner": "{{other}}"}, actor), view("posts", post["id"], "admin"),
              writes=True)
        post = {"id": c.new_id("np"), "title": "p", "status": "published", "owner": "{{owner}}"}
        c.add(f"rules-write/posts keep owner as {actor}", create("posts", post),
              update("posts", post["id"], {"owner": "{{owner}}", "views+": 1}, actor), writes=True)
        post = {"id": c.new_id("np"), "title": "p", "status": "draft", "owner": "{{owner}}"}
        c.add(f"rules-write/posts delete as {actor}", create("posts", post), delete("posts", post["id"], actor),
              view("posts", post["id"], "admin"), writes=True)
        # notes: create rule with :length and :isset, update rule with a stored field and :changed,
        # delete rule with @request.query
        note = {"id": c.new_id("nn"), "title": "note", "priority": 1, "tags": ["work"], "owner": "{{owner}}"}
        c.add(f"rules-write/notes create as {actor}", create("notes", note, actor), writes=True)
        note = {"id": c.new_id("nn"), "title": "note", "tags": ["work"], "owner": "{{owner}}"}
        c.add(f"rules-write/notes create without priority as {actor}", create("notes", note, actor), writes=True)
        note = {"id": c.new_id("nn"), "title": "note", "priority": 0, "tags": ["work", "home", "fun"],
                "owner": "{{owner}}"}
        c.add(f"rules-write/notes create with many tags as {actor}", create("notes", note, actor), writes=True)
        note = {"id": c.new_id("nn"), "title": "note", "priority": 1, "locked": False, "owner": "{{owner}}"}
        c.add(f"rules-write/notes update as {actor}", create("notes", note),
              update("notes", note["id"], {"title": "edited"}, actor), writes=True)
        note = {"id": c.new_id("nn"), "title": "note", "priority": 1, "locked": True, "owner": "{{owner}}"}
        c.add(f"rules-write/notes update locked as {actor}", create("notes", note),
              update("notes", note["id"], {"title": "edited"}, actor), writes=True)
        note = {"id": c.new_id("nn"), "title": "note", "priority": 1, "owner": "{{owner}}"}
        c.add(f"rules-write/notes update owner changed as {actor}", create("notes", note),
              update("notes", note["id"], {"owner": "{{other}}"}, actor), writes=True)
        note = {"id": c.new_id("nn"), "title": "note", "priority": 1, "owner": "{{owner}}"}
        c.add(f"rules-write/notes update owner unchanged as {actor}", create("notes", note),
              update("notes", note["id"], {"owner": "{{owner}}", "priority": 2}, actor), writes=True)
        note = {"id": c.new_id("nn"), "title": "note", "priority": 1, "owner": "{{owner}}"}
        c.add(f"rules-write/notes delete confirmed as {actor}", create("notes", note),
              delete("notes", note["id"], actor, confirm="yes"), writes=True)
        note = {"id": c.new_id("nn"), "title": "note", "priority": 1, "owner": "{{owner}}"}
        c.add(f"rules-write/notes delete unconfirmed as {actor}", create("notes", note),
              delete("notes", note["id"], actor), writes=True)
        # events: rules with @now
        event = {"id": c.new_id("ne"), "title": "future", "starts": "2099-01-01 00:00:00.000Z"}
        c.add(f"rules-write/events create future as {actor}", create("events", event, actor), writes=True)
        event = {"id": c.new_id("ne"), "title": "past", "starts": "2001-01-01 00:00:00.000Z"}
        c.add(f"rules-write/events create past as {actor}", create("events", event, actor), writes=True)
        c.add(f"rules-write/events update past as {actor}",
              update("events", rid("evt", 1), {"title": "long ago"}, actor), writes=True)
        c.add(f"rules-write/events update future as {actor}",
              update("events", rid("evt", 5), {"title": "next year-ish"}, actor), writes=True)
        c.add(f"rules-write/events delete as {actor}", delete("events", "zzzzzzzzzzzzzzz", actor), writes=True)
        # categories: null rules; users: create/delete null, update self only
        c.add(f"rules-write/categories create as {actor}",
              create("categories", {"id": c.new_id("nc"), "name": "new"}, actor), writes=True)
        c.add(f"rules-write/users update self as {actor}",
              update("users", "{{third}}", {"bio": f"by {actor}"}, actor), writes=True)
        c.add(f"rules-write/users delete as {actor}", delete("users", "zzzzzzzzzzzzzzz", actor), writes=True)
        c.add(f"rules-write/users create as {actor}", create("users", {"name": "new user"}, actor), writes=True)
    # third user on their own records
    c.add("rules-write/users update own profile",
          update("users", "{{third}}", {"bio": "my bio", "level": 4}, "third"), writes=True)
    c.add("rules-write/users update own bad level",
          update("users", "{{third}}", {"level": 100}, "third"), writes=True)
    c.add("rules-write/users update own email",
          update("users", "{{third}}", {"email": "new@parity.test"}, "third"), writes=True)
    c.add("rules-write/users update verified",
          update("users", "{{third}}", {"verified": True}, "third"), writes=True)


def _write_answers(c):
    """fields and expand on create/update answers; delete cascades seen through lists."""
    body = _item(c, owner="{{owner}}", category=rid("cat", 2))
    c.add("write-answer/create with fields", create("items", body, "owner", fields="id,title"), writes=True)
    body = _item(c, owner="{{owner}}", category=rid("cat", 2))
    c.add("write-answer/create with expand", create("items", body, "owner", expand="owner,category"), writes=True)
    body = _item(c, owner="{{owner}}", body="<p>long body text here</p>")
    c.add("write-answer/create with excerpt", create("items", body, "owner", fields="id,body:excerpt(4,true)"),
          writes=True)
    body = _item(c, owner="{{owner}}")
    c.add("write-answer/update with fields and expand", create("items", body),
          update("items", body["id"], {"category": rid("cat", 1)}, "owner", fields="id,expand",
                 expand="category"), writes=True)
    body = _item(c, owner="{{owner}}")
    c.add("write-answer/create then view", create("items", body, "owner"), view("items", body["id"]), writes=True)
    # cascade: deleting a post removes its comments (cascadeDelete), and a referenced item leaves refs
    post = {"id": c.new_id("np"), "title": "to delete", "status": "published", "owner": "{{owner}}"}
    comment = {"id": c.new_id("nm"), "post": post["id"], "author": "{{other}}", "text": "bye"}
    c.add("write-answer/delete cascades comments", create("posts", post), create("comments", comment),
          delete("posts", post["id"], "owner"), view("comments", comment["id"]), writes=True)
    target = _item(c, owner="{{owner}}")
    holder = _item(c, owner="{{owner}}", refs=[target["id"], rid("itm", 1)], category=rid("cat", 1))
    c.add("write-answer/delete clears references", create("items", target), create("items", holder),
          delete("items", target["id"], "owner"), view("items", holder["id"]), writes=True)
    cat = {"id": c.new_id("nc"), "name": "doomed"}
    holder = _item(c, category=cat["id"])
    c.add("write-answer/delete clears single reference", create("categories", cat), create("items", holder),
          delete("categories", cat["id"]), view("items", holder["id"]), writes=True)
    post = {"id": c.new_id("np"), "title": "required ref", "status": "published", "owner": "{{owner}}"}
    comment = {"id": c.new_id("nm"), "post": rid("pst", 1), "author": "{{owner}}", "text": "x"}
    c.add("write-answer/delete twice", create("posts", post), delete("posts", post["id"]),
          delete("posts", post["id"]), create("comments", comment, "owner"), writes=True)
