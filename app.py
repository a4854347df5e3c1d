"""wxbase: the Chalice app. Routes live in chalicelib/routes; event handlers here are thin wrappers.

Keep this module light: every Lambda of the bundle imports it, so heavy modules are imported where used.
Event handlers are declared here (not in blueprints) so that deployed Lambdas import app.py and its middleware;
each is one module of chalicelib/jobs, named as its Lambda.
"""
from chalice import Chalice, Rate

from chalicelib import functions as team_code
from chalicelib.core import logs, snapstart
from chalicelib.functions.schedule import tick_minutes
from chalicelib.records.schema.collections import check_at_start
from chalicelib.routes import (admin, batch, callback, console, files, functions as functions_routes,
                               imports as import_routes, login, logs as logs_routes, messages, middleware, pay, realtime,
                               records as records_routes, system, userdata, wechat_extras, wechat_tokens)

app = Chalice(app_name="wxbase", configure_logs=False)
app.experimental_feature_flags.update(["WEBSOCKETS"])  # the realtime WebSocket API (chalicelib/realtime)
logs.configure()
# Under SnapStart, state that must not be shared by the copies resumed from one snapshot is reset in each.
snapstart.install()
# A collections file that can't load stops the start here (the Lambda's init fails, `make dev` exits) with one
# message naming the collection and field, instead of a 500 on every request.
check_at_start()
# The team's own code (functions/, docs/functions.md): its functions, hooks and schedules register as it imports.
team_code.load()


@app.middleware("http")
def http_middleware(event, get_response):
    return middleware.handle(event, get_response)


app.register_blueprint(system.bp)
app.register_blueprint(login.bp)
app.register_blueprint(userdata.bp)
app.register_blueprint(messages.bp)
app.register_blueprint(records_routes.bp)
app.register_blueprint(batch.bp)
app.register_blueprint(files.bp)
app.register_blueprint(callback.bp)
app.register_blueprint(wechat_tokens.bp)
app.register_blueprint(wechat_extras.bp)
app.register_blueprint(admin.bp)
app.register_blueprint(import_routes.bp)
app.register_blueprint(logs_routes.bp)
app.register_blueprint(console.bp)
app.register_blueprint(functions_routes.bp)
app.register_blueprint(realtime.bp)
app.register_blueprint(pay.bp)


# The non-HTTP Lambdas: each is chalicelib/jobs/<its name>.py, imported on first use, and handed its event as a dict.
# The queue name and stream ARN are placeholders that infra/template.yaml replaces with the resources it creates.
@app.on_sqs_message(queue="wxbase-callbacks", batch_size=10, name="callback_worker")
@logs.per_invocation
def callback_worker(event):
    from chalicelib.jobs import callback_worker as job

    return job.handle(event.to_dict())


@app.on_dynamodb_record(stream_arn="arn:aws:dynamodb:us-east-1:000000000000:table/wxbase/stream/placeholder",
                        batch_size=100, name="record_stream")
@logs.per_invocation
def record_stream(event):
    from chalicelib.jobs import record_stream as job

    return job.handle(event.to_dict())


@app.schedule(Rate(5, unit=Rate.MINUTES), name="token_refresher")
@logs.per_invocation
def token_refresher(event):
    from chalicelib.jobs import token_refresher as job

    return job.handle(event.to_dict())


@app.schedule(Rate(1, unit=Rate.MINUTES), name="send_subscribe_messages")
@logs.per_invocation
def send_subscribe_messages(event):
    from chalicelib.jobs import send_subscribe_messages as job

    return job.handle(event.to_dict())


@app.schedule(Rate(1, unit=Rate.HOURS), name="sweep_uploads")
@logs.per_invocation
def sweep_uploads(event):
    from chalicelib.jobs import sweep_uploads as job

    return job.handle(event.to_dict())


@app.schedule(Rate(1, unit=Rate.DAYS), name="backup_export")
@logs.per_invocation
def backup_export(event):
    from chalicelib.jobs import backup_export as job

    return job.handle(event.to_dict())


# WeChat Pay's trade bill of yesterday (China time) against the payments records, for every merchant.
@app.schedule(Rate(1, unit=Rate.DAYS), name="reconcile_payments")
@logs.per_invocation
def reconcile_payments(event):
    from chalicelib.jobs import reconcile_payments as job

    return job.handle(event.to_dict())


# One dispatcher for every @every function of the team's code, ticking at the gcd of their periods.
@app.schedule(Rate(tick_minutes(), unit=Rate.MINUTES), name="functions_schedule")
@logs.per_invocation
def functions_schedule(event):
    from chalicelib.jobs import functions_schedule as job

    return job.handle(event.to_dict())


# The realtime WebSocket API (docs/realtime.md): API Gateway calls these; under make dev, devserver/websocket.py does.
@app.on_ws_connect(name="realtime_connect")
@logs.per_invocation
def realtime_connect(event):
    from chalicelib.jobs import realtime_connect as job

    return job.handle(event.to_dict())


@app.on_ws_message(name="realtime_message")
@logs.per_invocation
def realtime_message(event):
    from chalicelib.jobs import realtime_message as job

    return job.handle(event.to_dict())


@app.on_ws_disconnect(name="realtime_disconnect")
@logs.per_invocation
def realtime_disconnect(event):
    from chalicelib.jobs import realtime_disconnect as job

    return job.handle(event.to_dict())
