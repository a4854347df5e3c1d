"""make dev on endpoints the standard variables name, split between two engines: DynamoDB (and its stream) on
DynamoDB Local through AWS_ENDPOINT_URL_DYNAMODB, S3 and SQS on a moto server through AWS_ENDPOINT_URL. Record
changes still reach the stream function (the comment counter of functions/comments.py), pushes still go through
the queue, and the stream reader's calls stay bounded while nothing happens."""
import time

import pytest
import requests

from devserver.aws_emulator import AwsEmulator
from devserver.dynamodb_local import DynamoDBLocal
from tests.devstack.devproc import APPID, DevServer, free_ports


@pytest.fixture
def engines(tmp_path):
    dynamodb = DynamoDBLocal(str(tmp_path / "ddb"), port=free_ports(1)[0])
    moto = AwsEmulator()
    try:
        dynamodb.ready()
        yield dynamodb, moto
    finally:
        moto.stop()
        dynamodb.stop()


def _json(answer):
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_streams_are_read_from_the_dynamodb_endpoint(tmp_path, engines):
    dynamodb, moto = engines
    server = DevServer(tmp_path / "data", tmp_path / "dev.log", env={
        "AWS_ENDPOINT_URL": moto.url, "AWS_ENDPOINT_URL_DYNAMODB": dynamodb.url,
        "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_DEFAULT_REGION": "us-east-1"})
    server.start()
    try:
        login = _json(requests.post(server.url + "/api/wechat/login",
                                    json={"code": "sandbox-split", "appid": APPID}, timeout=10))
        auth = {"Authorization": login["token"]}
        user = login["record"]["id"]
        post = _json(requests.post(server.url + "/api/collections/posts/records", headers=auth, timeout=10,
                                   json={"title": "split", "owner": user, "status": "published"}))["id"]
        _json(requests.post(server.url + "/api/collections/comments/records", headers=auth, timeout=10,
                            json={"post": post, "author": user, "text": "hi"}))
        deadline = time.monotonic() + 20
        count = 0
        while time.monotonic() < deadline and count != 1:
            count = _json(requests.get(f"{server.url}/api/collections/posts/records/{post}", headers=auth,
                                       timeout=10))["comments"]
            time.sleep(0.2)
        assert count == 1, server.output()[-2000:]
        assert "stream read failed" not in server.output()
        # the data is where the variables say: the table on DynamoDB Local, the queue on moto
        import boto3

        keys = {"region_name": "us-east-1", "aws_access_key_id": "local", "aws_secret_access_key": "local"}
        assert boto3.client("dynamodb", endpoint_url=dynamodb.url, **keys).list_tables()["TableNames"]
        assert boto3.client("sqs", endpoint_url=moto.url, **keys).list_queues().get("QueueUrls")
    finally:
        server.stop()


def test_an_idle_stream_reader_polls_less_and_less():
    from devserver.streams import IdlePolling

    polling = IdlePolling(first=0.2, longest=2.0)
    waits = [polling.next_wait(found=0) for _ in range(8)]
    assert waits[0] == 0.2 and waits == sorted(waits) and waits[-1] == 2.0
    assert polling.next_wait(found=3) == 0  # records: read again at once
    assert polling.next_wait(found=0) == 0.2  # then back to the shortest wait
    assert sum(1 / w for w in waits[3:]) < 5 * 2  # idle: a few reads a second at most, falling
