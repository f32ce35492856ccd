"""Every shared conformance vector (conformance/vectors/*.json), run through the Python API."""

import base64
import hashlib
import json
import urllib.parse
from pathlib import Path

import pytest

import authflow

VECTORS = sorted((Path(__file__).resolve().parents[3] / "conformance" / "vectors").glob("*.json"))

KIND_CLASSES = {
    "config": authflow.ConfigError,
    "wrong_redirect": authflow.WrongRedirect,
    "malformed_callback": authflow.MalformedCallback,
    "authorization_denied": authflow.AuthorizationDenied,
    "state_mismatch": authflow.StateMismatch,
    "issuer_mismatch": authflow.IssuerMismatch,
    "missing_code": authflow.MissingCode,
    "oauth": authflow.OAuthError,
    "unexpected_response": authflow.UnexpectedResponse,
    "invalid_state": authflow.InvalidStateError,
    "transport": authflow.TransportError,
    "port_in_use": authflow.PortInUse,
    "storage": authflow.StorageError,
    "not_signed_in": authflow.NotSignedIn,
}

PROVIDER_KEYS = {
    "preset", "realm", "login_base", "api_base", "network", "network_auth_url", "auth_url", "token_url",
    "base_url", "authorization_endpoint", "token_endpoint", "issuer", "document", "require_iss",
    "client_auth", "pkce", "token_placement", "api_accept", "revocation_endpoint",
}
CLIENT_KEYS = {"client_id", "client_secret", "redirect_uri", "scopes", "nonce", "extra_params"}
STEP_KEYS = {"op", "expect", "now", "url", "response", "request", "token", "skew"}
EXPECT_KEYS = {"error", "state", "authorization_url", "request", "tokens", "warnings", "expires_within", "refresh_due"}


def test_there_are_enough_vectors():
    assert len(VECTORS) >= 30


class Vector:
    """One vector's run; `build` is `spec` (Provider.from_spec, ClientConfig.from_spec) or `arguments`
    (the preset constructors, setters and keyword arguments)."""

    def __init__(self, data, build):
        self.data = data
        self.build = build
        self.flow = None
        self.config = None
        self.values = {}

    # -- inputs --------------------------------------------------------------------------

    def text(self, value):
        """Expands a string generator and substitutes placeholders."""
        if isinstance(value, dict):
            assert set(value) <= {"prefix", "repeat", "count", "suffix"}, value.keys()
            return self.text(value.get("prefix", "")) + value["repeat"] * value["count"] + self.text(value.get("suffix", ""))
        out = value
        while "{{" in out:
            start = out.index("{{")
            end = out.index("}}", start)
            name = out[start + 2 : end]
            assert name in self.values, f"placeholder {name} used before it was learnt"
            out = out[:start] + self.values[name] + out[end + 2 :]
        return out

    def learn(self):
        if self.flow is None:
            return
        saved = json.loads(self.flow.to_json())
        for key, name in (("csrf", "state"), ("verifier", "verifier"), ("nonce", "nonce")):
            if key in saved:
                self.values[name] = saved[key]
        if "verifier" in saved:
            digest = hashlib.sha256(saved["verifier"].encode()).digest()
            self.values["code_challenge"] = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def provider(self):
        spec = self.data["provider"]
        assert set(spec) <= PROVIDER_KEYS, set(spec) - PROVIDER_KEYS
        if self.build == "spec":
            return authflow.Provider.from_spec(spec)
        preset = spec["preset"]
        if preset == "sipgate":
            p = authflow.Provider.sipgate(
                spec.get("realm", "third-party"), login_base=spec.get("login_base"), api_base=spec.get("api_base")
            )
        elif preset == "speakap":
            p = authflow.Provider.speakap(
                network=spec.get("network"),
                network_auth_url=spec.get("network_auth_url"),
                auth_url=spec.get("auth_url"),
                token_url=spec.get("token_url"),
                api_base=spec.get("api_base"),
            )
        elif preset == "phorge":
            p = authflow.Provider.phorge(spec["base_url"])
        elif preset == "generic":
            p = authflow.Provider.generic(spec["authorization_endpoint"], spec["token_endpoint"])
        elif preset == "discovery":
            doc = spec["document"]
            body = doc if isinstance(doc, str) else json.dumps(doc)
            p = authflow.Provider.from_discovery(spec["issuer"], 200, [("Content-Type", "application/json")], body)
        else:
            raise AssertionError(f"unknown preset {preset}")
        if "issuer" in spec and preset != "discovery":
            p.issuer = spec["issuer"]
        for key in ("require_iss", "client_auth", "pkce", "token_placement", "api_accept", "revocation_endpoint"):
            if key in spec:
                setattr(p, key, spec[key])
        return p

    def start(self, now):
        client = self.data["client"]
        assert set(client) <= CLIENT_KEYS, set(client) - CLIENT_KEYS
        if self.build == "spec":
            self.config = authflow.ClientConfig.from_spec(self.provider(), client)
        else:
            self.config = self.config_from_arguments(client)
        self.flow = authflow.Flow.start(self.config, now=now, seed=self.data.get("seed"))
        return self.flow.authorization_url

    def config_from_arguments(self, client):
        return authflow.ClientConfig(
            self.provider(),
            client["client_id"],
            client["redirect_uri"],
            client_secret=client.get("client_secret"),
            scopes=client.get("scopes"),
            params=[tuple(p) for p in client.get("extra_params", [])],
            nonce=client.get("nonce"),
        )

    def response(self, spec):
        assert set(spec) <= {"status", "headers", "body"}, spec.keys()
        headers = [(self.text(n), self.text(v)) for n, v in spec.get("headers", [])]
        return spec["status"], headers, self.text(spec.get("body", "")).encode()

    def request(self, spec):
        assert set(spec) <= {"method", "url", "headers", "body"}, spec.keys()
        headers = [(self.text(n), self.text(v)) for n, v in spec.get("headers", [])]
        return authflow.HttpRequest(spec.get("method", "GET"), self.text(spec["url"]), headers, self.text(spec.get("body", "")))

    # -- steps ---------------------------------------------------------------------------

    def run(self, step):
        op = step["op"]
        now = step.get("now", self.data["now"])
        f = self.flow
        if op == "start":
            return self.start(now)
        if op == "authorization_url":
            return f.authorization_url
        if op == "callback":
            return f.callback(self.text(step["url"]))
        if op == "exchange_request":
            return f.exchange_request()
        if op == "exchange_response":
            return f.exchange_response(*self.response(step["response"]), now=now)
        if op == "refresh_request":
            return f.refresh_request()
        if op == "refresh_response":
            return f.refresh_response(*self.response(step["response"]), now=now)
        if op == "request_failed":
            return f.request_failed()
        if op == "authorize":
            return f.authorize(self.request(step["request"]))
        if op == "revocation_request":
            return f.revocation_request(step["token"])
        if op == "expiry":
            skew = step.get("skew", 0)
            return (f.expires_within(now=now, skew=skew), f.refresh_due(now=now))
        if op == "save_restore":
            saved = f.to_json()
            self.flow = authflow.Flow.from_json(self.config, saved)
            assert self.flow.to_json() == saved
            return None
        raise AssertionError(f"unknown op {op}")

    # -- expectations --------------------------------------------------------------------

    def check(self, step, result, error):
        expect = step.get("expect", {})
        assert set(expect) <= EXPECT_KEYS, set(expect) - EXPECT_KEYS
        if "error" in expect:
            self.check_error(expect["error"], error)
        elif error is not None:
            raise AssertionError(f"unexpected {type(error).__name__}: {error}")
        if "state" in expect:
            got = self.flow.state if self.flow is not None else "none"
            assert got == expect["state"], f"state {got} != {expect['state']}"
        if "authorization_url" in expect:
            assert result == self.text(expect["authorization_url"])
        if "request" in expect:
            self.check_request(expect["request"], result)
        if "tokens" in expect:
            self.check_tokens(expect["tokens"])
        if "warnings" in expect:
            self.check_warnings(expect["warnings"])
        if "expires_within" in expect:
            assert result[0] == expect["expires_within"], "expires_within"
        if "refresh_due" in expect:
            assert result[1] == expect["refresh_due"], "refresh_due"

    def check_error(self, want, error):
        assert error is not None, f"expected a {want['kind']} error, the step succeeded"
        assert isinstance(error, authflow.AuthflowError)
        assert error.kind == want["kind"], f"kind {error.kind} != {want['kind']}: {error}"
        assert isinstance(error, KIND_CLASSES[want["kind"]]), type(error)
        if "oauth_error" in want:
            assert error.error == want["oauth_error"]
        if "status" in want:
            assert error.status == want["status"]
        for key in ("description", "uri"):
            if key in want:
                assert getattr(error, key) == want[key], key
        contains = want.get("message_contains", [])
        for fragment in [contains] if isinstance(contains, str) else contains:
            assert self.text(fragment) in str(error), f"{fragment!r} not in {str(error)!r}"
        excludes = want.get("message_excludes", [])
        for fragment in [excludes] if isinstance(excludes, str) else excludes:
            fragment = self.text(fragment)
            assert fragment not in str(error) and fragment not in repr(error), f"{fragment!r} leaked"
            assert all(fragment not in str(a) for a in error.args)

    def check_request(self, want, got):
        assert isinstance(got, authflow.HttpRequest), got
        if "method" in want:
            assert got.method == want["method"]
        if "url" in want:
            assert got.url == self.text(want["url"])
        if "headers" in want:
            norm = lambda pairs: sorted((n.lower(), v) for n, v in pairs)  # noqa: E731
            assert norm(got.headers) == norm((self.text(n), self.text(v)) for n, v in want["headers"])
        if "body" in want:
            assert got.body.decode() == self.text(want["body"])
        if "form" in want:
            form = urllib.parse.parse_qsl(got.body.decode(), keep_blank_values=True)
            assert sorted(form) == sorted((self.text(n), self.text(v)) for n, v in want["form"])

    def check_tokens(self, want):
        tokens = self.flow.tokens if self.flow is not None else None
        if want is None:
            assert tokens is None
            return
        got = tokens.to_dict()
        for key, value in want.items():
            if key == "extra":
                assert got.get("extra", {}) == value
                continue
            value = self.text(value) if isinstance(value, (str, dict)) else value
            assert got.get(key) == value, f"tokens.{key}: {got.get(key)!r} != {value!r}"

    def check_warnings(self, want):
        got = self.flow.warnings
        assert len(got) == len(want), f"warnings {got} != {want}"
        remaining = list(got)
        for entry in want:
            for i, g in enumerate(remaining):
                if isinstance(entry, str):
                    match = g["warning"] == entry
                elif entry.get("warning") == "extra_fields":
                    match = g["warning"] == "extra_fields" and set(g["names"]) == set(entry["names"])
                else:
                    match = g == entry
                if match:
                    del remaining[i]
                    break
            else:
                raise AssertionError(f"warning {entry} not in {got}")


@pytest.mark.parametrize("build", ["spec", "arguments"])
@pytest.mark.parametrize("path", VECTORS, ids=[p.stem for p in VECTORS])
def test_vector(path, build):
    data = json.loads(path.read_text())
    assert set(data) <= {"name", "description", "provider", "client", "seed", "now", "steps"}
    vector = Vector(data, build)
    for index, step in enumerate(data["steps"]):
        assert set(step) <= STEP_KEYS, set(step) - STEP_KEYS
        result, error = None, None
        try:
            result = vector.run(step)
        except authflow.AuthflowError as e:
            error = e
        try:
            vector.learn()
            vector.check(step, result, error)
        except AssertionError as e:
            raise AssertionError(f"{path.name}: step {index} ({step['op']}): {e}") from None
