"""The team's own server-side code: every module in this package is imported when a Lambda starts (app.py), and
declares functions, record hooks and schedules with the decorators of chalicelib.functions (docs/functions.md).

Shipped examples: `whoami` (the caller's WeChat identity, for any app of the deployment), the comment hooks
(comments.py: the post's comment count, and a subscribe message to the post's author), and a shop paid with WeChat
Pay (shop.py: `checkout` with a server-side price table, and the hook that ships what was paid for).
"""
