"""Issue 9 ("Hardening") seen from Python: the holes the core and the batteries close, through the wheel.

The conformance vectors already run the sans-IO cases here (Speakap's network_auth_url,
fragments, require_iss without an issuer, redaction, an empty refused refresh); these tests
cover what only the Client against the devserver shows: what reaches the store, the
revocation endpoint's errors, Conduit's errors and the lock file.
"""

import http.client
import os
import time
import urllib.parse

import pytest

import authflow
from conftest import browser_redirect, config_for


def signed_in(server, profile, store=None):
    client = authflow.Client(config_for(server, profile), store=store)
    flow = client.start()
    client.finish(flow, browser_redirect(flow.authorization_url))
    return client


def everything_shown(error):
    """The message, the repr and every attribute of an exception, as a user could print them."""
    attributes = " ".join(f"{name}={getattr(error, name, None)!r}" for name in dir(error) if not name.startswith("__"))
    return f"{error}\n{error!r}\n{attributes}"


def assert_no_secret(error, secrets):
    shown = everything_shown(error)
    for secret in secrets:
        assert secret[:8] not in shown, f"{secret} leaked: {shown}"


# Hole 2: Speakap's network_auth_url is only what Speakap hands out.
def test_speakap_network_auth_url_accepts_only_the_plain_network_url():
    provider = authflow.Provider.speakap(network_auth_url="https://acme.speakap.com/auth")
    assert provider.authorization_endpoint == "https://acme.speakap.com/auth"
    for evil in [
        "https://acme.speakap.com/auth?response_type=token&redirect_uri=https://evil.example/",
        "https://acme.speakap.com:8443/auth",
        "https://user:pw@acme.speakap.com/auth",
        "https://acme.speakap.com/auth#x",
        "https://acme.speakap.com/elsewhere",
        "https://a.b.speakap.com/auth",
    ]:
        with pytest.raises(authflow.ConfigError):
            authflow.Provider.speakap(network_auth_url=evil)


# Hole 9: require_iss without an issuer.
def test_require_iss_without_an_issuer_is_a_config_error():
    provider = authflow.Provider.generic("https://as.example/authorize", "https://as.example/token")
    provider.require_iss = True
    with pytest.raises(authflow.ConfigError, match="no issuer"):
        # Refused when the configuration is made, or at the latest when a flow starts.
        authflow.Flow.start(authflow.ClientConfig(provider, "c", "http://127.0.0.1:9/cb", client_secret="s3cret"))


# Hole 15: endpoints with a fragment.
def test_an_endpoint_with_a_fragment_is_a_config_error():
    with pytest.raises(authflow.ConfigError, match="fragment"):
        authflow.Provider.generic("https://as.example/authorize#x", "https://as.example/token")


# Holes 6 and 14: the token and revocation endpoints echo secrets across the 512-byte clip,
# percent-encoded and in the error code; none reaches Python, and revocation says so.
def test_echoed_secrets_never_reach_an_exception(devserver):
    client = signed_in(devserver, "generic-post")
    tokens = client.tokens
    secrets = [tokens.access_token, tokens.refresh_token, devserver.client("generic", "client_secret_post")["client_secret"]]
    devserver.knobs(fault="echo")
    for kind in ["refresh_token", "access_token"]:
        with pytest.raises(authflow.OAuthError) as caught:
            client.revoke(kind)
        assert str(caught.value).startswith("revocation endpoint said"), str(caught.value)
        assert_no_secret(caught.value, secrets)
    assert client.tokens == tokens, "a refused revocation keeps the tokens"
    with pytest.raises(authflow.OAuthError) as caught:
        client.refresh()
    assert str(caught.value).startswith("token endpoint said")
    assert_no_secret(caught.value, secrets)


# Hole 12: a refresh refused with an empty 400 is final, as invalid_grant is.
def test_a_refresh_refused_with_an_empty_body_clears_the_store(devserver, tmp_path):
    client = signed_in(devserver, "generic-basic", store=str(tmp_path / "tokens.json"))
    devserver.knobs(fault="empty_bad_request")
    with pytest.raises(authflow.OAuthError) as caught:
        client.refresh()
    assert caught.value.error == "invalid_grant" and caught.value.status == 400
    assert caught.value.code == "ERR_OAUTH_INVALID_GRANT"
    assert "empty body" in str(caught.value)
    assert client.tokens is None
    assert not (tmp_path / "tokens.json").exists()
    devserver.knobs()
    with pytest.raises(authflow.NotSignedIn):
        client.refresh()
    assert devserver.counters()["refresh_grants"] == 1, "the dead refresh token is never sent again"


# Hole 11: Conduit's HTTP 200 errors are exceptions; a revoked Phorge token ends the grant.
def test_conduit_errors_are_api_errors_and_a_revoked_token_is_dropped(devserver):
    client = signed_in(devserver, "phorge")
    tokens = client.tokens
    assert client.get("user.whoami").status == 200
    with pytest.raises(authflow.ApiError) as caught:
        client.get("no.such.method")
    assert caught.value.error_code == "ERR-CONDUIT-CALL"
    assert client.tokens == tokens, "another api error keeps the tokens"

    devserver.control("POST", "/_dev/revoke", {"token": tokens.access_token})
    with pytest.raises(authflow.ApiError) as caught:
        client.get("user.whoami")
    error = caught.value
    assert isinstance(error, authflow.UnexpectedResponse)
    assert (error.kind, error.code, error.category) == ("api_error", "ERR_API_ERROR", "unexpected_response")
    assert (error.status, error.error_code) == (200, "ERR-INVALID-AUTH")
    assert "does not exist or has expired" in error.error_info
    assert_no_secret(error, [tokens.access_token])
    assert client.tokens is None, "the dead token is dropped"
    with pytest.raises(authflow.NotSignedIn):
        client.get("user.whoami")


# Hole 10: the lock file beside a token file is never followed through a symlink.
@pytest.mark.skipif(os.name != "posix", reason="symlinks and modes are POSIX")
def test_a_symlinked_lock_file_is_refused(devserver, tmp_path):
    path = tmp_path / "tokens.json"
    planted = tmp_path / "created-through-the-link"
    os.symlink(planted, str(path) + ".lock")
    client = authflow.Client(config_for(devserver, "generic-basic"), store=str(path))
    with pytest.raises(authflow.StorageError, match="symbolic link"):
        client.sign_out()
    assert not planted.exists()
    os.remove(str(path) + ".lock")
    client.sign_out()
    assert os.stat(str(path) + ".lock").st_mode & 0o777 == 0o600


# Hole 16: the devserver every language's tests share answers a 1 MiB form at once.
def test_the_devserver_answers_a_one_mib_form_at_once(devserver):
    body = "grant_type=authorization_code" + "".join(f"&p{i}=" for i in range(120_000))
    body = body[: (1 << 20) - 16] + "&grant_type=x"
    url = urllib.parse.urlsplit(devserver.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=20)
    started = time.monotonic()
    conn.request("POST", "/token", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    answer = conn.getresponse()
    text = answer.read().decode()
    conn.close()
    assert answer.status == 400 and "more than once" in text, text
    assert time.monotonic() - started < 15


# Hole 4: a failed save is a warning on the client, not a lost token (the failure itself is
# proven in crates/authflow/tests/hardening_store_writes.rs with a store whose saves fail).
def test_storage_warning_is_none_while_saves_succeed(devserver, tmp_path):
    client = signed_in(devserver, "generic-basic", store=str(tmp_path / "tokens.json"))
    client.refresh()
    assert client.storage_warning is None
    assert client.tokens is not None
