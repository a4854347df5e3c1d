"""The local HTTP server over a raw socket: unknown routes answer PocketBase's 404 and never echo a header; chunked
bodies are read whole (and the connection stays in step), or refused with a clean 4xx and the connection closed."""
import json
import socket

from tests.stackenv import APP1


def exchange(url, raw, read_all=False):
    host, port = url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(raw)
        if read_all:
            s.shutdown(socket.SHUT_WR)
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            data += chunk
            if not read_all and data.count(b"HTTP/1.1 ") >= 1 and _complete(data):
                break
    return data


def _complete(data):
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False


def responses(data):
    """[(status, headers, body)] of every response in `data`."""
    found = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, v in (ln.decode().split(":", 1) for ln in lines[1:])}
        length = int(headers.get("content-length", "0"))
        found.append((status, headers, rest[:length]))
        data = rest[length:]
    return found


def test_unknown_route_with_authorization_is_404_without_the_token(live, _live_server):
    token = "Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2VuLXZhbHVl.signature-part"
    for path in ("/api/nope", "/nope/deeper?x=1", "/"):
        raw = (f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: {token}\r\nConnection: close\r\n\r\n").encode()
        data = exchange(_live_server.url, raw, read_all=True)
        (status, headers, body), = responses(data)
        assert status == 404, data
        assert json.loads(body) == {"status": 404, "message": "The requested resource wasn't found.", "data": {}}
        assert b"eyJhbGciOiJIUzI1NiJ9" not in data and b"signature-part" not in data


def test_unknown_route_with_a_non_ascii_authorization_is_404(live, _live_server):
    raw = "GET /api/nope HTTP/1.1\r\nHost: x\r\nAuthorization: tökén\r\nConnection: close\r\n\r\n".encode("utf-8")
    (status, _, body), = responses(exchange(_live_server.url, raw, read_all=True))
    assert status == 404 and json.loads(body)["status"] == 404


def chunked(body, sizes):
    out, start = b"", 0
    for size in sizes:
        piece = body[start:start + size]
        out += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        start += size
    return out + b"0\r\n\r\n"


def test_chunked_body_is_read_whole_and_the_connection_stays_in_step(live, _live_server):
    body = json.dumps({"code": "sandbox-chunked-user", "appid": APP1}).encode()
    first = (b"POST /api/wechat/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             b"Transfer-Encoding: chunked\r\n\r\n" + chunked(body, [7, 20, 1000]))
    second = b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    answers = responses(exchange(_live_server.url, first + second, read_all=True))
    assert [a[0] for a in answers] == [200, 200], answers
    assert json.loads(answers[0][2])["meta"]["openid"]
    assert json.loads(answers[1][2])["code"] == 200


def test_malformed_or_oversized_chunked_bodies_are_refused_and_the_connection_closed(live, _live_server):
    bad = [
        b"zz\r\n{}\r\n0\r\n\r\n",  # not a hex size
        b"5\r\n{}\r\n0\r\n\r\n",  # shorter than announced
        b"2\r\n{}",  # cut off
    ]
    for payload in bad:
        raw = (b"POST /api/wechat/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n" + payload + b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
        answers = responses(exchange(_live_server.url, raw, read_all=True))
        assert len(answers) == 1, answers  # nothing after the bad body is taken as a request
        status, headers, body = answers[0]
        assert status == 400 and json.loads(body)["status"] == 400
        assert headers.get("connection", "").lower() == "close"
    huge = chunked(b"x" * (2 * 1024 * 1024), [512 * 1024] * 4)
    raw = (b"POST /api/wechat/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Transfer-Encoding: chunked\r\n\r\n" + huge)
    (status, _, body), = responses(exchange(_live_server.url, raw, read_all=True))
    assert status == 413 and json.loads(body)["status"] == 413


def test_both_content_length_and_chunked_is_refused(live, _live_server):
    raw = (b"POST /api/wechat/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
           b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
    (status, _, _), = responses(exchange(_live_server.url, raw, read_all=True))
    assert status == 400
