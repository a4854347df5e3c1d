"""A collections file that can't load, seen over HTTP."""


def test_a_broken_file_is_a_clean_500_without_internals(api, tmp_path, monkeypatch):
    bad = tmp_path / "collections.json"
    bad.write_text('[{"name": "posts", "fields": [{"name": "t", "type": "nope"}]}]')
    monkeypatch.setenv("WXBASE_COLLECTIONS", str(bad))
    reply = api.get("/api/collections/posts/records")
    assert reply.status == 500
    assert "Collection posts, field t" in reply.json["message"] and "Traceback" not in reply.text
