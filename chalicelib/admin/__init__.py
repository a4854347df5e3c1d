"""The admin console's services: sign-in, the audit trail, collections in PocketBase's shape, moderation, users
and operations. Routes (routes/admin.py, routes/console.py) parse and call one function here; record changes go
through the records service as a named admin, so the console can do nothing the API would refuse an admin.
"""
