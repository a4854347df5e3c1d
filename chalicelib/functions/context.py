"""What the team's code gets as `ctx`: who is calling, records and files as them and as admin, the WeChat client of
their app, and a logger stamped with the request id.

Every records call goes through the records services (records/query/listing.py, records/write/record_writes.py) with an
access.Caller, so the caller's records access is exactly what the HTTP API would give them: rules, hidden fields,
before hooks, counters and cascades included. Identity values (the user record, openid, unionid) are read on first
use and kept for the call.
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Any

from chalicelib.core import logs
from chalicelib.core.errors import invalid
from chalicelib.core.settings import WeChatApp, get_settings
from chalicelib.records import access

_UNSET: Any = object()


class Records:
    """PocketBase's records API in Python, as one caller. Values are what the HTTP API would answer."""

    def __init__(self, caller: access.Caller) -> None:
        self.caller = caller

    def _as(self) -> access.Caller:
        # a fresh per-request memo for each call: records joined by a rule are read again after a write
        return dataclasses.replace(self.caller, memo={})

    def list(self, collection: str, **params: Any) -> dict[str, Any]:
        """`page`, `perPage`, `sort`, `filter`, `fields`, `skipTotal`, `expand`, `cursor` as the list route."""
        from chalicelib.records.query import listing

        return listing.list_records(collection, _params(params), self._as())

    def first(self, collection: str, filter: str = "", **params: Any) -> dict[str, Any] | None:
        """The first record the filter matches (with `sort`), or None."""
        page = self.list(collection, filter=filter, perPage=1, skipTotal=1, **params)
        return page["items"][0] if page["items"] else None

    def view(self, collection: str, record_id: str, **params: Any) -> dict[str, Any]:
        from chalicelib.records.query import listing

        return listing.view(collection, record_id, _params(params), self._as())

    def create(self, collection: str, data: dict[str, Any], **params: Any) -> dict[str, Any]:
        from chalicelib.records.write import record_writes

        return record_writes.create(collection, dict(data), self._as(), _params(params))

    def update(self, collection: str, record_id: str, data: dict[str, Any], **params: Any) -> dict[str, Any]:
        from chalicelib.records.write import record_writes

        return record_writes.update(collection, record_id, dict(data), self._as(), _params(params))

    def delete(self, collection: str, record_id: str) -> None:
        from chalicelib.records.write import record_writes

        record_writes.delete(collection, record_id, self._as())


def _params(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


def quote(value: Any) -> str:
    """A value as a filter literal (PocketBase's pb.filter): strings quoted and escaped, so user input can't
    change the expression."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def filter_text(expression: str, **values: Any) -> str:
    """`filter_text("post = {:id} && author != {:me}", id=x, me=y)`: placeholders replaced by quoted values."""
    for name, value in values.items():
        expression = expression.replace("{:" + name + "}", quote(value))
    return expression


class Files:
    """Record files as one caller: links after the view rule, and direct-upload targets as `/api/files/upload`."""

    def __init__(self, caller: access.Caller) -> None:
        self.caller = caller

    def url(self, collection: str, record_id: str, filename: str, thumb: str | None = None) -> str:
        from chalicelib.records import file_access

        params = {"thumb": thumb} if thumb else {}
        return file_access.download_target(collection, record_id, filename, params, self.caller)[0]

    def upload(self, collection: str, field: str, filename: str, size: int, content_type: str,
               record_id: str | None = None) -> dict[str, Any]:
        from chalicelib.records import file_access

        body = {"collection": collection, "field": field, "filename": filename, "size": size,
                "contentType": content_type, "recordId": record_id}
        return file_access.start_upload({k: v for k, v in body.items() if v is not None}, self.caller)


class WeChat:
    """One app's WeChat API through the central access_token (never fetched here)."""

    def __init__(self, app: WeChatApp) -> None:
        self.app = app
        self.appid = app.appid

    def call(self, method: str, path: str, params: dict[str, Any] | None = None, json_body: Any = None) -> Any:
        """Any WeChat API that takes the app's access_token (errcodes raise wechat.errors.WeChatError)."""
        from chalicelib.wechat import client

        return client.for_app(self.app).call(method, path, params=params, json_body=json_body)

    def send_subscribe_message(self, openid: str, template_id: str, data: dict[str, Any], page: str | None = None,
                               state: str | None = None, lang: str | None = None) -> Any:
        """`cgi-bin/message/subscribe/send` to one of this app's users; WeChat's msgid."""
        from chalicelib.wechat import subscribe_send

        return subscribe_send.send(self.app, subscribe_send.build_body(openid, template_id, data, page, state, lang))

    def send_customer_service_message(self, openid: str, message: dict[str, Any]) -> Any:
        """`cgi-bin/message/custom/send`: `{"msgtype": "text", "text": {"content": "…"}}` and the other types."""
        from chalicelib.wechat import customer_service

        return customer_service.send(self.app, openid, message)

    def check_text(self, openid: str, content: str, scene: int | str = "comment") -> Any:
        """`wxa/msg_sec_check` v2 → a Verdict (`suggest` pass/review/risky, `risky`, `needs_review`)."""
        from chalicelib.wechat import security

        return security.check_text(self.app, openid, content, scene)


class Pay:
    """WeChat Pay for the caller's app (docs/payments.md). `jsapi` charges the caller; the others act on an order of
    the app's merchant by its out_trade_no. Amounts are integers in fen."""

    def __init__(self, context: "Context") -> None:
        self._ctx = context

    def _merchant(self, out_trade_no: str) -> Any:
        """The caller's app's merchant; for code running as the deployment (hooks, schedules, admins), the
        merchant that holds this order."""
        from chalicelib.payments import service

        return service.merchant_for(self._ctx.appid, out_trade_no)

    def jsapi(self, description: str, amount: int, out_trade_no: str | None = None,
              ref: tuple[str, str] | None = None, attach: str | None = None,
              expire_minutes: int | None = None) -> dict[str, Any]:
        """A prepaid order for the caller: what `wx.requestPayment` takes, plus `outTradeNo`. `ref` is
        (collection, record id) of what is paid for."""
        from chalicelib.payments import service

        return service.jsapi(self._ctx.appid, self._ctx.user_id, self._ctx.openid, description, amount,
                             out_trade_no, (ref[0], ref[1]) if ref else None, attach, expire_minutes)

    def query(self, out_trade_no: str) -> dict[str, Any]:
        """WeChat Pay's state of the order, applied to its `payments` record; the record."""
        from chalicelib.payments import service

        return service.query(self._merchant(out_trade_no), out_trade_no)

    def close(self, out_trade_no: str) -> dict[str, Any]:
        from chalicelib.payments import service

        return service.close(self._merchant(out_trade_no), out_trade_no)

    def refund(self, out_trade_no: str, amount: int, reason: str | None = None,
               out_refund_no: str | None = None) -> dict[str, Any]:
        """Refund `amount` fen of a paid order; the same `out_refund_no` again is the same refund."""
        from chalicelib.payments import service

        return service.refund(self._merchant(out_trade_no), out_trade_no, amount, reason, out_refund_no)

    def ship(self, out_trade_no: str, items: list[dict[str, Any]], logistics_type: int = 3) -> Any:
        """Order shipping information (`wxa/sec/order/upload_shipping_info`)."""
        from chalicelib.payments import service

        return service.ship(self._merchant(out_trade_no), out_trade_no, items, logistics_type)


class Logger:
    """Structured log lines (one JSON object each) with the request id and the code's name; secrets are masked."""

    def __init__(self, name: str) -> None:
        self.name = name

    def _log(self, level: int, event: str, fields: dict[str, Any]) -> None:
        logs.event(event, level=level, function=self.name, **fields)

    def info(self, event: str, **fields: Any) -> None:
        self._log(logging.INFO, event, fields)

    def warning(self, event: str, **fields: Any) -> None:
        self._log(logging.WARNING, event, fields)

    def error(self, event: str, **fields: Any) -> None:
        self._log(logging.ERROR, event, fields)


class Context:
    """`ctx`: the caller (`user`, `user_id`, `appid`, `openid`, `unionid`, `is_admin`, `admin`, `service`),
    `records` and `files` as the caller, `admin_records` and `admin_files` as admin, `wechat` (the caller's app),
    `wechat_for(appid)`, `send_subscribe_message(...)`, `pay` (WeChat Pay), `log` and `request_id`."""

    def __init__(self, caller: access.Caller, name: str, service: str | None = None) -> None:
        self.caller = caller
        self.name = name
        self.service = service  # the service key's name when a server called with one
        self.user_id = caller.user_id
        self.appid = caller.appid
        self.is_admin = caller.is_admin
        self.admin = caller.admin
        self.request_id = logs.current_request_id()
        self.log = Logger(name)
        self.records = Records(caller)
        self.files = Files(caller)
        as_admin = access.Caller(is_admin=True, admin=caller.admin if caller.is_admin else None)
        self.admin_records = Records(as_admin)
        self.admin_files = Files(as_admin)
        self.pay = Pay(self)
        self._user: Any = _UNSET
        self._identity: Any = _UNSET
        self._unionid: Any = _UNSET

    @property
    def user(self) -> dict[str, Any] | None:
        """The caller's users record as they see it themselves (None for guests, admins and servers)."""
        if self._user is _UNSET:
            self._user = None
            if self.user_id:
                from chalicelib.records.query import render
                from chalicelib.records import store
                from chalicelib.records.schema.model import USERS

                found = store.get(USERS, self.user_id, consistent=False)
                if found is not None:
                    self._user = render.for_caller(access.collection(USERS), found, self.caller)
        return self._user

    def _identity_item(self) -> dict[str, Any] | None:
        if self._identity is _UNSET:
            self._identity = None
            if self.user_id and self.appid:
                from chalicelib.store import identities

                self._identity = identities.identity_for_app(self.user_id, self.appid)
        return self._identity

    @property
    def openid(self) -> str | None:
        """The caller's openid in the app their token was issued for."""
        item = self._identity_item()
        return item.get("openid") if item else None

    @property
    def unionid(self) -> str | None:
        """The caller's unionid (shared by the apps of one Open Platform account), when WeChat gave one."""
        if self._unionid is _UNSET:
            self._unionid = None
            if self.user_id:
                from chalicelib.store import identities

                self._unionid = identities.unionid_of(self.user_id)
        return self._unionid

    @property
    def wechat(self) -> WeChat | None:
        """The WeChat client of the caller's app (None without one: guests, admins, servers, hooks)."""
        return self.wechat_for(self.appid) if self.appid else None

    def wechat_for(self, appid: str) -> WeChat:
        return WeChat(get_settings().app(appid))

    def send_subscribe_message(self, user: str, template_id: str, data: dict[str, Any], page: str | None = None,
                               appid: str | None = None, send_at: Any = None) -> dict[str, Any]:
        """A subscribe message to a user (record id) in `appid` — by default the caller's app, else the first
        mini-program the user signed in to — sent now or queued for `send_at`, and listed for operators like
        `POST /api/wechat/subscribe-messages`."""
        from chalicelib.messages import subscribe

        appid = appid or self.appid or self.app_of(user)
        if appid is None:
            raise invalid("user", "validation_invalid_value", "The user has no identity in a mini-program.")
        body = {"template_id": template_id, "data": data, "user": user, "appid": appid, "page": page,
                "sendAt": send_at}
        _, result = subscribe.submit({k: v for k, v in body.items() if v is not None}, admin=True)
        return dict(result)

    def app_of(self, user_id: str) -> str | None:
        """The first mini-program of this deployment the user has signed in to (None when none)."""
        from chalicelib.store import identities

        mine = {a.appid for a in get_settings().miniprograms}
        found = sorted(i["appid"] for i in identities.identities(user_id) if i.get("appid") in mine)
        return found[0] if found else None


def for_caller(caller: access.Caller, name: str, service: str | None = None) -> Context:
    return Context(caller, name, service)


def as_admin(name: str) -> Context:
    """The context of code that runs for the deployment itself (after hooks, schedules)."""
    return Context(access.Caller(is_admin=True), name)

