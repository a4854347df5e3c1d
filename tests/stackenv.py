"""The settings the test stack runs with: three apps with random secrets, so a leak of any is detectable."""
import json
import secrets

from tests.helpers import aes_key

APP1 = "wxtest00000000001"
APP2 = "wxtest00000000002"
OA = "wxtestoa000000001"

TEST_APPS = [
    {"appid": APP1, "secret": "s1-" + secrets.token_hex(12), "token": "t1" + secrets.token_hex(6),
     "encodingAESKey": aes_key(), "type": "miniprogram", "callbackMaxAgeSeconds": 300,
     "autoReplies": [{"keyword": "hello", "reply": {"msgtype": "text", "text": {"content": "hi"}}}]},
    {"appid": APP2, "secret": "s2-" + secrets.token_hex(12), "token": "t2" + secrets.token_hex(6),
     "encodingAESKey": aes_key(), "type": "miniprogram", "tokenMode": "classic"},
    {"appid": OA, "secret": "s3-" + secrets.token_hex(12), "token": "t3" + secrets.token_hex(6),
     "encodingAESKey": aes_key(), "type": "officialaccount"},
]
JWT_SECRET = secrets.token_urlsafe(48)
ADMIN_KEY = "adm-" + secrets.token_urlsafe(24)

TEST_ENV = {
    "WXBASE_APPS": json.dumps(TEST_APPS),
    "WXBASE_JWT_SECRET": JWT_SECRET,
    "WXBASE_ADMIN_KEYS": f"{ADMIN_KEY},second-admin-key-{secrets.token_hex(8)}",
    "WXBASE_TABLE": "wxbase-test",
    "WXBASE_BUCKET": "wxbase-test-files",
    "WXBASE_QUEUE": "wxbase-test-callbacks",
    "WXBASE_RATE_LIMITS": "[]",  # tests are scripts; tests/http/test_limits*.py turn limits on
    # no request log entries: thousands of them would slow every Query of the in-process emulator (which reads its
    # whole table); the tests of the logs (tests/http/test_request_logs.py, the SDK's) turn them on
    "WXBASE_LOGS_DAYS": "0",
}
