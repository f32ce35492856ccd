"""The Python surface: bad inputs, the exception hierarchy, no secret in any message or repr, the stubs."""

import ast
import json
import re
from pathlib import Path

import pytest

import authflow
from authflow import _native

SECRET = "client-secret-Zq81"
REDIRECT = "http://localhost:8080/oauth"
TOKEN_BODY = json.dumps({
    "access_token": "access-token-Xk29", "refresh_token": "refresh-token-Pw37", "id_token": "id-token-Lm55",
    "token_type": "Bearer", "expires_in": 300, "session_secret_extra": "extra-secret-Qa11",
})
SECRETS = [SECRET, "access-token-Xk29", "refresh-token-Pw37", "id-token-Lm55", "extra-secret-Qa11", "the-code-Vb64"]


def config(**kw):
    provider = authflow.Provider.generic("https://as.example/authorize", "https://as.example/token")
    return authflow.ClientConfig(provider, "client", REDIRECT, client_secret=SECRET, **kw)


def authorized():
    flow = authflow.Flow.start(config())
    flow.callback(f"{REDIRECT}?code=the-code-Vb64&state={flow.state_param}")
    flow.exchange_request()
    flow.exchange_response(200, {"Content-Type": "application/json"}, TOKEN_BODY)
    return flow


def test_hierarchy():
    for cls in [authflow.WrongRedirect, authflow.MalformedCallback, authflow.AuthorizationDenied,
                authflow.StateMismatch, authflow.IssuerMismatch, authflow.MissingCode]:
        assert issubclass(cls, authflow.CallbackError)
    for cls in [authflow.ConfigError, authflow.CallbackError, authflow.OAuthError, authflow.UnexpectedResponse,
                authflow.InvalidStateError, authflow.TransportError]:
        assert issubclass(cls, authflow.AuthflowError)
    assert issubclass(authflow.AuthflowError, Exception)


@pytest.mark.parametrize("call, error", [
    (lambda: authflow.Provider.generic("http://as.example/a", "https://as.example/t"), authflow.ConfigError),
    (lambda: authflow.Provider.generic("not a url", "https://as.example/t"), authflow.ConfigError),
    (lambda: authflow.Provider.sipgate("a/b"), authflow.ConfigError),
    (lambda: authflow.Provider.speakap(), authflow.ConfigError),
    (lambda: authflow.Provider.speakap(network="evil.com/x"), authflow.ConfigError),
    (lambda: authflow.Provider.discovery_request("https://as.example", "nope"), authflow.ConfigError),
    (lambda: authflow.ClientConfig(authflow.Provider.phorge("https://p.example"), "", REDIRECT), authflow.ConfigError),
    (lambda: authflow.ClientConfig(authflow.Provider.phorge("https://p.example"), "c", "http://example.com/cb"), authflow.ConfigError),
    (lambda: authflow.ClientConfig(authflow.Provider.phorge("https://p.example"), "c", REDIRECT, scopes=[1]), authflow.ConfigError),
    (lambda: authflow.Flow.start(authflow.ClientConfig(authflow.Provider.phorge("https://p.example"), "c", REDIRECT)), authflow.ConfigError),
    (lambda: authflow.Flow.start(config(params={"state": "x"})), authflow.ConfigError),
    (lambda: authflow.Flow.from_json(config(), "{not json"), authflow.ConfigError),
    (lambda: authflow.Flow.start(config()).callback("::::"), authflow.MalformedCallback),
    (lambda: authflow.Flow.start(config()).callback(f"{REDIRECT}?code=x&state=wrong"), authflow.StateMismatch),
    (lambda: authflow.Flow.start(config()).exchange_request(), authflow.InvalidStateError),
    (lambda: authflow.Flow.start(config()).revocation_request("nonsense"), authflow.ConfigError),
    (lambda: authflow.HttpRequest("DELETE", "https://x.example"), authflow.ConfigError),
    (lambda: authflow.HttpRequest("GET", "https://x.example", headers=[("a",)]), authflow.ConfigError),
    (lambda: authflow.HttpRequest("GET", "https://x.example", body=123), authflow.ConfigError),
    (lambda: authflow.TokenSet.from_json("[]"), authflow.ConfigError),
    (lambda: authflow.Client(config(), store=42), authflow.ConfigError),
])
def test_bad_inputs(call, error):
    with pytest.raises(error) as caught:
        call()
    assert caught.value.kind and caught.value.code.startswith("ERR_")
    assert str(caught.value)


def test_wrong_python_types_are_type_errors():
    with pytest.raises(TypeError):
        authflow.ClientConfig("not a provider", "c", REDIRECT)
    with pytest.raises(TypeError):
        authflow.Flow.start(config(), now="soon")
    with pytest.raises(authflow.ConfigError):  # a number, but not a time
        authflow.Flow.start(config(), now=-1)
    provider = authflow.Provider.generic("https://as.example/authorize", "https://as.example/token")
    with pytest.raises(authflow.ConfigError):
        provider.client_auth = "private_key_jwt"
    with pytest.raises(authflow.ConfigError):
        provider.revocation_endpoint = "http://insecure.example/revoke"


def test_no_secret_in_any_repr_or_message():
    flow = authorized()
    shown = [repr(flow), repr(flow.tokens), str(flow.tokens), repr(flow.config), repr(flow.config.provider),
             repr(flow.authorize(authflow.HttpRequest.get("https://api.example/x"))),
             repr(flow.refresh_request()), repr(authflow.MemoryStore(authorized().tokens))]
    for body in ["<html>" + SECRET + "</html>", "access_token=access-token-Xk29", '{"x": "access-token-Xk29"']:
        f = authorized()
        f.refresh_request()
        try:
            f.refresh_response(500, [("Content-Type", "text/html")], body)
        except authflow.AuthflowError as e:
            shown += [str(e), repr(e), *map(str, e.args), str(vars(e))]
    try:
        f = authorized()
        f.refresh_request()
        f.refresh_response(400, [("Content-Type", "application/json")],
                           json.dumps({"error": "invalid_grant", "error_description": "bad refresh-token-Pw37 " + SECRET}))
    except authflow.OAuthError as e:
        shown += [str(e), repr(e), str(vars(e))]
        assert e.error == "invalid_grant" and e.status == 400
    for text in shown:
        for secret in SECRETS:
            assert secret not in text, f"{secret} leaked in {text!r}"


def test_token_set_accessors_and_round_trip():
    tokens = authorized().tokens
    assert tokens.access_token == "access-token-Xk29" and tokens.refresh_token == "refresh-token-Pw37"
    assert tokens.id_token == "id-token-Lm55" and tokens.token_type == "Bearer"
    assert tokens.extra == {"session_secret_extra": "extra-secret-Qa11"}
    assert tokens.expires_at - tokens.issued_at == 300
    assert not tokens.expires_within(now=tokens.issued_at) and tokens.expires_within(now=tokens.issued_at, skew=300)
    assert tokens.refresh_due(now=tokens.expires_at - 29) and not tokens.refresh_due(now=tokens.expires_at - 31)
    assert authflow.TokenSet.from_json(tokens.to_json()) == tokens
    assert tokens.to_dict()["access_token"] == "access-token-Xk29"


def test_headers_and_bodies_in_many_shapes():
    for headers in ([("Content-Type", "application/json")], {"Content-Type": "application/json"},
                    [["Content-Type", "application/json"]]):
        for body in (TOKEN_BODY, TOKEN_BODY.encode(), bytearray(TOKEN_BODY.encode()), memoryview(TOKEN_BODY.encode())):
            flow = authflow.Flow.start(config())
            flow.callback(f"{REDIRECT}?code=c0de&state={flow.state_param}")
            flow.exchange_request()
            flow.exchange_response(200, headers, body, now=1_700_000_000)
            assert flow.tokens.expires_at == 1_700_000_300


def test_state_names_walk_the_machine():
    flow = authflow.Flow.start(config(), now=1)
    states = [flow.state]
    flow.callback(f"{REDIRECT}?code=c0de&state={flow.state_param}")
    states.append(flow.state)
    flow.exchange_request()
    flow.exchange_response(200, None, TOKEN_BODY, now=2)
    states.append(flow.state)
    flow.refresh_request()
    states.append(flow.state)
    flow.request_failed()
    states.append(flow.state)
    assert states == ["AwaitingCallback", "Exchanging", "Authorized", "Refreshing", "Authorized"]
    assert flow.state_param is None
    with pytest.raises(authflow.InvalidStateError) as caught:
        flow.authorization_url
    assert caught.value.state == "Authorized"


def test_seeded_start_is_deterministic_and_os_entropy_is_not():
    a = authflow.Flow.start(config(), now=1, seed=7).authorization_url
    assert a == authflow.Flow.start(config(), now=1, seed=7).authorization_url
    assert authflow.Flow.start(config(), now=1).authorization_url != authflow.Flow.start(config(), now=1).authorization_url


def test_stub_names_match_the_module():
    stub = Path(_native.__file__).with_name("_native.pyi")
    if not stub.exists():  # the installed wheel ships it next to the module
        stub = Path(__file__).resolve().parents[1] / "python" / "authflow" / "_native.pyi"
    tree = ast.parse(stub.read_text())
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    assert set(classes) == {n for n in authflow.__all__ if n not in ("Response", "__version__")}
    for name, node in classes.items():
        runtime = getattr(_native, name)
        for member in node.body:
            if isinstance(member, ast.FunctionDef) and not member.name.startswith("__"):
                assert hasattr(runtime, member.name), f"{name}.{member.name} is in the stub but not the module"
        public = {m for m in vars(runtime) if not m.startswith("_")}
        declared = {m.name for m in node.body if isinstance(m, ast.FunctionDef)}
        if not issubclass(runtime, BaseException):
            assert public <= declared, f"{name}: {public - declared} missing from the stub"
        else:  # the exceptions: same bases and docstring as the classes the module made
            bases = [b.attr if isinstance(b, ast.Attribute) else b.id for b in node.bases]
            assert bases == [b.__name__ for b in runtime.__bases__], name
            assert ast.get_docstring(node) == runtime.__doc__, name
    assert (Path(_native.__file__).parent / "py.typed").exists()


def test_readme_error_table_matches_the_module():
    """The README's table of exception classes: every class, its base and its attributes, as the module makes them."""
    folder = Path(__file__).resolve().parents[1]
    section = (folder / "README.md").read_text().split("## Errors", 1)[1].split("\n## ", 1)[0]
    rows = [[cell.strip() for cell in line.split("|")[1:-1]] for line in section.splitlines() if line.startswith("| `")]
    stub = ast.parse((folder / "python" / "authflow" / "_native.pyi").read_text())
    declared = {n.name: {a.target.id for a in n.body if isinstance(a, ast.AnnAssign)}
                for n in stub.body if isinstance(n, ast.ClassDef)}
    for name, base, _kind, attributes in rows:
        name, base = name.strip("`"), base.strip("`")
        assert getattr(authflow, name).__bases__[0].__name__ == base, name
        assert set(re.findall(r"`(\w+)`", re.sub(r"\(.*?\)", "", attributes))) == declared[name], name
    exceptions = {n for n in authflow.__all__ if isinstance(getattr(authflow, n), type)
                  and issubclass(getattr(authflow, n), BaseException)}
    assert {row[0].strip("`") for row in rows} == exceptions
