"""Every error this package raises, in one hierarchy.

::

    JinaExtError                       base of everything raised here
    ├── JinaConfigError (ValueError)   bad input, caught before anything is sent
    │   ├── MissingJinaKeyError        no key where one is required
    │   ├── InvalidJinaKeyError        empty, whitespace or control characters
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
    ├── ImportAbortedError             an import stopped early (bad key, missing module, ...)
    ├── ImportIncompleteError          some objects of an import were not stored
    ├── ServiceTimeoutError (TimeoutError)  a rig service did not become ready
    └── WeaviateRigError               the test rig could not provide a Weaviate
        ├── ComposeFileError (ValueError)  compose file missing, malformed or unpinned
        ├── WeaviateBinaryError        no usable weaviate-server binary
        ├── WeaviateBackendError       the requested backend is not available here
        └── WeaviateStartError         a Weaviate process exited before it was ready

Messages name the parameter, the bad value, the allowed values and the fix. None of them
ever carries an API key: keys are shown masked (``jina_…abcd``) or not at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

    from weaviate_jina_ext._import._types import ImportReport

__all__ = [
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
    "MissingJinaKeyError",
    "ModelModuleMismatchError",
    "ServiceTimeoutError",
    "UnknownModelError",
]


class JinaExtError(Exception):
    """Base class of every error raised by weaviate-jina-ext."""


class JinaConfigError(JinaExtError, ValueError):
    """Bad input detected before any request was sent or anything was written."""


class MissingJinaKeyError(JinaConfigError):
    """A Jina API key is required but none was given or found in the environment."""


class InvalidJinaKeyError(JinaConfigError):
    """The Jina API key is empty or contains whitespace or control characters."""


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
        detail: The ``detail`` text the API sent (never contains the key).
        code: The API's machine-readable ``code`` when it sent one.
        request: The request that failed (its ``Authorization`` header is not shown in reprs).
        response: The response that carried the error.
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
        self.detail = detail
        self.code = code
        self.request = request
        self.response = response


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
    write permissions. The message names the fix.

    Attributes:
        report: What was done before stopping (objects read so far; those in flight are
            listed in ``report.failed``).
        reason: What Weaviate said, with any key masked.
    """

    def __init__(self, message: str, *, report: ImportReport, reason: str) -> None:
        super().__init__(message)
        self.report = report
        self.reason = reason
