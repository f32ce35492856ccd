"""Sequential refresh grants over one keep-alive connection to the local devserver (sipgate profile).

authflow's Client.refresh() (store, single-flight lock, parse, rotation, GIL released)
against Authlib's httpx client, requests-oauthlib and http.client by hand. Each gets its
own rotating token chain, signed in through authflow first.
"""

import http.client
import json
import time
import urllib.parse
import urllib.request
import warnings

import authflow

CLIENT_ID = "2556404-0-dc848ae6-4b1c-4a8e-9b3e-devserver000:third-party"
SECRET = "sipgate-devserver-secret-0b9f3c2e"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def signed_in(base):
    provider = authflow.Provider.sipgate("third-party", login_base=base, api_base=f"{base}/v2")
    config = authflow.ClientConfig(provider, CLIENT_ID, "http://127.0.0.1:9/oauth", client_secret=SECRET,
                                   scopes="account:read")
    client = authflow.Client(config)
    flow = client.start()
    try:
        urllib.request.build_opener(_NoRedirect).open(flow.authorization_url, timeout=10)
        raise RuntimeError("the devserver did not redirect")
    except urllib.error.HTTPError as answer:
        location = answer.headers["Location"]
    client.finish(flow, location)
    return client


def token_url(base):
    return f"{base}/auth/realms/third-party/protocol/openid-connect/token"


def per_second(n, refresh):
    start = time.perf_counter()
    for _ in range(n):
        refresh()
    return n / (time.perf_counter() - start)


def authflow_run(base, n):
    client = signed_in(base)
    client.refresh()  # warm the connection
    return per_second(n, client.refresh)


def authlib_run(base, n):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from authlib.integrations.httpx_client import OAuth2Client
    tokens = signed_in(base).tokens
    client = OAuth2Client(CLIENT_ID, SECRET, token_endpoint_auth_method="client_secret_post",
                          token={"access_token": tokens.access_token, "refresh_token": tokens.refresh_token,
                                 "token_type": "Bearer", "expires_at": tokens.expires_at})
    url = token_url(base)

    def refresh():
        client.refresh_token(url, refresh_token=client.token["refresh_token"])

    refresh()
    try:
        return per_second(n, refresh)
    finally:
        client.close()


def requests_oauthlib_run(base, n):
    import os

    from requests_oauthlib import OAuth2Session

    os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"  # the devserver is plain http on loopback

    tokens = signed_in(base).tokens
    session = OAuth2Session(CLIENT_ID, token={"access_token": tokens.access_token,
                                              "refresh_token": tokens.refresh_token, "token_type": "Bearer"})
    url = token_url(base)

    def refresh():
        session.refresh_token(url, client_id=CLIENT_ID, client_secret=SECRET)

    refresh()
    try:
        return per_second(n, refresh)
    finally:
        session.close()


def http_client_run(base, n):
    state = {"refresh_token": signed_in(base).tokens.refresh_token}
    parts = urllib.parse.urlsplit(token_url(base))
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}

    def refresh():
        body = urllib.parse.urlencode({"grant_type": "refresh_token", "refresh_token": state["refresh_token"],
                                       "client_id": CLIENT_ID, "client_secret": SECRET})
        conn.request("POST", parts.path, body=body, headers=headers)
        answer = conn.getresponse()
        token = json.loads(answer.read())
        if answer.status != 200:
            raise RuntimeError(token)
        state["refresh_token"] = token["refresh_token"]

    refresh()
    try:
        return per_second(n, refresh)
    finally:
        conn.close()


def run(base, n, rounds=3):
    """Interleaved rounds; the best rate of each."""
    contenders = {"authflow": authflow_run, "authlib (httpx)": authlib_run,
                  "requests-oauthlib": requests_oauthlib_run, "http.client by hand": http_client_run}
    best = dict.fromkeys(contenders, 0.0)
    for _ in range(rounds):
        for name, fn in contenders.items():
            best[name] = max(best[name], fn(base, n))
    return best
