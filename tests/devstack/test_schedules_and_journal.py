"""make dev reads the schedules from app.py's registrations, and its queue journal knows what is unfinished."""
import json

from chalice.app import Rate

from devserver.durable_queue import QueueJournal, live_messages, open_journal
from devserver.jobs import rate_seconds, schedules


def test_every_scheduled_function_of_the_app_runs_at_its_declared_rate():
    import app

    declared = {s.name: s.schedule_expression for s in app.app.event_sources
                if type(s).__name__ == "ScheduledEventConfig"}
    found = {name: seconds for name, seconds, handler in schedules(app.app)}
    assert set(found) == set(declared)
    # the dispatcher of the team's @every functions ticks at the gcd of the periods loaded when app.py was imported
    dispatcher = declared["functions_schedule"]
    assert dispatcher.unit == Rate.MINUTES and dispatcher.value >= 1
    assert found == {"token_refresher": 300, "send_subscribe_messages": 60, "sweep_uploads": 3600,
                     "backup_export": 86400, "reconcile_payments": 86400,
                     "functions_schedule": dispatcher.value * 60}
    assert rate_seconds("rate(2 hours)") == 7200 and rate_seconds("rate(1 minute)") == 60


def test_journal_keeps_what_was_sent_and_not_deleted(tmp_path):
    journal = QueueJournal(str(tmp_path / "queue.journal"))
    journal.append([{"op": "send", "queue": "q", "id": "1", "body": "a"},
                    {"op": "send", "queue": "q", "id": "2", "body": "b"},
                    {"op": "send", "queue": "other", "id": "3", "body": "c"}])
    journal.append([{"op": "delete", "queue": "q", "id": "1"}])
    journal.close()
    with open(tmp_path / "queue.journal", "a") as f:
        f.write('{"op": "send", "queue": "q", "id": "4", "bo')  # a line a kill cut short: never acknowledged
    assert [m["body"] for m in live_messages(str(tmp_path / "queue.journal"))] == ["b", "c"]

    fresh, pending, previous = open_journal(str(tmp_path))
    assert [m["body"] for m in pending] == ["b", "c"]
    fresh.append([{"op": "send", "queue": "q", "id": "5", "body": "b"}])  # a replay cut short by another kill
    fresh.close()
    _, pending_again, _ = open_journal(str(tmp_path))
    assert sorted(m["body"] for m in pending_again) == ["b", "b", "c"]  # delivered twice at worst, never lost
    assert json.loads(open(previous).readline())["id"] == "1"


def test_data_kept_by_an_earlier_make_dev_is_imported_once(stack, tmp_path):
    from chalicelib.core import aws
    from chalicelib.core.settings import get_settings
    from chalicelib.store import table
    from devserver.legacy_import import import_snapshots

    folder = tmp_path / "emulator"
    (folder / "s3").mkdir(parents=True)
    item = {"pk": "LEGACY#1", "sk": "#", "note": "kept"}
    (folder / "table.json").write_text(json.dumps([table.serialize(item)]))
    (folder / "s3" / "00000000").write_bytes(b"old file")
    (folder / "s3-index.json").write_text(json.dumps({"legacy/a.png": {"file": "00000000",
                                                                        "contentType": "image/png"}}))
    assert import_snapshots(str(tmp_path)) == (1, 1)
    assert table.get({"pk": "LEGACY#1", "sk": "#"}) == item
    got = aws.client("s3").get_object(Bucket=get_settings().bucket_name, Key="legacy/a.png")
    assert got["Body"].read() == b"old file" and got["ContentType"] == "image/png"
    assert import_snapshots(str(tmp_path)) == (0, 0) and (tmp_path / "emulator.imported").is_dir()
