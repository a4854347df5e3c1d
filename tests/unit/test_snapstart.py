"""SnapStart's restore hooks, run the way Lambda runs them: through the runtime's own hook library
(snapshot-restore-py), each resumed copy gets fresh randomness, its own AWS clients and HTTP session, and no secret
read before the snapshot."""
import random
import subprocess
import sys

import pytest
import snapshot_restore_py
from moto import mock_aws

from chalicelib.core import aws, secrets, snapstart
from chalicelib.wechat import transport
from tests.conftest import PROJECT_DIR


def _resume_from_snapshot():
    """What the runtime does in an environment resumed from a snapshot: the registered after-restore hooks."""
    for hook, args, kwargs in snapshot_restore_py.get_after_restore():
        hook(*args, **kwargs)


@pytest.fixture(autouse=True)
def installed(monkeypatch):
    monkeypatch.setattr(snapshot_restore_py, "_after_restore_registry", [])
    monkeypatch.setattr(snapshot_restore_py, "_before_snapshot_registry", [])
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    assert snapstart.install() is True
    yield
    aws.reset_clients()
    transport.reset_session()
    secrets.clear_cache()


def test_install_hands_the_runtime_one_hook():
    assert [hook for hook, _, _ in snapshot_restore_py.get_after_restore()] == [snapstart.after_restore]


def test_only_a_snapshot_init_primes_the_sdk(monkeypatch):
    assert snapshot_restore_py.get_before_snapshot() == []  # an on-demand init loads boto3 when first used
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start")
    snapstart.install()
    assert [hook for hook, _, _ in snapshot_restore_py.get_before_snapshot()] == [snapstart.prime]
    primed = subprocess.run([sys.executable, "-c", "import sys; from chalicelib.core import snapstart; "
                             "assert 'boto3' not in sys.modules; snapstart.prime(); print('botocore' in sys.modules)"],
                            cwd=PROJECT_DIR, capture_output=True, text=True, check=True)
    assert primed.stdout.strip() == "True"


def test_two_copies_of_one_snapshot_draw_different_random_numbers():
    drawn = []
    for _ in range(2):
        random.seed(1234)  # the state both copies inherit from the snapshot
        _resume_from_snapshot()
        drawn.append([random.random() for _ in range(4)])
    assert drawn[0] != drawn[1]


def test_a_resumed_copy_opens_its_own_clients_and_session():
    client, session = aws.client("sqs"), transport.http_session()
    assert aws.client("sqs") is client and transport.http_session() is session  # reused while warm
    _resume_from_snapshot()
    assert aws.client("sqs") is not client
    assert transport.http_session() is not session


def test_a_resumed_copy_reads_secrets_again():
    with mock_aws():
        aws.reset_clients()
        ssm = aws.client("ssm")
        ssm.put_parameter(Name="/wxbase/test/jwt-secret", Value="before-snapshot", Type="SecureString")
        assert secrets.resolve_ssm("/wxbase/test/jwt-secret") == "before-snapshot"
        ssm.put_parameter(Name="/wxbase/test/jwt-secret", Value="rotated", Type="SecureString", Overwrite=True)
        assert secrets.resolve_ssm("/wxbase/test/jwt-secret") == "before-snapshot"  # cached while warm
        _resume_from_snapshot()
        assert secrets.resolve_ssm("/wxbase/test/jwt-secret") == "rotated"
