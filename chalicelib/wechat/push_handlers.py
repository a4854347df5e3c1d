"""Code that reacts to pushed messages and events, registered with decorators and run by the callback worker.

    from chalicelib.wechat.push_handlers import on_event

    @on_event("user_enter_tempsession")
    def greet(message):
        message.reply({"msgtype": "text", "text": {"content": "Welcome! How can we help?"}})

Register in a module that app.py imports (handlers must be known in the worker Lambda, which imports app.py).
A handler that raises is retried through the queue (each handler at most once per success: finished handlers are
recorded and skipped on a retry) and the message lands in the dead-letter queue after the last attempt.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Registration:
    name: str
    fn: object
    msg_types: frozenset
    events: frozenset
    appid: str = None

    def matches(self, message):
        if self.appid and self.appid != message.appid:
            return False
        if self.events:
            return message.msg_type == "event" and message.event in self.events
        return message.msg_type in self.msg_types


_registry = []


def _register(fn, msg_types=(), events=(), appid=None):
    name = f"{fn.__module__}.{fn.__qualname__}"
    _registry[:] = [r for r in _registry if r.name != name]  # re-registering replaces (module reloads)
    _registry.append(Registration(name, fn, frozenset(msg_types), frozenset(events), appid))
    return fn


def on_event(*events, appid=None):
    """Run the function for pushes with MsgType `event` and one of these Event values (e.g. `subscribe_msg_popup_event`)."""
    def decorator(fn):
        return _register(fn, events=events, appid=appid)

    return decorator


def on_message(*msg_types, appid=None):
    """Run the function for user messages of these MsgTypes (`text`, `image`, `miniprogrampage`, ...)."""
    def decorator(fn):
        return _register(fn, msg_types=msg_types, appid=appid)

    return decorator


def unregister(fn):
    _registry[:] = [r for r in _registry if r.fn is not fn]


def handlers_for(message):
    return [r for r in _registry if r.matches(message)]
