"""Stream images as DynamoDB Local sends them: an empty map arrives as `{}` without its type (the service sends
{"M": {}}); a record whose lowercased copies are empty must still read as a record change."""
from chalicelib.records.changes import from_stream
from chalicelib.store import table


def test_an_untyped_empty_value_reads_as_an_empty_map():
    assert table.deserialize({"lc": {}, "n": {"N": "2"}, "m": {"M": {}}}) == {"lc": {}, "n": 2, "m": {}}


def test_a_record_image_with_empty_lowercased_copies_is_a_change():
    keys = {"pk": {"S": "C#users"}, "sk": {"S": "R#abcdefghijklmno"}}
    image = {**keys, "id": {"S": "abcdefghijklmno"}, "collectionName": {"S": "users"}, "v": {"N": "1"},
             "data": {"M": {"name": {"S": ""}}}, "lc": {}}
    change = from_stream({"eventName": "INSERT", "dynamodb": {"Keys": keys, "NewImage": image,
                                                               "SequenceNumber": "1"}})
    assert change is not None and change.action == "create" and change.record.data == {"name": ""}
