"""Error pages in the site's layout: nothing reaches the user as a bare 500."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from benefit.extensions import db

log = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Check what you sent and try again.")),
    403: (_l("Not allowed"), _l("You do not have permission to do that.")),
    404: (_l("Page not found"), _l("There is nothing at this address. It may have been moved or hidden.")),
    405: (_l("Method not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("Too large"), _l("What you sent is larger than this site accepts (1 MB).")),
    429: (_l("Slow down"), _l("Too many requests in a short time.")),
    500: (_l("Something went wrong"), _l("An error on our side stopped this page. It has been logged.")),
}


def render_error(code: int, detail: str | None = None, retry_after: str | None = None) -> str:
    title, message = MESSAGES.get(code, (_l("Error"), _l("Something went wrong.")))
    return render_template(
        "errors/error.html",
        code=code,
        title=title,
        message=detail or message,
        retry_after=retry_after,
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_error(
            400, _("The form expired or was sent from elsewhere. Go back, reload it and try again.")
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        detail = error.description if code in (400, 403, 404) and error.description else None
        if detail and detail == type(error).description:
            detail = None
        retry_after = None
        if code == 429:
            retry_after = str(error.description)
        return render_error(code, detail, retry_after), code

    @app.errorhandler(Exception)
    def unhandled(error: Exception) -> tuple[str, int]:
        if app.testing:
            raise error  # a test sees the traceback, not a polite page
        log.exception("unhandled error")
        # The one rollback outside an action: the failed request's transaction would otherwise
        # break the error page itself (its header reads the member and their unread count).
        db.session.rollback()
        return render_error(500), 500
