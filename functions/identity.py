"""`POST /api/functions/whoami`: the caller's identity in the app they signed in through (what a cloud function's
getWXContext() gives: OPENID, APPID, UNIONID), for a user of any mini-program of the deployment."""
from chalicelib.functions import function


@function("whoami", auth="user")
def whoami(ctx, body):
    """The signed-in user's id, appid, openid and unionid."""
    return {"id": ctx.user_id, "appid": ctx.appid, "openid": ctx.openid, "unionid": ctx.unionid}
