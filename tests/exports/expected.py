"""What wxbase makes of the export of schema.py, whichever PocketBase release (0.23+) exported it."""


def assert_loaded(schema):
    # no _superusers …; users and payments are built in
    assert set(schema.collections) == {"users", "payments", "members", "categories", "posts", "comments"}
    users = schema.users
    assert {"nickname", "level", "handle"} <= set(users.fields) and "password" not in users.fields
    assert [(u.name, u.columns, u.skip_blank) for u in users.unique] == [("idx_users_handle", ("handle",),
                                                                          ("handle",))]
    members = schema.get("members")
    assert members.is_auth and set(members.fields) == {"team", "email", "emailVisibility", "verified"}
    assert [u.columns for u in members.unique] == [("email",)]  # its tokenKey index went with tokenKey
    posts = schema.get("posts")
    assert {f.type for f in posts.fields.values()} == {"text", "editor", "number", "bool", "email", "url", "date",
                                                       "select", "json", "file", "relation"}
    assert "edited" in posts.autodates and posts.fields["secret"].hidden
    assert [(i.name, i.fields, i.order) for i in posts.indexes] == [
        ("idx_posts_status", ("status",), "created"), ("idx_posts_slug", ("slug",), "created"),
        ("idx_posts_author_title", ("author", "title"), "created"), ("owner_author", ("author",), "created")]
    assert [(u.name, u.columns, u.skip_blank) for u in posts.unique] == [
        ("idx_posts_slug", ("slug",), ()), ("idx_posts_author_title", ("author", "title"), ())]
    assert posts.fields["related"].target == "posts" and posts.fields["related"].multiple
    assert posts.fields["status"].opt("values") == ["draft", "published", "archived"]
    assert posts.rules["createRule"] == "@request.auth.id != '' && author = @request.auth.id"
    comments = schema.get("comments")
    assert comments.fields["post"].target == "posts" and comments.fields["post"].opt("cascadeDelete")
    assert [(i.fields, i.order) for i in comments.indexes] == [(("post",), "created"), (("author",), "created")]
    assert [u.columns for u in schema.get("categories").unique] == [("slug",)]
