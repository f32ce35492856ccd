"""The behaviours every binding shares through authflow-bind, as Python sees them.

The Node binding's test/parity.test.mjs checks the same list: provider presets, discovery's
fallback, checked numbers and statuses, store choices, the error attributes and the error
hierarchy.
"""

import contextlib
import json
import math
import pickle
import socket
import threading
import types
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import authflow
from conftest import browser_redirect, config_for

REDIRECT = "http://127.0.0.1:9/cb"
TOKEN_BODY = json.dumps({"access_token": "at-1234", "refresh_token": "rt-1234", "token_type": "Bearer", "expires_in": 300})

#: The error table as the user sees it: category class -> the kind classes below it.
HIERARCHY = {
    "ConfigError": ["PortInUse"],
    "CallbackError": ["WrongRedirect", "MalformedCallback", "AuthorizationDenied", "StateMismatch",
                      "IssuerMismatch", "MissingCode"],
    "OAuthError": [],
    "UnexpectedResponse": ["ApiError"],
    "InvalidStateError": [],
    "TransportError": [],
    "StorageError": [],
    "NotSignedIn": [],
}


@contextlib.contextmanager
def serve(routes):
    """A tiny HTTP server on 127.0.0.1 answering only `routes` ({path: (status, content_type, body(base))}), 404 else."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            status, content_type, body = routes.get(self.path.split("?")[0], (404, "text/plain", lambda _: "not found"))
            payload = body(base).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def generic_config(base="https://as.example", redirect=REDIRECT):
    provider = authflow.Provider.generic(f"{base}/authorize", f"{base}/token")
    return authflow.ClientConfig(provider, "client", redirect, client_secret="secret-1234")


def exchanging(config=None):
    flow = authflow.Flow.start(config or generic_config())
    flow.callback(f"{REDIRECT}?code=c0de&state={flow.state_param}")
    flow.exchange_request()
    return flow


# -- providers -----------------------------------------------------------------------------


def test_sipgate_login_base_alone_keeps_the_real_api():
    provider = authflow.Provider.sipgate(login_base="http://127.0.0.1:9")
    assert provider.token_endpoint == "http://127.0.0.1:9/auth/realms/third-party/protocol/openid-connect/token"
    assert provider.api_base == "https://api.sipgate.com/v2/"
    api_only = authflow.Provider.sipgate(api_base="http://127.0.0.1:9/api")
    assert api_only.token_endpoint.startswith("https://login.sipgate.com/")
    assert api_only.api_base == "http://127.0.0.1:9/api/"
    both = authflow.Provider.sipgate("third-party", login_base="http://127.0.0.1:9", api_base="http://127.0.0.1:9/v2")
    assert both.api_base == "http://127.0.0.1:9/v2/"


def test_specs_as_data():
    spec = {"preset": "sipgate", "login_base": "http://127.0.0.1:9", "issuer": None, "client_auth": "client_secret_basic"}
    provider = authflow.Provider.from_spec(spec)
    assert provider.token_endpoint.startswith("http://127.0.0.1:9/") and provider.api_base == "https://api.sipgate.com/v2/"
    assert provider.issuer is None and provider.client_auth == "client_secret_basic"
    config = authflow.ClientConfig.from_spec(provider, {
        "client_id": "c", "redirect_uri": REDIRECT, "client_secret": "s", "scopes": "openid account:read",
        "extra_params": [("prompt", "login")],
    })
    assert config.scopes == ["openid", "account:read"] and config.has_secret
    assert "prompt=login" in authflow.Flow.start(config).authorization_url
    for bad, message in [
        ({"preset": "phorge", "base_url": "https://p.example", "network": "acme"}, "phorge takes base_url, not network"),
        ({"preset": "generic", "colour": "red"}, "unknown field"),
        ({"preset": "speakap", "network": "acme", "auth_url": "https://x.example"}, "exactly one of"),
        ({"preset": "sipgate", "realm": object()}, "not a JSON value"),
        ({"preset": "sipgate", "realm": math.nan}, "not a JSON value"),
        ("sipgate", "provider spec"),
    ]:
        with pytest.raises(authflow.ConfigError, match=message):
            authflow.Provider.from_spec(bad)
    with pytest.raises(authflow.ConfigError, match="client spec"):
        authflow.ClientConfig.from_spec(provider, {"client_id": "c"})


def test_discovery_falls_back_to_rfc8414_when_openid_configuration_is_404():
    def metadata(base):
        return json.dumps({"issuer": base, "authorization_endpoint": f"{base}/authorize", "token_endpoint": f"{base}/token"})

    with serve({"/.well-known/oauth-authorization-server": (200, "application/json", metadata)}) as base:
        provider = authflow.Provider.discover(base)
    assert provider.issuer == base
    assert (provider.authorization_endpoint, provider.token_endpoint) == (f"{base}/authorize", f"{base}/token")


# -- checked numbers ----------------------------------------------------------------------


@pytest.mark.parametrize("timeout", [0, 0.0, -1, math.nan, math.inf, 1e19])
def test_login_timeout_must_be_positive_and_at_most_a_week(timeout):
    client = authflow.Client(generic_config(redirect="http://127.0.0.1:0/cb"))
    with pytest.raises(authflow.ConfigError, match="login timeout") as caught:
        client.login(timeout=timeout, on_url=lambda url: pytest.fail("the login must not start"))
    assert caught.value.kind == "config"


@pytest.mark.parametrize("status", [99, 600, -1, 0, 70000])
def test_exchange_response_status_must_be_an_http_status(status):
    flow = exchanging()
    with pytest.raises(authflow.ConfigError, match="not an http status"):
        flow.exchange_response(status, [("Content-Type", "application/json")], TOKEN_BODY)
    assert flow.state == "Exchanging"  # refused before the flow saw it: the real answer still counts
    flow.exchange_response(200, [("Content-Type", "application/json")], TOKEN_BODY)
    assert flow.state == "Authorized"


@pytest.mark.parametrize("bad", [-1, math.nan, math.inf, 1e19])
def test_times_and_skews_are_checked(bad):
    flow = authflow.Flow.start(generic_config())
    for call in (lambda: authflow.Flow.start(generic_config(), now=bad), lambda: flow.expires_within(skew=bad),
                 lambda: flow.refresh_due(now=bad), lambda: authflow.Flow.start(generic_config(), seed=bad)):
        with pytest.raises(authflow.ConfigError):
            call()


def test_seeds_are_whole_numbers():
    with pytest.raises(authflow.ConfigError, match="seed"):
        authflow.Flow.start(generic_config(), seed=1.5)
    assert authflow.Flow.start(generic_config(), now=1, seed=7.0).authorization_url == \
        authflow.Flow.start(generic_config(), now=1, seed=7).authorization_url


# -- responses ----------------------------------------------------------------------------


def test_a_body_that_is_not_json_is_unexpected_response():
    with serve({"/page": (200, "text/html", lambda _: "<html>hello</html>")}) as base:
        flow = exchanging(generic_config(base))
        flow.exchange_response(200, [("Content-Type", "application/json")], TOKEN_BODY)
        answer = flow.get(f"{base}/page")
    assert answer.status == 200 and answer.text == "<html>hello</html>"
    with pytest.raises(authflow.UnexpectedResponse) as caught:
        answer.json()
    e = caught.value
    assert (e.kind, e.category, e.status, e.content_type) == ("unexpected_response", "unexpected_response", 200, "text/html")
    assert "not json" in e.summary


# -- stores -------------------------------------------------------------------------------


def sign_in(client):
    flow = client.start()
    return client.finish(flow, browser_redirect(flow.authorization_url))


@pytest.mark.parametrize("choice", ["none", "memory", "str path", "pathlib path", "MemoryStore", "FileStore"])
def test_store_choices(devserver, tmp_path, monkeypatch, choice):
    monkeypatch.chdir(tmp_path)  # a store named "memory" must not become a file here
    path = tmp_path / "tokens.json"
    store = {
        "none": None, "memory": "memory", "str path": str(path), "pathlib path": path,
        "MemoryStore": authflow.MemoryStore(), "FileStore": authflow.FileStore(path),
    }[choice]
    client = authflow.Client(config_for(devserver, "sipgate"), store=store)
    tokens = sign_in(client)
    assert client.tokens == tokens
    assert not (tmp_path / "memory").exists()
    assert path.exists() == (choice in ("str path", "pathlib path", "FileStore"))
    if path.exists():
        assert authflow.FileStore(path).load() == tokens
    if isinstance(store, authflow.MemoryStore):
        assert store.load() == tokens
    second = authflow.Client(config_for(devserver, "sipgate"), store=store)
    assert (second.tokens == tokens) == (choice not in ("none", "memory"))


def test_store_reprs_and_refusals(tmp_path):
    assert repr(authflow.MemoryStore()) == "MemoryStore()"
    assert repr(authflow.FileStore(tmp_path / "t.json")) == f"FileStore({str(tmp_path / 't.json')!r})".replace("'", '"')
    assert authflow.FileStore(str(tmp_path / "t.json")).path == str(tmp_path / "t.json")
    for bad in (42, 1.5, object()):
        with pytest.raises(authflow.ConfigError, match="store must be"):
            authflow.Client(generic_config(), store=bad)


# -- the error attributes -----------------------------------------------------------------


def raised(call):
    with pytest.raises(authflow.AuthflowError) as caught:
        call()
    return caught.value


def test_kind_code_and_category_on_every_error():
    e = raised(lambda: authflow.Flow.start(generic_config()).callback(f"{REDIRECT}?code=x&state=wrong"))
    assert type(e) is authflow.StateMismatch
    assert (e.kind, e.code, e.category) == ("state_mismatch", "ERR_STATE_MISMATCH", "callback")

    e = raised(lambda: authflow.Provider.generic("http://as.example/a", "https://as.example/t"))
    assert type(e) is authflow.ConfigError
    assert (e.kind, e.code, e.category) == ("config", "ERR_CONFIG", "config") and "https" in e.reason

    flow = exchanging()
    body = json.dumps({"error": "invalid_grant", "error_description": "used"})
    e = raised(lambda: flow.exchange_response(400, [("Content-Type", "application/json")], body))
    assert type(e) is authflow.OAuthError
    assert (e.kind, e.code, e.category) == ("oauth", "ERR_OAUTH_INVALID_GRANT", "oauth")
    assert (e.error, e.description, e.uri, e.status) == ("invalid_grant", "used", None, 400)

    e = raised(lambda: authflow.Flow.start(generic_config()).exchange_request())
    assert type(e) is authflow.InvalidStateError
    assert (e.kind, e.code, e.category, e.state) == ("invalid_state", "ERR_INVALID_STATE", "invalid_state", "AwaitingCallback")

    e = raised(lambda: authflow.Flow.start(generic_config()).callback("http://127.0.0.1:9/elsewhere?code=x"))
    assert type(e) is authflow.WrongRedirect
    assert (e.kind, e.category, e.expected, e.got) == ("wrong_redirect", "callback", REDIRECT, "http://127.0.0.1:9/elsewhere")


def test_port_in_use_is_a_config_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        client = authflow.Client(generic_config(redirect=f"http://127.0.0.1:{port}/cb"))
        e = raised(lambda: client.login(timeout=5, on_url=lambda url: None))
    assert type(e) is authflow.PortInUse and isinstance(e, authflow.ConfigError)
    assert (e.kind, e.code, e.category, e.address) == ("port_in_use", "ERR_PORT_IN_USE", "config", f"127.0.0.1:{port}")
    assert e.reason is None  # ConfigError's own field, absent on the subclass


def test_not_signed_in(devserver):
    client = authflow.Client(config_for(devserver, "sipgate"))
    for call in (lambda: client.get("account"), client.refresh, client.valid_tokens):
        e = raised(call)
        assert type(e) is authflow.NotSignedIn
        assert (e.kind, e.code, e.category, e.provider) == ("not_signed_in", "ERR_NOT_SIGNED_IN", "not_signed_in", "sipgate")


def test_storage_errors(tmp_path):
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    for call in (authflow.FileStore(garbage).load, lambda: authflow.Client(generic_config(), store=str(garbage)).tokens):
        e = raised(call)
        assert type(e) is authflow.StorageError
        assert (e.kind, e.code, e.category) == ("storage", "ERR_STORAGE", "storage") and "garbage.json" in e.message
    tokens = exchanging()
    tokens.exchange_response(200, [("Content-Type", "application/json")], TOKEN_BODY)
    (tmp_path / "a-file").write_text("")
    e = raised(lambda: authflow.FileStore(tmp_path / "a-file" / "tokens.json").save(tokens.tokens))
    assert type(e) is authflow.StorageError and "at-1234" not in str(e)


# -- the hierarchy ------------------------------------------------------------------------


def test_every_table_class_sits_below_its_category_and_the_root():
    assert issubclass(authflow.AuthflowError, Exception)
    for category, kinds in HIERARCHY.items():
        category_class = getattr(authflow, category)
        assert category_class.__bases__ == (authflow.AuthflowError,), category
        for kind in kinds:
            kind_class = getattr(authflow, kind)
            assert kind_class.__bases__ == (category_class,), kind
            assert issubclass(kind_class, authflow.AuthflowError)
    table = set(HIERARCHY) | {k for kinds in HIERARCHY.values() for k in kinds} | {"AuthflowError"}
    exported = {n for n in authflow.__all__ if isinstance(getattr(authflow, n), type) and issubclass(getattr(authflow, n), BaseException)}
    assert exported == table
    for name in table:
        cls = getattr(authflow, name)
        assert cls.__module__ == "authflow" and cls.__name__ == name and cls.__doc__


def test_errors_pickle_with_their_attributes():
    e = raised(lambda: authflow.Flow.start(generic_config()).callback("http://127.0.0.1:9/elsewhere?code=x"))
    copy = pickle.loads(pickle.dumps(e))
    assert type(copy) is authflow.WrongRedirect and str(copy) == str(e)
    assert (copy.kind, copy.code, copy.expected, copy.got) == (e.kind, e.code, e.expected, e.got)


def test_all_is_complete():
    assert set(authflow.__all__) == set(authflow._native.__all__) | {"Response"}
    public = {n for n in dir(authflow) if not n.startswith("_") and not isinstance(getattr(authflow, n), types.ModuleType)}
    assert public <= set(authflow.__all__), public - set(authflow.__all__)
    assert all(hasattr(authflow, n) for n in authflow.__all__)
    assert authflow.__version__
