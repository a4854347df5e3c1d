"""Request logs in PocketBase's shape: one entry per HTTP request and per WeChat API call, stored in the table
with a TTL of WXBASE_LOGS_DAYS and written off the request's path (writer.py). admin/request_logs.py reads them
for `/api/logs`."""
