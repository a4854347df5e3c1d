"""Limits on what one client may ask for: request rate limits (rules.py, request_limits.py), with PocketBase's rule format.

docs/limits.md describes the rules, their defaults and what each costs.
"""
