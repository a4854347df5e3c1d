"""wxbase: the Chalice app. Routes live in chalicelib/routes; event handlers here are thin wrappers.

Keep this module light: every Lambda of the bundle imports it, so heavy modules are imported where used.
"""
from chalice import Chalice

from chalicelib.core import logs
from chalicelib.routes import login, middleware, system
from chalicelib.routes import callback as callback_routes

app = Chalice(app_name="wxbase", configure_logs=False)
logs.configure()


@app.middleware("http")
def http_middleware(event, get_response):
    return middleware.handle(event, get_response)


app.register_blueprint(system.bp)
app.register_blueprint(login.bp)
app.register_blueprint(callback_routes.bp)
