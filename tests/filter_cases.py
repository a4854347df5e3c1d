"""The filter language's cases, shared by the unit tier (Python evaluation, no I/O) and the HTTP tier (DynamoDB):
four posts of one owner, and for each expression the posts it matches, as PocketBase answers it (a multi-valued field
compares as its JSON text unless `:each` is used)."""

CORPUS = {
    "a": {"title": "Apple pie", "views": 1, "status": "published", "tags": ["food"], "content": "<p>apple</p>"},
    "b": {"title": "Banana bread", "views": 5, "status": "draft", "tags": ["food", "news"], "content": "b"},
    "c": {"title": "Cherry", "views": 10, "status": "published", "tags": [], "content": "c"},
    "d": {"title": "Durian", "views": 0, "status": "draft", "tags": ["tech"]},
}

CASES = [
    ('views = 5', "b"), ('views != 5', "acd"), ("views > 1", "bc"), ("views >= 5", "bc"), ("views < 5", "ad"),
    ("views <= 1", "ad"), ('title ~ "an"', "bd"), ('title ~ "Ch%"', "c"), ('title ~ "%pie%"', "a"),
    ('title !~ "e"', "d"), ('content = ""', "d"), ("content = null", "d"), ('content != null', "abc"),
    ('tags ?= "food"', ""), ('tags ~ "news"', "b"), ('tags !~ "food"', "cd"), ('tags = null', ""),
    ('tags = \'["food"]\'', "a"), ("tags = '[]'", "c"), ('tags:each ?= "food"', "ab"), ('tags:each = "food"', "a"),
    ('tags:each ?!= "food"', "bcd"), ('tags:each != "food"', "cd"), ('tags:each ?~ "EW"', "b"),
    ('tags:length > 1', "b"), ('tags:length = 0', "c"), ('views ?= 10', "c"), ('views ?> 4', "bc"),
    ('views ?!= 10', "abd"), ('views ?>= 10', "c"), ('views ?< 1', "d"), ('views ?<= 1', "ad"),
    ('title ?~ "Apple"', "a"), ('title ?!~ "a"', "c"), ("5 < views", "c"),
    # ~ is case-insensitive like PocketBase's LIKE; :lower compares the lowercased value
    ('title ~ "APPLE"', "a"), ('title ~ "cH%"', "c"), ('title !~ "BREAD"', "acd"), ('title:lower = "cherry"', "c"),
    ('title:lower = "Cherry"', ""), ('status:lower ~ "DRAFT"', "bd"),
    ('status = "draft" && views > 0', "b"), ('status = "draft" || views = 10', "bcd"),
    ('(views = 1 || views = 10) && status = "published"', "ac"), ("views = 1 // a comment\n", "a"),
    ("created <= @now && created > @yesterday", "abcd"), ("created > @tomorrow", ""),
    ("created >= @todayStart && created <= @todayEnd", "abcd"),
    ("created >= @monthStart && created <= @monthEnd && created >= @yearStart && created <= @yearEnd", "abcd"),
    ("@year > 2000 && @month >= 1 && @day >= 1 && @hour >= 0 && @minute >= 0 && @second >= 0 && @weekday >= 0",
     "abcd"),
    ("true = true", "abcd"), ("false = true", ""), ("null = ''", "abcd"),
    ('@request.method = "GET" && views = 1', "a"), ('@request.query.x = "" && views = 1', "a"),
    ("@request.auth.id = '' && views = 1", "a"),  # an admin key is not a user: @request.auth.id is blank
    ("content ~ '<p>'", "a"), ("updated >= created", "abcd"), ("views >= views", "abcd"),
    # LIKE reads numbers as text: a number column's whole values as integers ('5'), a literal on the left as a
    # REAL ('5.0'), a literal pattern as Go writes it ('5', '-0')
    ("views ~ 5", "b"), ("5 ~ views", "bd"), ('views ~ "1%"', "ac"), ("views !~ 0", "ab"), ("1.5 ~ views", "ab"),
    ("1 ~ -0", ""), ("1 ~ 0", "abcd"), ("-0 ~ '-'", ""), ("views ?~ 1.0", "ac"),
]


# Filters that must be refused with a 400 naming the problem, never a 500 or a match.
HOSTILE = [
    'title = "unterminated', "title = 'x' && (views = 1", "views = 1)", "((((views = 1", "title =", "= 1",
    "nosuchfield = 1", "owner.nosuch = 'x'", "title.name = 'x'", "@request.auth.nope = 1", "@request.body.nope = 1",
    "@request.nope = 1", "@collection.nosuch.title = 'x'", "@collection.posts = 'x'", "@nowish > 1", "views:upper = 1",
    "views = 1 & views = 2", "views = 1 |", "title = 'x' ; DROP TABLE", "title = `x`",
    "title = '\\'", "#n0 = 1", ":v0 = 1", "data.title = 'x'", "pk = 'C#posts'", "views === 1",
    "x" * 10_000, "title = '" + "a" * 10_000 + "'", " && ".join(["views = 1"] * 201), "(" * 40 + "views = 1" + ")" * 40,
    "views = 1e309", "nosuch(1) < 1", "strftime() = 1", "geoDistance(1, 2) < 1", "strftime(title) = 1", "title = \"\\\"",
    "owner.owner.owner.owner.owner.owner.owner.id = 'x'",
]

