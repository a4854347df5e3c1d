"""Lambda SnapStart (docs/production.md, "SnapStart"): a function's initialised memory is snapshotted once per
published version and many execution environments are resumed from that one copy. What init left in memory is then
shared by all of them, so each owner of per-process state that must not be shared registers its reset here:

- AWS clients and the pooled HTTP session (their connections and credentials belong to one environment),
- cached secrets (an SSM value read before the snapshot would outlive a rotation in every copy),
- the `random` module's state (retry jitter and random sorts would run in lockstep across copies).

Ids, nonces and keys come from `secrets`/`os.urandom`, which the kernel keeps fresh in each copy. `import app` loads
no SDK and reads no secret (tests/unit/test_import_weight.py), so at snapshot time most of these are still empty;
the resets keep that true whatever a team's `functions/` does at import.
"""
from __future__ import annotations

import os
import sys
from typing import Callable


def _reseed_random() -> None:
    """random.seed() reseeds from os.urandom; a `random` first imported after the restore is seeded fresh anyway."""
    loaded = sys.modules.get("random")
    if loaded is not None:
        loaded.seed()


_resets: list[Callable[[], None]] = [_reseed_random]


def on_restore(reset: Callable[[], None]) -> None:
    """Run `reset` in every environment resumed from a snapshot (a no-op outside SnapStart)."""
    if reset not in _resets:
        _resets.append(reset)


def after_restore() -> None:
    """Every registered reset, in registration order: what the runtime calls after resuming a snapshot."""
    for reset in list(_resets):
        reset()


def prime() -> None:
    """Before the snapshot: import the SDK the first request would (boto3 alone costs about as much CPU as the
    whole of `import app`), so restored copies start with it loaded. Modules only: no client, no connection."""
    import boto3  # noqa: F401
    import botocore.config  # noqa: F401


def install() -> bool:
    """Hand after_restore to the runtime's hook library (in Lambda's python3.12+ managed runtimes), and prime when
    this init is the one SnapStart snapshots; False where the library isn't there (make dev, the tests)."""
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:
        return False
    register_after_restore(after_restore)
    if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start":  # Lambda's own marker of a snapshot init
        register_before_snapshot(prime)
    return True
