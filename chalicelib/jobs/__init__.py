"""The non-HTTP entry points, one module per Lambda and named as it: each has `handle(event)`, which takes the
Lambda event as a dict. app.py declares each the same way (its trigger, then `handle(event.to_dict())`), and
`make dev` reaches them through app.py too.

    callback_worker          SQS: queued WeChat pushes
    record_stream            the table's DynamoDB stream: realtime fan-out, then after hooks
    token_refresher          every 5 minutes: access tokens renewed ahead of expiry
    send_subscribe_messages  every minute: queued subscribe messages sent
    sweep_uploads            every hour: files of expired, unattached upload tickets deleted
    functions_schedule       the team's @every functions, at the gcd of their periods
    realtime_connect, realtime_message, realtime_disconnect   the WebSocket API's routes
"""
