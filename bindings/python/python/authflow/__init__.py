"""authflow: an OAuth 2.0 authorization-code client with a Rust core.

Two ways to use it, both driving the same state machine:

- ``Client``: the batteries. Loopback ``login()``, token stores, automatic refresh,
  ``get()`` of API resources; every network call goes through the Rust transport
  with the GIL released.
- ``Flow``: sans-IO. It hands out ``HttpRequest`` objects (method, url, headers,
  body) and takes ``(status, headers, body)`` back, for your own HTTP client
  (``httpx.AsyncClient``, aiohttp, ...). ``exchange()``, ``refresh()``, ``send()``
  and ``get()`` on a flow use the Rust transport instead.

Errors are subclasses of ``AuthflowError``; none carries a secret.
"""

from ._native import (
    AuthflowError,
    AuthorizationDenied,
    CallbackError,
    Client,
    ClientConfig,
    ConfigError,
    FileStore,
    Flow,
    HttpRequest,
    HttpResponse,
    InvalidStateError,
    IssuerMismatch,
    MalformedCallback,
    MemoryStore,
    MissingCode,
    OAuthError,
    Provider,
    StateMismatch,
    TokenSet,
    TransportError,
    UnexpectedResponse,
    WrongRedirect,
    __version__,
)

#: What ``Client.get`` and ``Client.send`` return.
Response = HttpResponse

__all__ = [
    "AuthflowError",
    "AuthorizationDenied",
    "CallbackError",
    "Client",
    "ClientConfig",
    "ConfigError",
    "FileStore",
    "Flow",
    "HttpRequest",
    "HttpResponse",
    "InvalidStateError",
    "IssuerMismatch",
    "MalformedCallback",
    "MemoryStore",
    "MissingCode",
    "OAuthError",
    "Provider",
    "Response",
    "StateMismatch",
    "TokenSet",
    "TransportError",
    "UnexpectedResponse",
    "WrongRedirect",
    "__version__",
]
