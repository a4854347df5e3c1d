"""Request rate limits with PocketBase's rule format: the rules (rules.py) and their check on each request
(request_limits.py). Budgets on WeChat's paid calls are wechat/budgets.py; docs/limits.md describes both.
"""
