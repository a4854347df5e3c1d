"""Rows for request logs: the time of one request without a log entry, with one written off the request's path
(chalicelib/logs/writer.py), and with the same entry written inline before answering, side by side in rounds.
Against DynamoDB Local, a process of its own as DynamoDB is: with the in-process emulator the writer would be
charged for the emulator's work too."""
import os
import statistics
import time

ROUNDS = 12
PER_ROUND = 40


def rows(stack):
    """Runs after devstack: it points the process's AWS clients at a stack of its own."""
    from chalice.test import Client

    from bench.harness import start_devstack

    import app
    from chalicelib.logs import writer
    from chalicelib.store import table

    def inline_add(item):
        table.batch_put([item])

    samples = {"off": [], "built": [], "background": [], "inline": []}
    real_add = writer.add
    own = start_devstack(stack, "wxbase-bench-logs-")
    with Client(app.app, stage_name="local") as client:
        def run(mode):
            os.environ["WXBASE_LOGS_DAYS"] = "0" if mode == "off" else "5"
            writer.add = {"inline": inline_add, "built": lambda item: None}.get(mode, real_add)
            for _ in range(PER_ROUND):
                started = time.perf_counter()
                reply = client.http.get("/api/collections/posts/records?perPage=1")
                samples[mode].append(time.perf_counter() - started)
                assert reply.status_code == 200, reply.body
            writer.flush(timeout=30)  # the next mode starts with no write in flight

        try:
            for _ in range(ROUNDS):
                for mode in samples:
                    run(mode)
        finally:
            writer.add = real_add
            os.environ.pop("WXBASE_LOGS_DAYS", None)
            own.stop()
    off, built, background, inline = (statistics.median(samples[m]) * 1000 for m in samples)
    note = f"median of {ROUNDS * PER_ROUND} GET list requests each, modes interleaved, DynamoDB Local"
    yield ("request logs", "ms per request, no log entry", f"{off:.2f}", "1.00", note)
    yield ("request logs", "… entry made, not written", f"{built:.2f}", f"{built / off:.2f}",
           "what the request itself pays: the entry and an append")
    yield ("request logs", "… entry written off the request's path", f"{background:.2f}", f"{background / off:.2f}",
           "one thread batch-writes what gathered in 0.1 s, 25 at a time")
    yield ("request logs", "… entry written inline before answering", f"{inline:.2f}", f"{inline / off:.2f}",
           "for comparison: one more DynamoDB write on the path")
