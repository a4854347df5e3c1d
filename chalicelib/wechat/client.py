"""One app's WeChat API client: every call that needs the app's access_token goes through here.

The token comes from an injected source (wechat/tokens.py's central store by default). A token WeChat rejects
(40001/40014/42001) is reported to the source with the moment it was taken, so the source can tell a newer token from
one as old (and as void) as the rejected one; it refreshes once for everybody and the call is retried once. A second
rejection is recorded on the source for operators and reported to the caller, never looped on. API families
(security.py, subscribe_send.py, phone_number.py, customer_service.py, …) are thin functions over this client.
"""
from __future__ import annotations

import time
from typing import Any, Protocol

from chalicelib.core import logs
from chalicelib.core.settings import WeChatApp
from chalicelib.wechat import tokens, transport
from chalicelib.wechat.errcodes import WeChatError


class TokenSource(Protocol):
    def access_token(self, app: WeChatApp) -> str: ...

    def replace_rejected(self, app: WeChatApp, rejected: str, since: float) -> str: ...

    def rejected_after_refresh(self, app: WeChatApp, token: str, errcode: int) -> None: ...


class WeChatClient:
    def __init__(self, app: WeChatApp, tokens: TokenSource) -> None:
        self.app = app
        self.tokens = tokens

    def call(self, method: str, path: str, params: dict[str, Any] | None = None, json_body: Any = None,
             expect_json: bool = True) -> Any:
        taken_at = time.time()
        token = self.tokens.access_token(self.app)
        try:
            return transport.call(method, path, params={**(params or {}), "access_token": token},
                                  json_body=json_body, expect_json=expect_json)
        except WeChatError as exc:
            if not exc.is_token_error:
                raise
            logs.event("wechat.token_rejected", api=path, appid=self.app.appid, errcode=exc.errcode)
            token = self.tokens.replace_rejected(self.app, token, taken_at)
        try:
            return transport.call(method, path, params={**(params or {}), "access_token": token},
                                  json_body=json_body, expect_json=expect_json)
        except WeChatError as again:
            if again.is_token_error:
                self.tokens.rejected_after_refresh(self.app, token, again.errcode)
            raise


def for_app(app: WeChatApp) -> WeChatClient:
    """The app's client over the central token store."""
    return WeChatClient(app, tokens.central_store())
