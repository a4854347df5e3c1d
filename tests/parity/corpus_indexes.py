"""Parity cases for indexes (the `articles` collection of collections.json): UNIQUE indexes refusing a taken value
on create and update and releasing it on update and delete, and lists served by `(status, created)` and
`(status, updated)` indexes. Groups `unique/` and `index-order/`. Articles are written by the admin (their write
rules are null), each case with values of its own so cases can't collide."""
from tests.parity.fixtures import rid

ARTICLES = "articles"


def records():
    """The fixture articles, created in this order (distinct `created` stamps)."""
    rows = [("First", "first", "live", 1, ""), ("Second", "second", "draft", 2, ""), ("Third", "third", "live", 3, ""),
            ("Fourth", "fourth", "live", 1, ""), ("Fifth", "fifth", "draft", 5, "X-1"),
            ("Sixth", "sixth", "live", 2, "y-2")]
    return [(ARTICLES, {"id": rid("art", i), "title": title, "slug": slug, "status": status, "rank": rank,
                        "code": code}, {})
            for i, (title, slug, status, rank, code) in enumerate(rows, start=1)]


def add_cases(c, step, lst, create, update, delete):
    """Add the cases to corpus `c` (the step builders are corpus.py's)."""
    _order(c, lst)
    _unique(c, step, lst, create, update, delete)


def _order(c, lst):
    for sort in ("-created", "created", "-updated", "updated", "", "title", "-rank,title"):
        c.add(f"index-order/live sort {sort or 'none'}",
              lst(ARTICLES, filter='status = "live"', sort=sort or None, fields="id,title"))
    c.add("index-order/live and rank", lst(ARTICLES, filter='status = "live" && rank >= 2', sort="-created",
                                           fields="id"))
    c.add("index-order/live page 2", lst(ARTICLES, filter='status = "live"', sort="-created", page=2, perPage=2,
                                         fields="id"))
    c.add("index-order/draft or live", lst(ARTICLES, filter='status = "draft" || status = "live"', sort="created",
                                           fields="id"))
    c.add("index-order/no filter -created", lst(ARTICLES, sort="-created", fields="id"))
    c.add("index-order/unique slug equality", lst(ARTICLES, filter='slug = "third"', fields="id,slug"))
    c.add("index-order/title and rank", lst(ARTICLES, filter='title = "Fourth" && rank = 1', fields="id"))


def _article(c, **fields):
    return {"id": c.new_id("na"), **fields}


def _unique(c, step, lst, create, update, delete):
    one = _article(c, title="u1", slug="u-one", status="draft", rank=1)
    c.add("unique/create taken slug", create(ARTICLES, one),
          create(ARTICLES, _article(c, title="u1b", slug="u-one", rank=1)), writes=True)
    c.add("unique/create taken fixture slug", create(ARTICLES, _article(c, title="u2", slug="first", rank=9)),
          writes=True)
    c.add("unique/create taken title and rank", create(ARTICLES, _article(c, title="Third", slug="u-three", rank=3)),
          writes=True)
    c.add("unique/same title other rank", create(ARTICLES, _article(c, title="Third", slug="u-three-b", rank=4)),
          writes=True)
    c.add("unique/several indexes fail", create(ARTICLES, _article(c, title="Third", slug="third", rank=3)),
          writes=True)
    c.add("unique/nocase code", create(ARTICLES, _article(c, title="u5", slug="u-five", code="x-1")), writes=True)
    c.add("unique/blank codes are exempt", create(ARTICLES, _article(c, title="u6", slug="u-six")),
          create(ARTICLES, _article(c, title="u6b", slug="u-six-b", code="")), writes=True)
    c.add("unique/blank slug is a value", create(ARTICLES, _article(c, title="u7", rank=7)),
          create(ARTICLES, _article(c, title="u7b", rank=7)), create(ARTICLES, _article(c, title="u7c", rank=8)),
          writes=True)
    first, second = _article(c, title="u8", slug="u-eight", rank=8), _article(c, title="u9", slug="u-nine", rank=9)
    c.add("unique/update to a taken value", create(ARTICLES, first), create(ARTICLES, second),
          update(ARTICLES, second["id"], {"slug": "u-eight"}), step("view", ARTICLES, "admin", id=second["id"]),
          writes=True)
    first, second = _article(c, title="u10", slug="u-ten", rank=10), _article(c, title="u11", slug="u-11", rank=11)
    c.add("unique/update releases the old value", create(ARTICLES, first), create(ARTICLES, second),
          update(ARTICLES, first["id"], {"slug": "u-ten-renamed"}),
          update(ARTICLES, second["id"], {"slug": "u-ten"}),
          create(ARTICLES, _article(c, title="u12", slug="u-ten-renamed", rank=12)), writes=True)
    doomed = _article(c, title="u13", slug="u-thirteen", rank=13)
    again = _article(c, title="u13", slug="u-thirteen", rank=13)
    c.add("unique/delete releases the value", create(ARTICLES, doomed),
          create(ARTICLES, _article(c, title="u13", slug="u-thirteen", rank=13)),
          delete(ARTICLES, doomed["id"]), create(ARTICLES, again), writes=True)
    c.add("unique/update keeping the value", create(ARTICLES, _article(c, title="u14", slug="u-14", rank=14)),
          update(ARTICLES, rid("art", 3), {"slug": "third", "rank": 3}), writes=True)
    # (status, updated): an update moves a record to the front of -updated; (status, created) keeps its place
    article = _article(c, title="u15", slug="u-fifteen", status="live", rank=15)
    c.add("index-order/updated moves to the front", create(ARTICLES, article),
          update(ARTICLES, rid("art", 1), {"rank": 100}),
          lst(ARTICLES, filter='status = "live"', sort="-updated", fields="id", perPage=3),
          lst(ARTICLES, filter='status = "live"', sort="-created", fields="id", perPage=3), writes=True)
