"""Code that reacts to pushed messages and events, registered with decorators and run by the callback worker.

    from chalicelib.wechat.push_handlers import on_event

    @on_event("user_enter_tempsession")
    def greet(message):
        message.reply({"msgtype": "text", "text": {"content": "Welcome! How can we help?"}})

Register in a module that app.py imports (handlers must be known in the worker Lambda, which imports app.py).
A handler that raises is retried through the queue (each handler at most once per success: finished handlers are
recorded and skipped on a retry) and the message lands in the dead-letter queue after the last attempt.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Registration:
    name: str
    fn: Callable[[Any], Any]
    msg_types: frozenset[str]
    events: frozenset[str]
    appid: str | None = None

    def matches(self, message: Any) -> bool:
        if self.appid and self.appid != message.appid:
            return False
        if self.events:
            return message.msg_type == "event" and message.event in self.events
        return message.msg_type in self.msg_types


Handler = Callable[[Any], Any]
_registry: list[Registration] = []


def _register(fn: Handler, msg_types: tuple[str, ...] = (), events: tuple[str, ...] = (),
              appid: str | None = None) -> Handler:
    name = f"{fn.__module__}.{fn.__qualname__}"
    _registry[:] = [r for r in _registry if r.name != name]  # re-registering replaces (module reloads)
    _registry.append(Registration(name, fn, frozenset(msg_types), frozenset(events), appid))
    return fn


def on_event(*events: str, appid: str | None = None) -> Callable[[Handler], Handler]:
    """Run the function for pushes with MsgType `event` and one of these Event values (e.g. `subscribe_msg_popup_event`)."""
    def decorator(fn: Handler) -> Handler:
        return _register(fn, events=events, appid=appid)

    return decorator


def on_message(*msg_types: str, appid: str | None = None) -> Callable[[Handler], Handler]:
    """Run the function for user messages of these MsgTypes (`text`, `image`, `miniprogrampage`, ...)."""
    def decorator(fn: Handler) -> Handler:
        return _register(fn, msg_types=msg_types, appid=appid)

    return decorator


def unregister(fn: Handler) -> None:
    _registry[:] = [r for r in _registry if r.fn is not fn]


def handlers_for(message: Any) -> list[Registration]:
    return [r for r in _registry if r.matches(message)]
