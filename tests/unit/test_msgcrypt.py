"""The message-push crypto against an independent implementation (wechatpy) and WeChat's published example."""
import base64
import random
import secrets

import pytest
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException
from wechatpy.utils import check_signature

from chalicelib.wechat import msgcrypt
from tests.helpers import aes_key

# Tencent's WXBizMsgCrypt sample (Sample.py, "Copyright (c) 1998-2014 Tencent Inc."): a compatible-mode push.
OFFICIAL = {
    "token": "spamtest",
    "encodingAESKey": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "appid": "wx2c2769f8efd9abc2",
    "timestamp": "1409735669",
    "nonce": "1320562132",
    "msg_signature": "5d197aaffba7e9b25a30732f161a50dee96bd5fa",
    "encrypt": "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2Ld"
               "JF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6u"
               "x5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnif"
               "JpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLC"
               "zpu9GhglF2PE=",
}


def _random_message(rng, length):
    alphabet = "abcXYZ019 <>&\"'\n中文消息😀"
    return "".join(rng.choice(alphabet) for _ in range(length))


def test_official_example_signature_and_plaintext():
    key = msgcrypt.aes_key(OFFICIAL["encodingAESKey"])
    expected = msgcrypt.signature(OFFICIAL["token"], OFFICIAL["timestamp"], OFFICIAL["nonce"], OFFICIAL["encrypt"])
    assert expected == OFFICIAL["msg_signature"]
    message = msgcrypt.decrypt(key, OFFICIAL["appid"], OFFICIAL["encrypt"]).decode()
    assert "<Content><![CDATA[abcdteT]]></Content>" in message
    assert "<MsgId>6054768590064713728</MsgId>" in message


def test_official_example_rejects_other_appid():
    key = msgcrypt.aes_key(OFFICIAL["encodingAESKey"])
    with pytest.raises(msgcrypt.AppIdMismatch):
        msgcrypt.decrypt(key, "wx0000000000000000", OFFICIAL["encrypt"])


def test_url_signature_matches_wechatpy():
    for _ in range(50):
        token, timestamp, nonce = secrets.token_hex(8), str(random.randint(1, 2**31)), secrets.token_hex(5)
        sig = msgcrypt.signature(token, timestamp, nonce)
        check_signature(token, sig, timestamp, nonce)  # raises if wechatpy disagrees


def test_wechatpy_encrypts_wxbase_decrypts_and_back():
    rng = random.Random(4)
    lengths = list(range(0, 70)) + [rng.randint(70, 5000) for _ in range(130)]
    for length in lengths:
        encoding_key, appid = aes_key(), "wx" + secrets.token_hex(8)
        key = msgcrypt.aes_key(encoding_key)
        theirs = PrpCrypto(key)
        message = _random_message(rng, length)

        from_wechatpy = theirs.encrypt(message, appid).decode()
        assert msgcrypt.decrypt(key, appid, from_wechatpy).decode() == message

        from_wxbase = msgcrypt.encrypt(key, appid, message)
        assert theirs.decrypt(from_wxbase, appid) == message
        with pytest.raises(InvalidAppIdException):
            theirs.decrypt(from_wxbase, appid + "x")


def test_full_envelope_with_wechatpy_message_crypto():
    token, encoding_key, appid = secrets.token_hex(6), aes_key(), "wx" + secrets.token_hex(8)
    crypto = WeChatCrypto(token, encoding_key, appid)
    xml = "<xml><ToUserName><![CDATA[gh_x]]></ToUserName><Content><![CDATA[hello]]></Content></xml>"
    envelope = crypto.encrypt_message(xml, "nonce123", "1700000000")
    encrypt = envelope.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    msg_signature = envelope.split("<MsgSignature><![CDATA[")[1].split("]]>")[0]
    assert msgcrypt.signature(token, "1700000000", "nonce123", encrypt) == msg_signature
    assert msgcrypt.decrypt(msgcrypt.aes_key(encoding_key), appid, encrypt).decode() == xml


def _encrypt_raw(key, plain):
    from Crypto.Cipher import AES

    return base64.b64encode(AES.new(key, AES.MODE_CBC, key[:16]).encrypt(plain)).decode()


@pytest.mark.parametrize("case", ["truncated", "not_base64", "urlsafe", "bad_pad_value", "inconsistent_pad",
                                  "zero_pad", "length_overflow", "empty", "non_ascii"])
def test_malformed_envelopes_are_rejected(case):
    key, appid = msgcrypt.aes_key(aes_key()), "wxappid000000001"
    good = msgcrypt.encrypt(key, appid, "<xml><A>1</A></xml>")
    body = b"\x00" * 16 + (19).to_bytes(4, "big") + b"<xml><A>1</A></xml>" + appid.encode()
    candidates = {
        "truncated": good[:-8],
        "not_base64": good[:10] + "!" + good[11:],
        "urlsafe": good.replace("+", "-").replace("/", "_") if ("+" in good or "/" in good) else good[:-4] + "-___",
        "bad_pad_value": _encrypt_raw(key, body + b"\x00" * (32 - len(body) % 32)),
        "inconsistent_pad": _encrypt_raw(key, body + bytes(range(1, 33 - len(body) % 32))),
        "zero_pad": _encrypt_raw(key, msgcrypt.pad(body)[:-1] + b"\x21"),
        "length_overflow": _encrypt_raw(key, msgcrypt.pad(b"\x00" * 16 + (10**6).to_bytes(4, "big") + b"x")),
        "empty": "",
        "non_ascii": "中文" * 20,
    }
    with pytest.raises(msgcrypt.CryptoError):
        msgcrypt.decrypt(key, appid, candidates[case])
