"""wxbase: the Chalice app. Routes live in chalicelib/routes; event handlers here are thin wrappers.

Keep this module light: every Lambda of the bundle imports it, so heavy modules are imported where used.
"""
from chalice import Chalice

from chalicelib.core import logs
from chalicelib.routes import login, middleware, system
from chalicelib.routes import callback as callback_routes
from chalicelib.routes import wechat_tokens

app = Chalice(app_name="wxbase", configure_logs=False)
logs.configure()


@app.middleware("http")
def http_middleware(event, get_response):
    return middleware.handle(event, get_response)


app.register_blueprint(system.bp)
app.register_blueprint(login.bp)
app.register_blueprint(callback_routes.bp)
app.register_blueprint(wechat_tokens.bp)


# Event handlers: thin wrappers (declared here so that deployed Lambdas import app.py); logic is in chalicelib/jobs.
# The queue name is a placeholder that infra/template.yaml replaces with the CallbackQueue it creates.
@app.on_sqs_message(queue="wxbase-callbacks", batch_size=10, name="callback_worker")
def callback_worker(event):
    from chalicelib.jobs import callback_worker as worker

    return worker.handle(event)


@app.schedule("rate(5 minutes)", name="token_refresher")
def token_refresher(event):
    from chalicelib.jobs import token_refresher as refresher

    return refresher.run()
