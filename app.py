"""wxbase: the Chalice app. Routes live in chalicelib/routes; event handlers here are thin wrappers.

Keep this module light: every Lambda of the bundle imports it, so heavy modules are imported where used.
Event handlers are declared here (not in blueprints) so that deployed Lambdas import app.py and its middleware;
their logic lives in chalicelib/jobs.
"""
from chalice import Chalice, Rate

from chalicelib import functions as team_code
from chalicelib.core import logs
from chalicelib.functions.schedule import tick_minutes
from chalicelib.records.collections import check_at_start
from chalicelib.routes import admin, callback, console, files, login, messages, middleware, realtime, system, userdata
from chalicelib.routes import logs as logs_routes
from chalicelib.routes import functions as functions_routes
from chalicelib.routes import wechat_extras, wechat_tokens
from chalicelib.routes import records as records_routes

app = Chalice(app_name="wxbase", configure_logs=False)
app.experimental_feature_flags.update(["WEBSOCKETS"])  # the realtime WebSocket API (chalicelib/realtime)
logs.configure()
# A collections file that can't load stops the start here (the Lambda's init fails, `make dev` exits) with one
# message naming the collection and field, instead of a 500 on every request.
check_at_start()
# The team's own code (functions/, CONTRACT section 8): its functions, hooks and schedules register as it imports.
team_code.load()


@app.middleware("http")
def http_middleware(event, get_response):
    return middleware.handle(event, get_response)


app.register_blueprint(system.bp)
app.register_blueprint(login.bp)
app.register_blueprint(userdata.bp)
app.register_blueprint(messages.bp)
app.register_blueprint(records_routes.bp)
app.register_blueprint(files.bp)
app.register_blueprint(callback.bp)
app.register_blueprint(wechat_tokens.bp)
app.register_blueprint(wechat_extras.bp)
app.register_blueprint(admin.bp)
app.register_blueprint(logs_routes.bp)
app.register_blueprint(console.bp)
app.register_blueprint(functions_routes.bp)
app.register_blueprint(realtime.bp)


# The queue name is a placeholder that infra/template.yaml replaces with the CallbackQueue it creates.
@app.on_sqs_message(queue="wxbase-callbacks", batch_size=10, name="callback_worker")
@logs.per_invocation
def callback_worker(event):
    from chalicelib.jobs import callback_worker as worker

    return worker.handle(event)


# The stream ARN is a placeholder that infra/template.yaml replaces with the table's stream.
@app.on_dynamodb_record(stream_arn="arn:aws:dynamodb:us-east-1:000000000000:table/wxbase/stream/placeholder",
                        batch_size=100, name="record_stream")
@logs.per_invocation
def record_stream(event):
    from chalicelib.jobs import record_stream as stream

    return stream.handle(event.to_dict())


@app.schedule(Rate(5, unit=Rate.MINUTES), name="token_refresher")
@logs.per_invocation
def token_refresher(event):
    from chalicelib.jobs import token_refresher as refresher

    return refresher.run()


@app.schedule(Rate(1, unit=Rate.MINUTES), name="send_subscribe_messages")
@logs.per_invocation
def send_subscribe_messages(event):
    from chalicelib.jobs import subscribe_sender

    return subscribe_sender.run()


@app.schedule(Rate(1, unit=Rate.HOURS), name="sweep_uploads")
@logs.per_invocation
def sweep_uploads(event):
    from chalicelib.files import uploads

    return {"removed": uploads.sweep()}


# One dispatcher for every @every function of the team's code, ticking at the gcd of their periods.
@app.schedule(Rate(tick_minutes(), unit=Rate.MINUTES), name="functions_schedule")
def functions_schedule(event):
    from chalicelib.functions import schedule

    return schedule.run()


# The realtime WebSocket API (docs/realtime.md): API Gateway calls these; under make dev, devserver/websocket.py does.
@app.on_ws_connect(name="realtime_connect")
@logs.per_invocation
def realtime_connect(event):
    from chalicelib.realtime import sockets

    sockets.connect(event.connection_id)


@app.on_ws_message(name="realtime_message")
@logs.per_invocation
def realtime_message(event):
    from chalicelib.realtime import sockets

    sockets.message(event.connection_id, event.to_dict().get("body"),
                    endpoint=f"https://{event.domain_name}/{event.stage}")


@app.on_ws_disconnect(name="realtime_disconnect")
@logs.per_invocation
def realtime_disconnect(event):
    from chalicelib.realtime import sockets

    sockets.disconnect(event.connection_id)
