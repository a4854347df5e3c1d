"""Realtime for mini-programs (docs/realtime.md): subscriptions over API Gateway WebSockets.

protocol (the messages), sockets (the $connect/$default/$disconnect handlers), audience (what one subscriber sees
of one change: their rules, their rendering), fanout (the stream step: feed, then subscribers), feed (the change
feed, for catching up and for polling), push (the @connections API). Connections and subscriptions are kept by
store/connections.py.
"""
