"""The full flow against the devserver binary, for every profile, through Client, Flow and the sans-IO pair."""

import http.client
import json
import threading
import urllib.parse

import pytest

import authflow
from conftest import API_PATH, PROFILES, browser_redirect, browser_visit, config_for


def send(request):
    """The caller's own HTTP client for the sans-IO API: http.client, no redirects followed."""
    url = urllib.parse.urlsplit(request.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    path = url.path + (f"?{url.query}" if url.query else "")
    conn.request(request.method, path, body=request.body or None, headers=dict(request.headers))
    answer = conn.getresponse()
    body = answer.read()
    conn.close()
    return answer.status, answer.getheaders(), body


def api_path(server, profile):
    return API_PATH[profile] or f"{server.url}/userinfo"


@pytest.mark.parametrize("profile", PROFILES)
def test_client_start_finish_get_refresh(devserver, profile):
    client = authflow.Client(config_for(devserver, profile))
    flow = client.start()
    assert flow.state == "AwaitingCallback"
    tokens = client.finish(flow, browser_redirect(flow.authorization_url))
    assert flow.state == "Authorized"
    assert tokens.access_token and tokens.token_type == "Bearer"
    assert client.tokens == tokens
    answer = client.get(api_path(devserver, profile))
    assert answer.status == 200, answer.text
    assert answer.json()
    if profile == "phorge":
        assert tokens.refresh_token is None and tokens.expires_at is None
        with pytest.raises(authflow.InvalidStateError):
            client.refresh()
    else:
        fresh = client.refresh()
        assert fresh.refresh_token != tokens.refresh_token  # rotation
        assert client.get(api_path(devserver, profile)).status == 200
    counters = devserver.counters()
    assert counters["code_grants"] == 1
    assert counters["refresh_grants"] == (0 if profile == "phorge" else 1)


@pytest.mark.parametrize("profile", PROFILES)
def test_sans_io_flow_with_own_http_client(devserver, profile):
    config = config_for(devserver, profile)
    flow = authflow.Flow.start(config)
    flow.callback(browser_redirect(flow.authorization_url))
    assert flow.state == "Exchanging"
    flow.exchange_response(*send(flow.exchange_request()))
    assert flow.state == "Authorized"
    request = authflow.HttpRequest.get(config.provider.api_base and urllib.parse.urljoin(config.provider.api_base, api_path(devserver, profile)) or api_path(devserver, profile))
    status, _, body = send(flow.authorize(request))
    assert status == 200, body
    if flow.tokens.refresh_token:
        old = flow.tokens
        flow.refresh_response(*send(flow.refresh_request()))
        assert flow.state == "Authorized" and flow.tokens.refresh_token != old.refresh_token


@pytest.mark.parametrize("profile", ["sipgate", "speakap", "generic-basic"])
def test_flow_exchange_refresh_get_over_rust_transport(devserver, profile):
    flow = authflow.Flow.start(config_for(devserver, profile))
    flow.callback(browser_redirect(flow.authorization_url))
    tokens = flow.exchange()
    assert flow.state == "Authorized" and flow.tokens == tokens
    assert flow.get(api_path(devserver, profile)).status == 200
    fresh = flow.refresh()
    assert flow.tokens == fresh and fresh.refresh_token != tokens.refresh_token
    assert flow.get(api_path(devserver, profile)).json()


def test_pending_flow_survives_to_json_in_another_process_shape(devserver):
    config = config_for(devserver, "sipgate")
    flow = authflow.Flow.start(config)
    saved = flow.to_json()
    callback = browser_redirect(flow.authorization_url)
    # "Another instance": only the config and the saved JSON.
    resumed = authflow.Flow.from_json(config_for(devserver, "sipgate"), saved)
    client = authflow.Client(config)
    tokens = client.finish(resumed, callback)
    assert tokens.refresh_token


def test_login_loopback_with_on_url(devserver):
    config = config_for(devserver, "sipgate", redirect_uri="http://127.0.0.1:0/oauth")
    client = authflow.Client(config)
    seen = []

    def on_url(url):
        seen.append(url)
        threading.Thread(target=browser_visit, args=(url,), daemon=True).start()

    tokens = client.login(timeout=20, on_url=on_url)
    assert seen and tokens.access_token
    assert client.get("account").json()


def test_login_times_out(devserver):
    client = authflow.Client(config_for(devserver, "sipgate", redirect_uri="http://127.0.0.1:0/oauth"))
    with pytest.raises(authflow.TransportError) as caught:
        client.login(timeout=0.3, on_url=lambda url: None)
    assert (caught.value.kind, caught.value.transport) == ("transport", "timeout")


def test_denied_login_raises_authorization_denied(devserver):
    devserver.knobs(deny=True)
    client = authflow.Client(config_for(devserver, "sipgate"))
    flow = client.start()
    with pytest.raises(authflow.AuthorizationDenied) as caught:
        client.finish(flow, browser_redirect(flow.authorization_url))
    assert caught.value.error == "access_denied"
    assert caught.value.description == "The user denied access"
    assert isinstance(caught.value, authflow.CallbackError)
    assert flow.state == "AwaitingCallback"


def test_file_store_persists_and_is_private(devserver, tmp_path):
    path = tmp_path / "tokens" / "sipgate.json"
    client = authflow.Client(config_for(devserver, "sipgate"), store=str(path))
    flow = client.start()
    tokens = client.finish(flow, browser_redirect(flow.authorization_url))
    assert (path.stat().st_mode & 0o777) == 0o600
    again = authflow.Client(config_for(devserver, "sipgate"), store=authflow.FileStore(path))
    assert again.tokens == tokens
    fresh = again.refresh()
    assert authflow.FileStore(str(path)).load() == fresh
    again.sign_out()
    assert again.tokens is None


def test_memory_store_shared_between_clients(devserver):
    store = authflow.MemoryStore()
    first = authflow.Client(config_for(devserver, "generic-basic"), store=store)
    flow = first.start()
    tokens = first.finish(flow, browser_redirect(flow.authorization_url))
    second = authflow.Client(config_for(devserver, "generic-basic"), store=store)
    assert second.tokens == tokens == store.load()


def test_revoke_refresh_token_clears_the_store(devserver):
    client = authflow.Client(config_for(devserver, "generic-basic"))
    flow = client.start()
    client.finish(flow, browser_redirect(flow.authorization_url))
    client.revoke("refresh_token")
    assert client.tokens is None
    assert devserver.counters()["revocations"] == 1


def test_expired_tokens_are_refreshed_before_get(devserver):
    devserver.knobs(access_token_lifetime=1)
    client = authflow.Client(config_for(devserver, "sipgate"))
    flow = client.start()
    stale = client.finish(flow, browser_redirect(flow.authorization_url))
    assert stale.refresh_due()
    devserver.knobs(access_token_lifetime=300)
    assert client.get("account").status == 200
    assert client.tokens != stale
    assert devserver.counters()["refresh_grants"] == 1


def test_discovery_sans_io_and_over_the_network(devserver):
    request = authflow.Provider.discovery_request(devserver.url, "oauth")
    assert request.url == f"{devserver.url}/.well-known/oauth-authorization-server"
    provider = authflow.Provider.from_discovery(devserver.url, *send(request))
    assert provider.token_endpoint == f"{devserver.url}/token" and provider.require_iss
    discovered = authflow.Provider.discover(devserver.url)
    assert discovered.authorization_endpoint == f"{devserver.url}/authorize"
    demo = devserver.client("generic", "client_secret_basic")
    config = authflow.ClientConfig(discovered, demo["client_id"], "http://127.0.0.1:9/cb", client_secret=demo["client_secret"], scopes=["openid"])
    client = authflow.Client(config)
    flow = client.start()
    tokens = client.finish(flow, browser_redirect(flow.authorization_url))
    assert tokens.id_token


def test_server_faults_map_to_exceptions(devserver):
    client = authflow.Client(config_for(devserver, "sipgate"))
    for fault, error in [("server_error", authflow.UnexpectedResponse), ("garbage", authflow.UnexpectedResponse),
                         ("drop", authflow.TransportError)]:
        devserver.knobs(fault=fault)
        flow = client.start()
        with pytest.raises(error):
            client.finish(flow, browser_redirect(flow.authorization_url))
        assert flow.state == "Exchanging"  # the code is spent, never retried
        with pytest.raises(authflow.InvalidStateError):
            client.exchange(flow)


def test_wrong_secret_is_oauth_error_without_the_secret(devserver):
    demo = devserver.client("generic", "client_secret_basic")
    secret = "wrong-secret-value-123"
    config = authflow.ClientConfig(config_for(devserver, "generic-basic").provider, demo["client_id"], "http://127.0.0.1:9/cb", client_secret=secret)
    client = authflow.Client(config)
    flow = client.start()
    with pytest.raises(authflow.OAuthError) as caught:
        client.finish(flow, browser_redirect(flow.authorization_url))
    e = caught.value
    assert (e.error, e.status, e.kind, e.code) == ("invalid_client", 401, "oauth", "ERR_OAUTH_INVALID_CLIENT")
    assert secret not in str(e) and secret not in repr(e) and secret not in repr(config)


def test_connection_refused_is_transport_error():
    provider = authflow.Provider.generic("http://127.0.0.1:1/authorize", "http://127.0.0.1:1/token")
    with pytest.raises(authflow.TransportError) as caught:
        authflow.Provider.discover("http://127.0.0.1:1")
    assert (caught.value.kind, caught.value.transport, caught.value.code) == ("transport", "connect", "ERR_TRANSPORT")
    assert provider.name == "generic"


def test_get_without_tokens_is_not_signed_in(devserver):
    with pytest.raises(authflow.NotSignedIn, match="sign in first"):
        authflow.Client(config_for(devserver, "sipgate")).get("account")


def test_response_object(devserver):
    client = authflow.Client(config_for(devserver, "sipgate"))
    flow = client.start()
    client.finish(flow, browser_redirect(flow.authorization_url))
    r = client.get("account")
    assert isinstance(r, authflow.Response) and r.ok and r.header("content-type").startswith("application/json")
    assert json.loads(r.text) == r.json() and json.loads(r.body) == r.json()
    assert "access_token" not in repr(r)
    sent = client.send(authflow.HttpRequest("GET", f"{devserver.url}/v2/account"))
    assert sent.status == 200
