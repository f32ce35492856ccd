"""authflow: an OAuth 2.0 authorization-code client with a Rust core.

Two ways to use it, both driving the same state machine:

- ``Client``: the batteries. Loopback ``login()``, token stores, automatic refresh,
  ``get()`` of API resources; every network call goes through the Rust transport
  with the GIL released.
- ``Flow``: sans-IO. It hands out ``HttpRequest`` objects (method, url, headers,
  body) and takes ``(status, headers, body)`` back, for your own HTTP client
  (``httpx.AsyncClient``, aiohttp, ...). ``exchange()``, ``refresh()``, ``send()``
  and ``get()`` on a flow use the Rust transport instead.

Errors are subclasses of ``AuthflowError``, one class per category (``ConfigError``,
``CallbackError``, ``OAuthError``, ...) and below those one per kind that has a name of
its own (``StateMismatch``, ``PortInUse``, ...). Each carries ``kind``, ``code`` and
``category``; none carries a secret.
"""

from . import _native
from ._native import *  # noqa: F401,F403 (every class, exception and __version__: see _native.pyi)
from ._native import HttpResponse

#: What ``Client.get`` and ``Client.send`` return.
Response = HttpResponse

__all__ = ["Response"]
__all__ += _native.__all__
