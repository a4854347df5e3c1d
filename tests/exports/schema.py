"""A rich schema made through a real PocketBase's collections API, as a team would make it in the dashboard: every
field type wxbase supports with its options, the most common index shapes (an equality column with a trailing
autodate, UNIQUE on one and on two columns, a partial UNIQUE that skips blanks), the built-in `users` auth collection
extended with fields and a unique index, and a second auth collection with its own password field.

Fields carry `help` (PocketBase 0.37+ keeps it; older releases drop unknown keys), so newer exports have it.
"""
import requests

USERS_ID = "_pb_users_auth_"
CATEGORIES_ID = "pbc_exp_categories"
POSTS_ID = "pbc_exp_posts"
COMMENTS_ID = "pbc_exp_comments"
MEMBERS_ID = "pbc_exp_members"


def _autodates():
    return [{"name": "created", "type": "autodate", "onCreate": True, "onUpdate": False},
            {"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True}]


USERS_FIELDS = [
    {"name": "nickname", "type": "text", "max": 40, "help": "Shown next to comments"},
    {"name": "level", "type": "number", "min": 0, "max": 10, "onlyInt": True},
    {"name": "handle", "type": "text", "max": 30, "pattern": "^[a-z0-9_]*$"},
]
USERS_INDEXES = ["CREATE UNIQUE INDEX `idx_users_handle` ON `users` (`handle`) WHERE `handle` != ''"]

CATEGORIES = {
    "id": CATEGORIES_ID, "name": "categories", "type": "base",
    "listRule": "", "viewRule": "", "createRule": None, "updateRule": None, "deleteRule": None,
    "fields": [
        {"name": "name", "type": "text", "required": True, "max": 60, "presentable": True,
         "help": "Shown in menus"},
        {"name": "slug", "type": "text", "required": True, "pattern": "^[a-z0-9-]+$"},
        *_autodates(),
    ],
    "indexes": ["CREATE UNIQUE INDEX `idx_categories_slug` ON `categories` (`slug`)"],
}

POSTS = {
    "id": POSTS_ID, "name": "posts", "type": "base",
    "listRule": "status = 'published' || author = @request.auth.id",
    "viewRule": "status = 'published' || author = @request.auth.id",
    "createRule": "@request.auth.id != '' && author = @request.auth.id",
    "updateRule": "author = @request.auth.id",
    "deleteRule": "author = @request.auth.id",
    "fields": [
        {"name": "title", "type": "text", "required": True, "min": 3, "max": 200, "help": "The headline"},
        {"name": "slug", "type": "text", "max": 120, "pattern": "^[a-z0-9-]*$"},
        {"name": "body", "type": "editor", "maxSize": 200000, "convertURLs": False},
        {"name": "views", "type": "number", "min": 0, "onlyInt": True},
        {"name": "featured", "type": "bool"},
        {"name": "contact", "type": "email", "onlyDomains": ["example.com"]},
        {"name": "link", "type": "url", "exceptDomains": ["evil.example"]},
        {"name": "publishedAt", "type": "date", "min": "2000-01-01 00:00:00.000Z"},
        {"name": "status", "type": "select", "required": True, "maxSelect": 1,
         "values": ["draft", "published", "archived"]},
        {"name": "tags", "type": "select", "maxSelect": 3, "values": ["news", "howto", "release", "misc"]},
        {"name": "meta", "type": "json", "maxSize": 2000},
        {"name": "cover", "type": "file", "maxSelect": 1, "maxSize": 5242880,
         "mimeTypes": ["image/png", "image/jpeg"], "thumbs": ["100x100"]},
        {"name": "attachments", "type": "file", "maxSelect": 5, "maxSize": 10485760, "protected": True},
        {"name": "author", "type": "relation", "collectionId": USERS_ID, "maxSelect": 1, "required": True,
         "cascadeDelete": False},
        {"name": "category", "type": "relation", "collectionId": CATEGORIES_ID, "maxSelect": 1},
        {"name": "secret", "type": "text", "hidden": True},
        *_autodates(),
        {"name": "edited", "type": "autodate", "onCreate": False, "onUpdate": True},
    ],
    "indexes": [
        "CREATE INDEX `idx_posts_status` ON `posts` (`status`, `created`)",
        "CREATE UNIQUE INDEX `idx_posts_slug` ON `posts` (`slug`)",
        "CREATE UNIQUE INDEX `idx_posts_author_title` ON `posts` (`author`, `title`)",
    ],
}
# relations to their own collection, added once it exists
SELF_RELATIONS = {
    CATEGORIES_ID: {"name": "parent", "type": "relation", "collectionId": CATEGORIES_ID, "maxSelect": 1},
    POSTS_ID: {"name": "related", "type": "relation", "collectionId": POSTS_ID, "maxSelect": 10, "minSelect": 0},
}

COMMENTS = {
    "id": COMMENTS_ID, "name": "comments", "type": "base",
    "listRule": "", "viewRule": "", "createRule": "@request.auth.id != '' && author = @request.auth.id",
    "updateRule": "author = @request.auth.id",
    "deleteRule": "author = @request.auth.id",
    "fields": [
        {"name": "post", "type": "relation", "collectionId": POSTS_ID, "maxSelect": 1, "required": True,
         "cascadeDelete": True},
        {"name": "author", "type": "relation", "collectionId": USERS_ID, "maxSelect": 1},
        {"name": "text", "type": "text", "required": True, "max": 2000},
        *_autodates(),
    ],
    "indexes": ["CREATE INDEX `idx_comments_post` ON `comments` (`post`, `created`)"],
}

MEMBERS = {
    "id": MEMBERS_ID, "name": "members", "type": "auth",
    "listRule": None, "viewRule": None, "createRule": None, "updateRule": None, "deleteRule": None,
    "passwordAuth": {"enabled": True, "identityFields": ["email"]},
    "fields": [
        {"name": "team", "type": "text", "max": 50},
        *_autodates(),
    ],
    "indexes": [],
}


def create(url: str, token: str) -> None:
    """Make the schema on a fresh PocketBase (superuser `token`)."""
    headers = {"Authorization": token}

    def call(method, path, body):
        answer = requests.request(method, f"{url}{path}", json=body, headers=headers, timeout=30)
        if answer.status_code >= 300:
            raise AssertionError(f"{method} {path}: {answer.status_code} {answer.text[:800]}")
        return answer.json()

    users = call("GET", f"/api/collections/{USERS_ID}", None)
    call("PATCH", f"/api/collections/{USERS_ID}", {"fields": users["fields"] + USERS_FIELDS,
                                                   "indexes": users["indexes"] + USERS_INDEXES})
    for collection in (CATEGORIES, POSTS, COMMENTS, MEMBERS):
        call("POST", "/api/collections", collection)
    for collection_id, relation in SELF_RELATIONS.items():
        current = call("GET", f"/api/collections/{collection_id}", None)
        call("PATCH", f"/api/collections/{collection_id}", {"fields": current["fields"] + [relation]})


def export(url: str, token: str) -> list:
    """What the dashboard's "Export collections" downloads: every collection (GET /api/collections) without the
    timestamps and OAuth2 providers, auth collections first."""
    answer = requests.get(f"{url}/api/collections", params={"perPage": 500}, headers={"Authorization": token},
                          timeout=30)
    answer.raise_for_status()
    collections = answer.json()["items"]
    for collection in collections:
        collection.pop("created", None)
        collection.pop("updated", None)
        if isinstance(collection.get("oauth2"), dict):
            collection["oauth2"].pop("providers", None)
    order = {"auth": 0, "base": 1, "view": 2}
    return sorted(collections, key=lambda c: (order.get(c.get("type"), 3), c["name"]))
