"""The local stream hands the record handler images it can read: DynamoDB Local reports an empty map attribute
(a new user's `lc`, no text to fold) as `{}`, which boto3 refuses, and the local record stream then stopped on the
first login and retried it forever."""
from chalicelib.records.changes import from_stream
from devserver.streams import typed_attribute

NEW_USER = {"pk": {"S": "C#users"}, "sk": {"S": "R#aaaaaaaaaaaaaaa"}, "id": {"S": "aaaaaaaaaaaaaaa"},
            "collectionId": {"S": "_pb_users_auth_"}, "collectionName": {"S": "users"}, "v": {"N": "1"},
            "data": {"M": {"name": {"S": ""}, "meta": {"M": {"empty": {}, "list": {"L": [{}]}}}}}, "lc": {}}


def test_empty_maps_become_typed_and_the_change_reads():
    image = {name: typed_attribute(value) for name, value in NEW_USER.items()}
    assert image["lc"] == {"M": {}}
    assert image["data"]["M"]["meta"] == {"M": {"empty": {"M": {}}, "list": {"L": [{"M": {}}]}}}
    change = from_stream({"eventName": "INSERT", "dynamodb": {"Keys": {"pk": NEW_USER["pk"], "sk": NEW_USER["sk"]},
                                                              "NewImage": image, "SequenceNumber": "1"}})
    assert change is not None and change.action == "create" and change.new.id == "aaaaaaaaaaaaaaa"
