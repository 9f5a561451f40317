"""Every error this package raises, in one hierarchy.

::

    JinaExtError                       base of everything raised here
    ├── JinaConfigError (ValueError)   bad input, caught before anything is sent
    │   ├── MissingJinaKeyError        no key where one is required
    │   ├── InvalidJinaKeyError        empty, or not all visible ASCII (whitespace, ...)
    │   ├── HeaderConflictError        one header given twice with two values
    │   ├── UnknownModelError          a name the catalogue does not know (strict look-ups)
    │   ├── ModelModuleMismatchError   model used with a module that cannot serve it
    │   ├── InvalidDimensionsError     dimensions the model cannot produce
    │   └── InvalidTaskError           task the model does not accept
    ├── JinaModuleNotEnabledError      the Weaviate server lacks a Jina module
    ├── JinaAPIError                   the Jina API (or a compatible server) said no
    │   ├── JinaBadRequestError        400 / 422: the request itself is wrong
    │   ├── JinaAuthenticationError    401: key missing or invalid
    │   ├── JinaPaymentRequiredError   402 / 403 balance: top up the account
    │   ├── JinaRateLimitError         429: slow down (carries retry_after)
    │   └── JinaServerError            5xx / 524: the service failed
    ├── JinaUnreachableError           the API could not be reached (raised as a subclass
    │                                  of the httpx error too: httpx.ConnectError, ...)
    ├── ImportAbortedError             an import stopped early; .cause says why
    ├── ImportIncompleteError          some objects of an import were not stored
    ├── ServiceTimeoutError (TimeoutError)  a rig service did not become ready
    └── WeaviateRigError               the test rig could not provide a Weaviate
        ├── ComposeFileError (ValueError)  compose file missing, malformed or unpinned
        ├── WeaviateBinaryError        no usable weaviate-server binary
        ├── WeaviateBackendError       the requested backend is not available here
        └── WeaviateStartError         a Weaviate process exited before it was ready

The library's errors are exported from ``weaviate_jina_ext``; the rig's
(:class:`ServiceTimeoutError`, :class:`WeaviateRigError` and below, and
``RigNotStartedError`` of the rig's own services) from ``weaviate_jina_ext.testing``.

Messages name the parameter, the bad value, the allowed values and the fix. None of them
ever carries an API key: keys are shown masked (``jina_…abcd``) or not at all. As a last
line of defence every error clears its own message of keys when it is built, and
:class:`JinaAPIError` keeps only scrubbed copies of the request and response (see
:mod:`weaviate_jina_ext._secrets`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from weaviate_jina_ext._secrets import scrub_request, scrub_response, scrub_text

if TYPE_CHECKING:
    import httpx

    from weaviate_jina_ext._import._types import ImportReport

__all__ = [
    "ImportAbortCause",
    "ImportIncompleteError",
    "ImportAbortedError",
    "WeaviateStartError",
    "WeaviateRigError",
    "WeaviateBinaryError",
    "WeaviateBackendError",
    "ComposeFileError",
    "HeaderConflictError",
    "InvalidDimensionsError",
    "InvalidJinaKeyError",
    "InvalidTaskError",
    "JinaAPIError",
    "JinaAuthenticationError",
    "JinaBadRequestError",
    "JinaConfigError",
    "JinaExtError",
    "JinaModuleNotEnabledError",
    "JinaPaymentRequiredError",
    "JinaRateLimitError",
    "JinaServerError",
    "JinaUnreachableError",
    "MissingJinaKeyError",
    "ModelModuleMismatchError",
    "ServiceTimeoutError",
    "UnknownModelError",
]


#: Why an import stopped (:attr:`ImportAbortedError.cause`), so callers can act without
#: parsing text: ``"auth"`` (Jina refused the key: 401), ``"missing_key"`` (Weaviate had no
#: key to send), ``"payment"`` (402/403: no balance), ``"missing_module"`` (the server lacks
#: the collection's Jina module), ``"collection_gone"`` (the collection does not exist),
#: ``"closed_client"`` (the Weaviate client is closed), ``"permission"`` (the Weaviate user
#: may not write), ``"unavailable"`` (the circuit breaker: Weaviate or Jina stayed
#: unreachable), ``"input"`` (the caller's iterable raised), ``"other"`` (a reason not
#: listed here).
ImportAbortCause = Literal[
    "auth",
    "missing_key",
    "payment",
    "missing_module",
    "collection_gone",
    "closed_client",
    "permission",
    "unavailable",
    "input",
    "other",
]


class JinaExtError(Exception):
    """Base class of every error raised by weaviate-jina-ext.

    Text arguments are cleared of keys when the error is built (see
    :func:`~weaviate_jina_ext._secrets.scrub_text`), whatever the message was made of.
    """

    def __init__(self, *args: object, **kwargs: Any) -> None:  # noqa: ANN401 - passed on
        # Keyword arguments go to a cooperating base (httpx's errors take ``request=``).
        super().__init__(*(scrub_text(a) if isinstance(a, str) else a for a in args), **kwargs)


class JinaConfigError(JinaExtError, ValueError):
    """Bad input detected before any request was sent or anything was written."""


class MissingJinaKeyError(JinaConfigError):
    """A Jina API key is required but none was given or found in the environment."""


class InvalidJinaKeyError(JinaConfigError):
    """The Jina API key is empty or has characters a header cannot carry.

    Whitespace, control characters (which could inject headers) and non-ASCII characters
    (which no HTTP header can encode) are refused before the key is ever sent.
    """


class HeaderConflictError(JinaConfigError):
    """The same header was given twice with different values."""


class UnknownModelError(JinaConfigError):
    """A model name the catalogue does not know, where a known one is required."""


class ModelModuleMismatchError(JinaConfigError):
    """The model cannot be served by the Weaviate module it was configured for."""


class InvalidDimensionsError(JinaConfigError):
    """The requested output dimensions are not produced by the model."""


class InvalidTaskError(JinaConfigError):
    """The task (LoRA adapter) is not accepted by the model."""


class JinaModuleNotEnabledError(JinaExtError):
    """The Weaviate server does not have the requested Jina module enabled."""

    def __init__(self, message: str, *, module: str, enabled: tuple[str, ...]) -> None:
        super().__init__(message)
        self.module = module
        self.enabled = enabled


class JinaAPIError(JinaExtError):
    """The Jina API, or a Jina-compatible server, answered with an error.

    Attributes:
        status_code: The HTTP status of the answer.
        detail: The ``detail`` text the API sent, cleared of keys.
        code: The API's machine-readable ``code`` when it sent one.
        request: A copy of the request that failed, its credential headers masked
            (``Authorization: Bearer jina_…abcd``).
        response: A copy of the response that carried the error, its headers and body
            cleared of keys; ``response.request`` is the masked request.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        detail: str = "",
        code: str | None = None,
        request: httpx.Request | None = None,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.detail = scrub_text(detail)
        self.code = None if code is None else scrub_text(code)
        self.request = None if request is None else scrub_request(request)
        self.response = None if response is None else scrub_response(response, self.request)


class JinaBadRequestError(JinaAPIError):
    """400 or 422: the request is malformed or names something the API rejects."""


class JinaAuthenticationError(JinaAPIError):
    """401: the key is missing or invalid."""


class JinaPaymentRequiredError(JinaAPIError):
    """402, or 403 with an insufficient balance: the account needs tokens."""


class JinaRateLimitError(JinaAPIError):
    """429: too many requests or tokens per minute, or too many concurrent requests.

    Attributes:
        retry_after: Seconds the API asked to wait (``Retry-After``), when it said.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        detail: str = "",
        code: str | None = None,
        request: httpx.Request | None = None,
        response: httpx.Response | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            message,
            status_code=status_code,
            detail=detail,
            code=code,
            request=request,
            response=response,
        )
        self.retry_after = retry_after


class JinaServerError(JinaAPIError):
    """5xx or 524: the service failed; the same request may succeed later."""


class JinaUnreachableError(JinaExtError):
    """The Jina API (``base_url``) could not be reached, after every retry.

    Raised as a subclass of the httpx transport error that happened too (``httpx.ConnectError``,
    ``httpx.ReadTimeout``, ...), so ``except httpx.TransportError`` and its subclasses still
    catch it; that error is its ``__cause__``. ``request`` is a copy with credential
    headers masked.
    """


class ServiceTimeoutError(JinaExtError, TimeoutError):
    """A service of the test rig did not become ready in time.

    Attributes:
        service: What was being waited for (for example ``"weaviate"``).
        url: Where it was polled.
        waited: Seconds waited.
        last_error: The last error or status seen, if any.
    """

    def __init__(
        self,
        message: str,
        *,
        service: str,
        url: str,
        waited: float,
        last_error: str | None = None,
    ) -> None:
        super().__init__(message)
        self.service = service
        self.url = url
        self.waited = waited
        self.last_error = last_error


class WeaviateRigError(JinaExtError):
    """Base of the errors raised while providing a Weaviate for tests."""


class ComposeFileError(WeaviateRigError, ValueError):
    """The compose file is missing, malformed, unpinned, or a required variable is unset."""


class WeaviateBinaryError(WeaviateRigError):
    """No usable ``weaviate-server``: not found, not executable, or the build failed."""


class WeaviateBackendError(WeaviateRigError):
    """The requested backend cannot be used here (no Docker, no ``WEAVIATE_URL``, ...)."""


class WeaviateStartError(WeaviateRigError):
    """A Weaviate process exited before it became ready.

    Attributes:
        returncode: The process's exit status.
        log_tail: The last lines of its log.
    """

    def __init__(self, message: str, *, returncode: int | None, log_tail: str) -> None:
        super().__init__(message)
        self.returncode = returncode
        self.log_tail = log_tail


class ImportIncompleteError(JinaExtError):
    """Some objects of an import were not stored (raised by ``raise_for_failures``).

    Attributes:
        report: The import's report; ``report.failed`` lists every missing object.
    """

    def __init__(self, message: str, *, report: ImportReport) -> None:
        super().__init__(message)
        self.report = report


class ImportAbortedError(JinaExtError):
    """An import stopped early because continuing could store nothing.

    Raised on a wrong or missing Jina key (401), an empty Jina balance (402/403), a Jina
    module the server lacks, a collection that does not exist, a closed client or missing
    write permissions. The message names the fix; :attr:`cause` names the case::

        except ImportAbortedError as exc:
            if exc.cause == "auth":
                ...  # ask for another key

    Attributes:
        report: What was done before stopping (objects read so far; those in flight are
            listed in ``report.failed``).
        reason: What Weaviate said, with any key masked.
        cause: Why, as one of :data:`ImportAbortCause`.
    """

    def __init__(
        self,
        message: str,
        *,
        report: ImportReport,
        reason: str,
        cause: ImportAbortCause = "other",
    ) -> None:
        super().__init__(message)
        self.report = report
        self.reason = scrub_text(reason)
        self.cause: ImportAbortCause = cause
