"""What Lambda's DynamoDB stream event source does for the deployed app, done in-process for `make dev` and the
tests: read the table's stream shard by shard, in order, and hand batches to `handler(event, context)` in Lambda's
event shape; a batch item failure makes the next read start again at that record (Lambda's retry), so the handler
sees what it would see deployed. A record still failing after `max_retries` is given up on alone, as the deployed
consumer bisects the batch and parks only the failing change: the records behind it are read again and handled. With a checkpoint file (make dev), a restart resumes after the last record handled,
as Lambda's event source mapping keeps its position; without one, reading starts at the newest record (LATEST, the
template's starting position)."""
from __future__ import annotations

import json
import os
import threading
import time
from typing import Any, Callable

from chalicelib.core import aws
from chalicelib.core.settings import get_settings


class _Context:
    function_name = "local"
    aws_request_id = "local"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


def typed_attribute(value: Any) -> Any:
    """An attribute value as Lambda gets it: DynamoDB Local's stream writes an empty map as `{}` at any depth (empty
    lists come through); AWS's stream and Lambda deliver `{"M": {}}`."""
    if value == {}:
        return {"M": {}}
    if isinstance(value, dict) and len(value) == 1:
        (kind, inner), = value.items()
        if kind == "M":
            return {"M": {k: typed_attribute(v) for k, v in inner.items()}}
        if kind == "L":
            return {"L": [typed_attribute(v) for v in inner]}
    return value


def _as_lambda_record(record: dict, arn: str) -> dict:
    """A GetRecords record as Lambda delivers it (epoch seconds where boto3 gives a datetime, images repaired)."""
    data = dict(record["dynamodb"])
    for image in ("NewImage", "OldImage", "Keys"):
        if image in data:
            data[image] = {name: typed_attribute(v) for name, v in data[image].items()}
    stamp = data.get("ApproximateCreationDateTime")
    if hasattr(stamp, "timestamp"):
        data["ApproximateCreationDateTime"] = stamp.timestamp()
    return {**record, "dynamodb": data, "eventSourceARN": arn, "awsRegion": "local"}


class IdlePolling:
    """How long to wait before the next read: at once after records, then from `first` doubling to `longest` while
    the stream stays empty, so an idle make dev costs its engine a read every few seconds (moto kept every shard
    iterator it handed out: at five reads a second it grew by gigabytes)."""

    def __init__(self, first: float = 0.2, longest: float = 2.0) -> None:
        self.first, self.longest = first, longest
        self._wait = 0.0

    def next_wait(self, found: int) -> float:
        if found:
            self._wait = 0.0
        else:
            self._wait = self.first if not self._wait else min(self._wait * 2, self.longest)
        return self._wait

    def reset(self) -> None:
        self._wait = 0.0


SHARD_LIST_SECONDS = 10.0  # shards change when the table grows or a day passes; listing them each read cost a call


class StreamReader:
    """Reads the table's stream from the records written after it started (LATEST), or from the start."""

    def __init__(self, handler: Callable[[dict, Any], Any], batch_size: int = 100, from_start: bool = False,
                 max_retries: int = 10, checkpoint: str | None = None) -> None:
        self.handler, self.batch_size, self.max_retries = handler, batch_size, max_retries
        self.streams = aws.client("dynamodbstreams")
        table = aws.client("dynamodb").describe_table(TableName=get_settings().table_name)["Table"]
        self.arn = table["LatestStreamArn"]
        self.iterators: dict[str, str | None] = {}
        self._shard_ids: list[str] = []
        self._listed_at = 0.0
        self.retries: dict[str, int] = {}
        self.checkpoint = checkpoint
        self.positions: dict[str, str] = self._load_checkpoint()  # shard → last sequence number handled
        resuming = checkpoint is not None and os.path.exists(checkpoint)
        for shard in self._shards():
            if shard in self.positions:
                self.iterators[shard] = self._after(shard, self.positions[shard])
            else:
                start = "TRIM_HORIZON" if from_start or resuming else "LATEST"
                self.iterators[shard] = self.streams.get_shard_iterator(
                    StreamArn=self.arn, ShardId=shard, ShardIteratorType=start)["ShardIterator"]
        self._save_checkpoint()
        self._stop = threading.Event()
        self._wake = threading.Event()

    def _after(self, shard: str, sequence: str) -> str:
        try:
            return self.streams.get_shard_iterator(StreamArn=self.arn, ShardId=shard,
                                                   ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                                                   SequenceNumber=sequence)["ShardIterator"]
        except self.streams.exceptions.TrimmedDataAccessException:  # older than the stream keeps (24 h)
            return self.streams.get_shard_iterator(StreamArn=self.arn, ShardId=shard,
                                                   ShardIteratorType="TRIM_HORIZON")["ShardIterator"]

    def _load_checkpoint(self) -> dict[str, str]:
        if not self.checkpoint or not os.path.exists(self.checkpoint):
            return {}
        with open(self.checkpoint) as f:
            saved = json.load(f)
        return dict(saved.get("shards", {})) if saved.get("arn") == self.arn else {}

    def _save_checkpoint(self) -> None:
        if not self.checkpoint:
            return
        tmp = self.checkpoint + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"arn": self.arn, "shards": self.positions}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.checkpoint)

    def _shards(self) -> list[str]:
        now = time.monotonic()
        if now - self._listed_at > SHARD_LIST_SECONDS or not self._shard_ids:
            description = self.streams.describe_stream(StreamArn=self.arn)["StreamDescription"]
            self._shard_ids, self._listed_at = [s["ShardId"] for s in description["Shards"]], now
        return self._shard_ids

    def poll(self) -> int:
        """One read of every shard; the number of records handed to the handler."""
        for shard in self._shards():  # shards appear as the table grows
            if shard not in self.iterators:
                self.iterators[shard] = self.streams.get_shard_iterator(
                    StreamArn=self.arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        handed = 0
        for shard, iterator in list(self.iterators.items()):
            if iterator is None:
                continue
            page = self.streams.get_records(ShardIterator=iterator, Limit=self.batch_size)
            records = [_as_lambda_record(r, self.arn) for r in page.get("Records", [])]
            if not records:
                self.iterators[shard] = page.get("NextShardIterator")
                continue
            result = self.handler({"Records": records}, _Context()) or {}
            failed = [f["itemIdentifier"] for f in result.get("batchItemFailures", [])]
            handed += len(records)
            first_failed = min(failed, key=int) if failed else None
            if first_failed and self.retries.get(shard, 0) < self.max_retries:
                self.retries[shard] = self.retries.get(shard, 0) + 1
                self.iterators[shard] = self.streams.get_shard_iterator(
                    StreamArn=self.arn, ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER",
                    SequenceNumber=first_failed)["ShardIterator"]
                continue
            self.retries.pop(shard, None)
            if first_failed:  # given up on that record only (deployed: parked on the on-failure queue)
                print(f"[wxbase] stream record {first_failed} failed {self.max_retries + 1} times; skipped",
                      flush=True)
                self.iterators[shard] = self._after(shard, first_failed)
                self.positions[shard] = first_failed
            else:
                self.iterators[shard] = page.get("NextShardIterator")
                self.positions[shard] = records[-1]["dynamodb"]["SequenceNumber"]
            self._save_checkpoint()
        return handed

    def wake(self) -> None:
        """Read now instead of at the next poll (make dev calls it when a write was answered)."""
        self._wake.set()

    def start(self, interval: float = 0.2, longest: float = 2.0) -> "StreamReader":
        polling = IdlePolling(interval, longest)

        def loop() -> None:
            while not self._stop.is_set():
                try:
                    wait = polling.next_wait(self.poll())
                    if wait and self._wake.wait(wait):
                        polling.reset()  # a write was answered: read soon, and keep reading while records come
                    self._wake.clear()
                except Exception as exc:  # keep reading; the engine may be restarting
                    print(f"[wxbase] stream read failed: {exc.__class__.__name__}", flush=True)
                    self._stop.wait(1)

        threading.Thread(target=loop, name="record-stream", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
