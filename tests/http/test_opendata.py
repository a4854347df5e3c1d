"""Legacy open data: our decrypt against WeChat's published sample and data encrypted by independent code
(wechatpy's cipher, the `cryptography` package), and the HTTP flow with the user's stored session_key."""
import base64
import json
import os
import time

import pytest

from tests.stackenv import APP1, APP2

DECRYPT = "/api/wechat/decrypt"

# WeChat's published WXBizDataCrypt example (the official demo in every language).
SAMPLE_APPID = "wx4f4bc4dec97d474b"
SAMPLE_KEY = "tiihtNczf5v6AKRyjwEUhQ=="
SAMPLE_IV = "r7BXXKkLb8qrSNn05n0qiA=="
SAMPLE_DATA = (
    "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOET"
    "KUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXw"
    "u0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UI"
    "eorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYV"
    "oKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew=="
)


def encrypt_with_cryptography(session_key, payload, iv=None):
    """AES-128-CBC + PKCS#7 (16-byte blocks) with the `cryptography` package: what WeChat does."""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    iv = iv or os.urandom(16)
    padder = padding.PKCS7(128).padder()
    plain = padder.update(json.dumps(payload).encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(base64.b64decode(session_key)), modes.CBC(iv)).encryptor()
    data = encryptor.update(plain) + encryptor.finalize()
    return base64.b64encode(data).decode(), base64.b64encode(iv).decode()


def encrypt_with_wechatpy(session_key, payload):
    """wechatpy's cipher and PKCS#7 encoder (32-byte blocks, as its message crypto pads)."""
    from wechatpy.crypto.base import WeChatCipher
    from wechatpy.crypto.pkcs7 import PKCS7Encoder

    iv = os.urandom(16)
    cipher = WeChatCipher(base64.b64decode(session_key), iv)
    data = cipher.encrypt(PKCS7Encoder.encode(json.dumps(payload).encode()))
    return base64.b64encode(data).decode(), base64.b64encode(iv).decode()


def test_published_example_decrypts_and_matches_wechatpy():
    from wechatpy.crypto import WeChatWxaCrypto

    from chalicelib.wechat import data_crypt as opendata

    ours = opendata.decrypt(SAMPLE_KEY, SAMPLE_DATA, SAMPLE_IV, SAMPLE_APPID, max_age_seconds=None)
    theirs = WeChatWxaCrypto(SAMPLE_KEY, SAMPLE_IV, SAMPLE_APPID).decrypt_message(SAMPLE_DATA)
    assert ours == theirs
    assert ours["unionId"] == "ocMvos6NjeKLIBqg5Mr9QjxrP1FA" and ours["watermark"]["timestamp"] == 1477314187
    with pytest.raises(opendata.OpenDataError):  # the freshness check is on by default
        opendata.decrypt(SAMPLE_KEY, SAMPLE_DATA, SAMPLE_IV, SAMPLE_APPID)
    with pytest.raises(opendata.OpenDataError):
        opendata.decrypt(SAMPLE_KEY, SAMPLE_DATA, SAMPLE_IV, "wxsomeoneelse", max_age_seconds=None)


@pytest.mark.parametrize("encrypt", [encrypt_with_cryptography, encrypt_with_wechatpy])
def test_data_encrypted_by_independent_code_decrypts(encrypt):
    from chalicelib.wechat import data_crypt as opendata

    key = base64.b64encode(os.urandom(16)).decode()
    payload = {"nickName": "测试 ✓", "watermark": {"appid": APP1, "timestamp": int(time.time())}}
    for _ in range(20):  # every padding length
        payload["nickName"] += "x"
        data, iv = encrypt(key, payload)
        assert opendata.decrypt(key, data, iv, APP1) == payload


def login_with_key(api, sandbox, name, appid=APP1, unionid=None):
    key = base64.b64encode(os.urandom(16)).decode()
    sandbox.add_user(appid, f"code-{name}", f"o-{name}", key, unionid)
    reply = api.post("/api/wechat/login", {"code": f"code-{name}", "appid": appid})
    assert reply.status == 200
    return reply.json, key


def test_decrypt_links_unionid_and_phone(api, sandbox, ddb):
    me, key = login_with_key(api, sandbox, "legacy-user")  # no unionid at login
    payload = {"openId": "o-legacy-user", "unionId": "u-legacy-union", "nickName": "Band",
               "watermark": {"appid": APP1, "timestamp": int(time.time())}}
    data, iv = encrypt_with_cryptography(key, payload)
    reply = api.post(DECRYPT, {"encryptedData": data, "iv": iv}, token=me["token"])
    assert reply.status == 200, reply
    assert reply.json["data"] == payload and reply.json["record"]["id"] == me["record"]["id"]
    # the unionid now resolves the same person in the other mini-program
    sandbox.add_user(APP2, "code-legacy-user-2", "o-legacy-user-2", key, "u-legacy-union")
    other = api.post("/api/wechat/login", {"code": "code-legacy-user-2", "appid": APP2}).json
    assert other["record"]["id"] == me["record"]["id"]

    phone = {"phoneNumber": "13900000001", "purePhoneNumber": "13900000001", "countryCode": "86",
             "watermark": {"appid": APP1, "timestamp": int(time.time())}}
    data, iv = encrypt_with_wechatpy(key, phone)
    reply = api.post(DECRYPT, {"encryptedData": data, "iv": iv}, token=me["token"])
    assert reply.status == 200 and reply.json["record"]["phone"] == "13900000001"


def test_unionid_of_another_user_is_409(api, sandbox):
    api.login("union-holder", APP1)  # sandbox unionid for this name is now linked
    holder_unionid = sandbox_unionid("union-holder")
    me, key = login_with_key(api, sandbox, "union-claimer")
    data, iv = encrypt_with_cryptography(key, {"unionId": holder_unionid,
                                                "watermark": {"appid": APP1, "timestamp": int(time.time())}})
    reply = api.post(DECRYPT, {"encryptedData": data, "iv": iv}, token=me["token"])
    assert reply.status == 409


def sandbox_unionid(name):
    from devserver.sandbox import _digest

    return "u" + _digest("unionid", name)


def test_tampered_and_foreign_data_is_400_never_500(api, sandbox):
    me, key = login_with_key(api, sandbox, "tamper-target")
    good = {"nickName": "x" * 40, "watermark": {"appid": APP1, "timestamp": int(time.time())}}
    data, iv = encrypt_with_cryptography(key, good)
    raw, raw_iv = bytearray(base64.b64decode(data)), bytearray(base64.b64decode(iv))
    flipped_last = bytes(raw[:-1]) + bytes([raw[-1] ^ 0x55])
    flipped_iv = bytes([raw_iv[0] ^ 0x01]) + bytes(raw_iv[1:])  # changes the first plaintext byte ('{')
    cases = [
        {"encryptedData": base64.b64encode(flipped_last).decode(), "iv": iv},
        {"encryptedData": data, "iv": base64.b64encode(flipped_iv).decode()},
        {"encryptedData": data, "iv": base64.b64encode(os.urandom(8)).decode()},  # wrong iv length
        {"encryptedData": data[:-8], "iv": iv},  # not whole blocks
        {"encryptedData": "%%%not base64%%%", "iv": iv},
        {"encryptedData": data, "iv": 7},
        {"encryptedData": "", "iv": iv},
    ]
    for body in cases:
        reply = api.post(DECRYPT, body, token=me["token"])
        assert reply.status == 400, (body, reply)
    foreign, foreign_iv = encrypt_with_cryptography(key, {"watermark": {"appid": APP2, "timestamp": int(time.time())}})
    reply = api.post(DECRYPT, {"encryptedData": foreign, "iv": foreign_iv}, token=me["token"])
    assert reply.status == 400 and "another app" in reply.json["message"]
    old, old_iv = encrypt_with_cryptography(key, {"watermark": {"appid": APP1, "timestamp": 1477314187}})
    assert api.post(DECRYPT, {"encryptedData": old, "iv": old_iv}, token=me["token"]).status == 400
    other_user, ou_iv = encrypt_with_cryptography(key, {"openId": "o-someone-else",
                                                        "watermark": {"appid": APP1, "timestamp": int(time.time())}})
    assert api.post(DECRYPT, {"encryptedData": other_user, "iv": ou_iv}, token=me["token"]).status == 400
    assert api.post(DECRYPT, {"encryptedData": data, "iv": iv}).status == 401


def test_stale_session_key_is_401_asking_to_log_in_again(api, sandbox):
    first = api.login("stale-session", APP1)
    old_key = sandbox.session_key(APP1, first["meta"]["openid"])
    api.login("stale-session", APP1)  # logged in again elsewhere: a new session_key
    data, iv = encrypt_with_cryptography(old_key, {"watermark": {"appid": APP1, "timestamp": int(time.time())}})
    reply = api.post(DECRYPT, {"encryptedData": data, "iv": iv}, token=first["token"])
    assert reply.status == 401 and "log in again" in reply.json["message"]
