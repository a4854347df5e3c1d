"""The record item, built without I/O: what a create, an update and a delete write, and how counters move."""
from chalicelib.records import store
from chalicelib.records.filter import bind as filter_bind
from chalicelib.records.filter.tree import TRUE
from chalicelib.store import keys, table


def test_a_create_puts_the_item_with_its_derived_attributes_and_counts_it(schema):
    posts = schema.get("posts")
    record = store.new(posts, {"title": "Hello World", "status": "draft", "owner": "u00000000000001"})
    changes = store.Changes()
    changes.create(posts, record)
    put, *counters = changes.actions()
    item = table.deserialize(put["Put"]["Item"])
    assert put["Put"]["ConditionExpression"] == "attribute_not_exists(pk)"
    assert item["pk"] == "C#posts" and item["sk"] == f"R#{record.id}" and item["v"] == 1
    assert item["lc"] == {"title": "hello world", "status": "draft"}
    assert item["g1sk"] == f"{record.created}#{record.id}"
    scopes = sorted(table.deserialize(c["Update"]["Key"])["sk"] for c in counters)
    assert scopes == ["#N", '#N#idx_posts_status#["draft"]', '#N#owner_owner#["u00000000000001"]']


def test_an_update_is_conditional_on_version_and_rule_and_moves_counters(schema):
    posts = schema.get("posts")
    old = store.new(posts, {"title": "a", "status": "draft", "owner": "u00000000000001"})
    rule = filter_bind.bind(schema, posts, 'status = "draft"', filter_bind.Context())
    changes = store.Changes()
    new = changes.update(posts, old, {**old.data, "status": "published"}, condition=rule)
    update, *counters = changes.actions()
    assert new.version == 2 and new.data["status"] == "published"
    condition = update["Update"]["ConditionExpression"]
    names, values = update["Update"]["ExpressionAttributeNames"], table.deserialize(
        update["Update"]["ExpressionAttributeValues"])
    assert condition.startswith("#n") and " AND " in condition and 1 in values.values() and "draft" in values.values()
    assert "v" in names.values()
    deltas = {table.deserialize(c["Update"]["Key"])["sk"]: table.deserialize(c["Update"]["ExpressionAttributeValues"])
              [":d"] for c in counters}
    assert deltas == {'#N#idx_posts_status#["draft"]': -1, '#N#idx_posts_status#["published"]': 1}


def test_counters_of_several_changes_merge_into_one_action_each(schema):
    posts = schema.get("posts")
    changes = store.Changes()
    for _ in range(3):
        changes.delete(posts, store.new(posts, {"title": "x", "status": "draft", "owner": "u00000000000001"}))
    counters = [a for a in changes.actions() if "Update" in a]
    assert len(counters) == 3 and len(changes) == 6
    assert all(table.deserialize(c["Update"]["ExpressionAttributeValues"])[":d"] == -3 for c in counters)


def test_users_are_not_counted_and_private_values_stay_private(schema):
    users = schema.users
    user = store.new(users, {"name": "n"}, private={"_tokenKey": "k"})
    changes = store.Changes()
    changes.create(users, user)
    assert len(changes.actions()) == 1
    assert table.deserialize(changes.actions()[0]["Put"]["Item"])["_tokenKey"] == "k"
    assert user.value("_tokenKey") is None  # not a field value
    assert keys.record("users", user.id) == {"pk": "C#users", "sk": f"R#{user.id}"}


def test_a_delete_carries_the_version_condition(schema):
    posts = schema.get("posts")
    record = store.new(posts, {"title": "x"})
    changes = store.Changes()
    changes.delete(posts, record, condition=TRUE)
    delete = changes.actions()[0]["Delete"]
    assert delete["ConditionExpression"] == "#n0 = :v0" and delete["ExpressionAttributeNames"] == {"#n0": "v"}


def test_successive_writes_of_one_record_fold_into_one_action(schema):
    posts = schema.get("posts")
    owner = "u00000000000001"
    created = store.new(posts, {"title": "a", "status": "draft", "owner": owner})
    changes = store.Changes()
    changes.create(posts, created)
    changed = changes.update(posts, changes.get("posts", created.id), {**created.data, "status": "published"})
    put, *counters = changes.actions()
    assert table.deserialize(put["Put"]["Item"])["data"]["status"] == "published"
    assert put["Put"]["ConditionExpression"] == "attribute_not_exists(pk)"  # still a create: the id must be free
    scopes = sorted(table.deserialize(c["Update"]["Key"])["sk"] for c in counters)
    assert scopes == ["#N", '#N#idx_posts_status#["published"]', '#N#owner_owner#["u00000000000001"]']
    changes.delete(posts, changed)
    (check,) = changes.actions()  # created and deleted: nothing is stored, nothing counted
    assert check["ConditionCheck"]["ConditionExpression"] == "attribute_not_exists(pk)"
    assert changes.get("posts", created.id) is None and changes.present() == frozenset()

    stored = store.new(posts, {"title": "b", "status": "draft", "owner": owner})
    stored.version = 4
    changes = store.Changes()
    first = changes.update(posts, stored, {**stored.data, "title": "c"})
    changes.update(posts, first, {**stored.data, "title": "d"})
    (replaced,) = changes.actions()
    assert table.deserialize(replaced["Put"]["Item"])["data"]["title"] == "d"
    assert 4 in table.deserialize(replaced["Put"]["ExpressionAttributeValues"]).values()  # the version as read
    changes.delete(posts, changes.get("posts", stored.id))
    changes.create(posts, store.new(posts, stored.data, record_id=stored.id))  # put back: its version moves on
    (again,) = changes.actions()
    assert table.deserialize(again["Put"]["Item"])["v"] == 5
