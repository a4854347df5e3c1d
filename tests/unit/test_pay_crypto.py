"""WeChat Pay v3's signatures and resource encryption, checked against an independent implementation (the PyPI
`wechatpayv3` SDK over `cryptography`): the same messages give byte-identical signatures (PKCS#1 v1.5 is
deterministic), and each side verifies and decrypts what the other produced."""
import base64
import json
import secrets

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from wechatpayv3 import utils as sdk

from chalicelib.payments import crypto, merchants
from devserver.sandbox_pay import WeChatPayKeys, rsa_key

KEY = rsa_key()
PEM = KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                        serialization.NoEncryption()).decode()
PUBLIC_PEM = KEY.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
OURS = merchants.load_key(PEM)


def test_request_signature_is_the_sdks_byte_for_byte():
    body = json.dumps({"mchid": "1900000109", "description": "Image形象店-深圳腾大-QQ公仔"}, ensure_ascii=False)
    authorization = crypto.authorization("1900000109", "SERIAL1", OURS, "POST", "/v3/pay/transactions/jsapi",
                                         body.encode(), "1554208460", "593BEC0C930BF1AFEB40B4A08C8FB242")
    expected = sdk.rsa_sign(sdk.load_private_key(PEM), "POST\n/v3/pay/transactions/jsapi\n1554208460\n"
                            "593BEC0C930BF1AFEB40B4A08C8FB242\n" + body + "\n")
    assert f'signature="{expected}"' in authorization
    assert authorization.startswith('WECHATPAY2-SHA256-RSA2048 mchid="1900000109",nonce_str="593BEC0C930BF1AF')
    assert 'timestamp="1554208460",serial_no="SERIAL1"' in authorization


def test_pay_sign_is_the_sdks():
    package = "prepay_id=wx201410272009395522657a690389285100"
    ours = crypto.pay_sign(OURS, "wx8888888888888888", "1414561699", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS", package)
    theirs = sdk.rsa_sign(sdk.load_private_key(PEM), "wx8888888888888888\n1414561699\n"
                          "5K8264ILTKCH16CQ2502SI8ZNMTM67VS\n" + package + "\n")
    assert ours == theirs


def test_answers_signed_by_the_sdk_verify_and_nothing_else_does():
    body = '{"prepay_id":"wx26112221580621e9b071c00d9e093b0000"}'
    signature = sdk.rsa_sign(sdk.load_private_key(PEM), f"1554209980\nc5ac7061fccab6bf3e254dcf98995b8c\n{body}\n")
    public = merchants.load_key(PUBLIC_PEM)
    assert crypto.verify(public, crypto.response_message("1554209980", "c5ac7061fccab6bf3e254dcf98995b8c",
                                                         body.encode()), signature)
    assert not crypto.verify(public, crypto.response_message("1554209980", "c5ac7061fccab6bf3e254dcf98995b8c",
                                                             body.replace("wx26", "wx27").encode()), signature)
    assert not crypto.verify(public, b"anything", "not base64!")
    assert not crypto.verify(public, b"anything", base64.b64encode(b"x" * 256).decode())
    ours = crypto.sign(OURS, b"1554209980\nnonce\nbody\n")
    assert sdk.rsa_verify("1554209980", "nonce", "body", ours, sdk.load_public_key(PUBLIC_PEM))


def test_resources_decrypt_as_the_sdk_decrypts_them_and_tampering_fails():
    key = secrets.token_hex(16)
    resource = json.dumps({"out_trade_no": "1217752501201407033233368018", "trade_state": "SUCCESS"})
    nonce = secrets.token_hex(6)
    ciphertext = base64.b64encode(AESGCM(key.encode()).encrypt(nonce.encode(), resource.encode(),
                                                               b"transaction")).decode()
    assert crypto.decrypt(key.encode(), nonce, ciphertext, "transaction").decode() == \
        sdk.aes_decrypt(nonce, ciphertext, "transaction", key) == resource
    raw = bytearray(base64.b64decode(ciphertext))
    raw[3] ^= 1
    assert crypto.decrypt(key.encode(), nonce, base64.b64encode(bytes(raw)).decode(), "transaction") is None
    assert crypto.decrypt(key.encode(), nonce, ciphertext, "refund") is None
    assert crypto.decrypt(secrets.token_hex(16).encode(), nonce, ciphertext, "transaction") is None
    assert crypto.decrypt(key.encode(), nonce, "%%%", "transaction") is None
    assert crypto.decrypt(b"short", nonce, ciphertext, "transaction") is None


def test_platform_certificate_serial_and_key_are_read_from_the_certificate():
    keys = WeChatPayKeys()
    serial, public = merchants.load_certificate(keys.certificate)
    parsed = x509.load_pem_x509_certificate(keys.certificate.encode())
    assert serial == format(parsed.serial_number, "X") == keys.certificate_serial
    signature = sdk.rsa_sign(keys.certificate_key, "1\n2\n3\n")
    assert crypto.verify(public, b"1\n2\n3\n", signature)


def test_merchants_keep_secrets_out_of_their_repr_and_choose_keys_by_serial():
    keys = WeChatPayKeys()
    raw = json.dumps([{"mchid": "1900000109", "appids": ["wxa"], "serialNo": "S", "privateKey": PEM,
                       "apiV3Key": "k" * 32, "publicKeyId": keys.public_key_id, "publicKey": PUBLIC_PEM,
                       "platformCertificates": [keys.certificate]},
                      {"mchid": "1900000110", "appids": ["wxb"], "serialNo": "S", "privateKey": "ssm:/pay/key",
                       "apiV3Key": "ssm:/pay/v3", "platformCertificates": [keys.certificate]}])
    first, second = merchants.parse(raw)
    assert "PRIVATE" not in repr(first) and "k" * 32 not in repr(first) and "ssm:/pay/key" not in repr(second)
    assert first.verifying_key(keys.public_key_id) is not None
    assert first.verifying_key(keys.certificate_serial.lower()) is not None
    assert first.verifying_key("PUB_KEY_ID_0000") is None and first.verifying_key("") is None
    assert second.verifying_key(keys.public_key_id) is None  # a certificate-only merchant: no public key yet


@pytest.mark.parametrize("entry, message", [
    ({"appids": ["wxa"]}, "mchid"),
    ({"mchid": "1", "appids": []}, "appids"),
    ({"mchid": "1", "appids": ["wxa"], "serialNo": "S", "privateKey": "p", "apiV3Key": "k"}, "to verify"),
    ({"mchid": "1", "appids": ["wxa"], "serialNo": "S", "privateKey": "p", "apiV3Key": "k",
      "publicKeyId": "PUB_KEY_ID_1"}, "go together"),
])
def test_bad_merchant_entries_are_refused_by_name(entry, message):
    with pytest.raises(merchants.ConfigError) as raised:
        merchants.parse(json.dumps([entry]))
    assert message in raised.value.message and "WXBASE_MERCHANTS[0]" in raised.value.message


def test_the_signed_messages_are_those_of_wechat_pays_documented_examples():
    # WeChat Pay's signing guide: GET /v3/certificates at 1554208460 with nonce 593BEC0C…, an empty body
    assert crypto.request_message("GET", "/v3/certificates", "1554208460", "593BEC0C930BF1AFEB40B4A08C8FB242",
                                  b"") == b"GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n"
    # a query string is part of the signed URL; the body is signed as sent (bytes, not re-encoded)
    body = '{"mchid":"1900000109","description":"Image形象店"}'.encode()
    path = "/v3/pay/transactions/out-trade-no/1217752501?mchid=1230000109"
    assert crypto.request_message("GET", path, "1", "n", b"") == b"GET\n" + path.encode() + b"\n1\nn\n\n"
    assert crypto.request_message("POST", "/v3/pay/transactions/jsapi", "1", "n", body).endswith(b"\n" + body + b"\n")
    # answers and notifications: timestamp, nonce, body, each followed by a newline
    assert crypto.response_message("1554209980", "c5ac7061fccab6bf3e254dcf98995b8c", b'{"a":1}') == \
        b'1554209980\nc5ac7061fccab6bf3e254dcf98995b8c\n{"a":1}\n'
