"""The flow against a real OpenID Connect server (npm oidc-provider), following its cookie chain like a browser."""

import http.client
import urllib.parse

import pytest

import authflow

CLIENTS = {
    "basic-client": ("basic-secret-0123456789abcdef", "client_secret_basic"),
    "post-client": ("post-secret-0123456789abcdef", "client_secret_post"),
}


def browse(url, redirect_uri, jar):
    """GETs the authorization URL and follows 303s with a cookie jar until the redirect URI comes up."""
    for _ in range(10):
        parts = urllib.parse.urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())} if jar else {}
        conn.request("GET", path, headers=headers)
        answer = conn.getresponse()
        answer.read()
        conn.close()
        for name, value in answer.getheaders():
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, val = pair.partition("=")
                expired = "expires=thu, 01 jan 1970" in value.lower()
                if val and not expired:
                    jar[key.strip()] = val
                else:
                    jar.pop(key.strip(), None)
        location = answer.getheader("Location")
        assert answer.status in (302, 303) and location, f"{answer.status} at {path}"
        url = urllib.parse.urljoin(url, location)
        if url.startswith(redirect_uri):
            return url
    raise AssertionError("no redirect back after 10 hops")


def configure(issuer, client_id, scopes="openid profile email", params=None):
    secret, method = CLIENTS[client_id]
    provider = authflow.Provider.discover(issuer)
    assert provider.client_auth == "client_secret_basic" and provider.require_iss
    provider.client_auth = method
    return authflow.ClientConfig(provider, client_id, "http://127.0.0.1:53123/callback", client_secret=secret, scopes=scopes, params=params)


@pytest.mark.parametrize("client_id", sorted(CLIENTS))
def test_code_flow_userinfo_refresh_revoke(oidc_issuer, client_id):
    config = configure(oidc_issuer, client_id)
    client = authflow.Client(config)
    flow = client.start()
    callback = browse(flow.authorization_url, config.redirect_uri, {})
    assert "iss=" in callback
    tokens = client.finish(flow, callback)
    assert tokens.id_token and tokens.refresh_token and tokens.expires_at
    me = client.get("me").json()  # userinfo is the api base of a discovered provider
    assert me["sub"] == "user-1" and me["email"] == "user-1@example.test"
    fresh = client.refresh()
    assert fresh.refresh_token != tokens.refresh_token
    assert client.get(f"{oidc_issuer}/me").status == 200
    client.revoke("refresh_token")
    assert client.tokens is None


def test_denied_login(oidc_issuer):
    config = configure(oidc_issuer, "basic-client", params={"login_hint": "deny"})
    flow = authflow.Flow.start(config)
    callback = browse(flow.authorization_url, config.redirect_uri, {})
    with pytest.raises(authflow.AuthorizationDenied) as caught:
        flow.callback(callback)
    assert caught.value.error == "access_denied" and caught.value.description == "the user said no"


def test_foreign_issuer_on_callback_is_refused(oidc_issuer):
    config = configure(oidc_issuer, "post-client")
    flow = authflow.Flow.start(config)
    callback = browse(flow.authorization_url, config.redirect_uri, {})
    forged = callback.replace(urllib.parse.quote(oidc_issuer, safe=""), urllib.parse.quote("http://evil.example", safe=""))
    with pytest.raises(authflow.IssuerMismatch) as caught:
        flow.callback(forged)
    assert caught.value.expected == oidc_issuer
    flow.callback(callback)
    assert flow.state == "Exchanging"


def test_reused_refresh_token_is_invalid_grant(oidc_issuer):
    config = configure(oidc_issuer, "basic-client")
    flow = authflow.Flow.start(config)
    flow.callback(browse(flow.authorization_url, config.redirect_uri, {}))
    flow.exchange()
    saved = flow.to_json()
    flow.refresh()
    old = authflow.Flow.from_json(config, saved)
    with pytest.raises(authflow.OAuthError) as caught:
        old.refresh()
    assert caught.value.error == "invalid_grant" and caught.value.status == 400
