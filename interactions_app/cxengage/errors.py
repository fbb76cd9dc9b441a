"""One application error type, with a subclass per way the upstream can fail.

Each carries a plain-language title and message for the supervisor and the HTTP status the
dashboard answers with. Messages never contain credentials, tokens or response bodies.
"""

from __future__ import annotations


class CxEngageError(Exception):
    title = "The interactions service had a problem"
    message = "The CxEngage API did not answer as expected. Try again in a moment."
    status_code = 502
    retryable = True

    def __init__(self, detail: str = "", *, upstream_status: int | None = None) -> None:
        self.detail = detail  # for the log line, never shown to the user
        self.upstream_status = upstream_status
        super().__init__(detail or self.title)


class UpstreamUnreachable(CxEngageError):
    title = "CxEngage cannot be reached"
    message = (
        "The dashboard could not connect to the CxEngage API. It may be down or the network is out."
    )
    status_code = 503


class UpstreamTimeout(CxEngageError):
    title = "CxEngage is taking too long"
    message = "The CxEngage API did not answer in time. It may be overloaded; try again shortly."
    status_code = 504


class Unauthorized(CxEngageError):
    title = "CxEngage rejected the dashboard's credentials"
    message = (
        "The API key or user configured for this dashboard was not accepted. "
        "An administrator needs to check CXENGAGE_API_KEY / CXENGAGE_USERNAME."
    )
    retryable = False


class Forbidden(CxEngageError):
    title = "No access to this tenant"
    message = (
        "The dashboard's credentials are valid but lack the INTERACTIONS_API_READ_ALL permission "
        "for this tenant."
    )
    retryable = False


class NotFound(CxEngageError):
    title = "Interaction not found"
    message = "There is no interaction with this id on this tenant. Check the link or search again."
    status_code = 404
    retryable = False


class RateLimited(CxEngageError):
    title = "CxEngage is rate-limiting requests"
    message = "Too many requests reached the CxEngage API at once. Wait a few seconds and retry."
    status_code = 429

    def __init__(self, detail: str = "", *, retry_after: float | None = None, **kwargs) -> None:
        super().__init__(detail, **kwargs)
        self.retry_after = retry_after


class UpstreamServerError(CxEngageError):
    title = "CxEngage had an internal error"
    message = "The CxEngage API reported an error on its side. It usually clears by itself."


class BadRequest(CxEngageError):
    title = "CxEngage refused the query"
    message = "The CxEngage API did not accept these search parameters."
    status_code = 400
    retryable = False


class BadResponse(CxEngageError):
    title = "CxEngage sent an unreadable answer"
    message = "The CxEngage API answered with data the dashboard could not read."


class ArtifactNotFound(NotFound):
    title = "Recording or file not found"
    message = (
        "CxEngage has no such recording, transcript, email or file for this interaction. "
        "Reload the interaction to see what it has."
    )


class LinkRefused(CxEngageError):
    title = "The file's download link was refused"
    message = (
        "CxEngage's file storage did not accept the download link (it may have expired). "
        "Try again: the dashboard asks for a new link each time."
    )


class FileHostNotAllowed(CxEngageError):
    title = "The file is kept somewhere the dashboard does not download from"
    message = (
        "CxEngage gave a download link on a host the dashboard is not configured to trust. "
        "An administrator can allow that host with CXENGAGE_FILE_HOSTS."
    )
    retryable = False
