"""Comments on posts: the post's `comments` count is kept by after hooks (users can't set it), and the post's author
gets a subscribe message about each new comment from someone else.

The notice's template is the team's own: set COMMENT_NOTICE_TEMPLATE_ID to a template of the mini-program with two
fields, `thing1` (the comment, 20 characters at most) and `thing2` (who wrote it). Without it no notice is sent.
"""
import os

from chalicelib.functions import ApiError, NotFound, Refused, after, before

COUNT = "comments"


@before("create", "posts")
@before("update", "posts")
def count_is_kept_by_the_server(ctx, write):
    if ctx.is_admin:
        return
    if any(key.strip("+-") == COUNT for key in write.data):
        raise Refused(COUNT, "The comment count is kept by the server.")


def _move_count(ctx, post_id, delta):
    if not post_id:
        return
    try:
        post = ctx.admin_records.view("posts", post_id, fields=f"id,{COUNT}")
        if COUNT not in post or (delta < 0 and post[COUNT] <= 0):
            return  # a collections file without the count field, or nothing left to take off
        ctx.admin_records.update("posts", post_id, {f"{COUNT}{'+' if delta > 0 else '-'}": abs(delta)})
    except NotFound:
        pass  # the post is gone (its comments go with it)


@after("create", "comments")
def count_new_comment(ctx, change):
    _move_count(ctx, change.record.get("post"), +1)


@after("delete", "comments")
def uncount_deleted_comment(ctx, change):
    _move_count(ctx, change.record.get("post"), -1)


@after("update", "comments")
def recount_moved_comment(ctx, change):
    before, now = (change.old or {}).get("post"), change.record.get("post")
    if before != now:
        _move_count(ctx, before, -1)
        _move_count(ctx, now, +1)


@after("create", "comments")
def notify_post_author(ctx, change):
    template = os.environ.get("COMMENT_NOTICE_TEMPLATE_ID")
    comment = change.record
    if not template or not comment.get("post"):
        return
    try:
        post = ctx.admin_records.view("posts", comment["post"], fields="id,owner,title")
    except NotFound:
        return
    author, writer = post.get("owner"), comment.get("author")
    if not author or author == writer:
        return
    name = ""
    if writer:
        try:
            name = ctx.admin_records.view("users", writer, fields="name").get("name") or ""
        except NotFound:
            pass
    data = {"thing1": {"value": (comment.get("text") or "…")[:20]}, "thing2": {"value": (name or "Someone")[:20]}}
    try:
        ctx.send_subscribe_message(author, template, data, page=f"pages/post/post?id={post['id']}")
    except ApiError as exc:
        if exc.status >= 500:
            raise  # WeChat unavailable: the stream retries this change
        # not subscribed (43101), no identity in a mini-program, a bad template: retrying won't change it
        ctx.log.info("comment_notice_not_sent", post=post["id"], status=exc.status, reason=exc.message)
