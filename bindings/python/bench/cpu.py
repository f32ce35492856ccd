"""The CPU path per iteration: authorization URL with PKCE S256, callback check, token request, token parse.

The same work three ways: authflow, Authlib (its client and RFC 6749 helpers) and the
standard library by hand (secrets/hashlib/base64/urllib/hmac/json). No socket is involved.
"""

import base64
import hashlib
import hmac
import json
import secrets
import time
import urllib.parse
import warnings

import authlib.deprecate  # noqa: E402  (it forces its own warnings on; silence the httpx notice after it)

warnings.filterwarnings("ignore", category=authlib.deprecate.AuthlibDeprecationWarning)

import authflow  # noqa: E402

AUTH = "https://login.example.com/auth/realms/third-party/protocol/openid-connect/auth"
TOKEN = "https://login.example.com/auth/realms/third-party/protocol/openid-connect/token"
REDIRECT = "http://localhost:8080/oauth"
CLIENT_ID = "2556404-0-dc848ae6-4b1c-4a8e-9b3e-bench00000000:third-party"
SECRET = "bench-client-secret"
CODE = "SplxlOBeZQQYbYS6WxSbIA"
BODY = (b'{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl","expires_in":300,'
        b'"refresh_expires_in":2592000,"refresh_token":"eyJhbGciOiJIUzI1NiJ9.eyJ0eXAiOiJSZWZyZXNoIn0.c2ln",'
        b'"token_type":"Bearer","not-before-policy":0,"session_state":"6b2c6a4e-1a7b-4f0e-9c52-3f3b1b0b2a11",'
        b'"scope":"account:read"}')
HEADERS = [("Content-Type", "application/json")]
NOW = 1_700_000_000


def authflow_setup():
    provider = authflow.Provider.generic(AUTH, TOKEN)
    provider.client_auth = "client_secret_post"
    config = authflow.ClientConfig(provider, CLIENT_ID, REDIRECT, client_secret=SECRET, scopes=["account:read"])
    start = authflow.Flow.start

    def once():
        flow = start(config, NOW)
        flow.authorization_url
        flow.callback(f"{REDIRECT}?code={CODE}&state={flow.state_param}")
        flow.exchange_request()
        flow.exchange_response(200, HEADERS, BODY, NOW + 1)
        return flow.tokens

    return once


def authlib_setup():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from authlib.common.security import generate_token
        from authlib.integrations.httpx_client import OAuth2Client
        from authlib.oauth2.rfc6749 import OAuth2Token
        from authlib.oauth2.rfc6749.parameters import parse_authorization_code_response, prepare_token_request
    client = OAuth2Client(CLIENT_ID, SECRET, scope="account:read", redirect_uri=REDIRECT,
                          code_challenge_method="S256", token_endpoint_auth_method="client_secret_post")

    def once():
        verifier = generate_token(48)
        url, state = client.create_authorization_url(AUTH, code_verifier=verifier)
        params = parse_authorization_code_response(f"{REDIRECT}?code={CODE}&state={state}", state=state)
        prepare_token_request("authorization_code", code=params["code"], redirect_uri=REDIRECT,
                              code_verifier=verifier, client_id=CLIENT_ID, client_secret=SECRET)
        return OAuth2Token.from_dict(json.loads(BODY))

    return once


def stdlib_setup():
    redirect = urllib.parse.urlsplit(REDIRECT)

    def once():
        state = secrets.token_urlsafe(16)
        verifier = secrets.token_urlsafe(32)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        url = AUTH + "?" + urllib.parse.urlencode({
            "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT, "scope": "account:read",
            "state": state, "code_challenge": challenge, "code_challenge_method": "S256",
        })
        callback = urllib.parse.urlsplit(f"{REDIRECT}?code={CODE}&state={state}")
        if (callback.scheme, callback.hostname, callback.port, callback.path) != (
                redirect.scheme, redirect.hostname, redirect.port, redirect.path):
            raise ValueError("wrong redirect")
        query = urllib.parse.parse_qs(callback.query)
        if "error" in query:
            raise ValueError(query["error"][0])
        got = query.get("state", [""])
        if len(got) != 1 or not hmac.compare_digest(got[0], state):
            raise ValueError("state mismatch")
        code = query["code"][0]
        urllib.parse.urlencode({"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                                "code_verifier": verifier, "client_id": CLIENT_ID, "client_secret": SECRET})
        token = json.loads(BODY)
        if not isinstance(token.get("access_token"), str) or token.get("token_type", "").lower() != "bearer":
            raise ValueError("bad token response")
        token["expires_at"] = NOW + 1 + int(token["expires_in"])
        return url, token

    return once


def per_iteration_us(once, iterations, rounds=7):
    """The best of `rounds` runs of `iterations` calls, in microseconds per call."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter_ns()
        for _ in range(iterations):
            once()
        best = min(best, (time.perf_counter_ns() - start) / iterations / 1000)
    return best


def run(iterations):
    contenders = {"authflow": authflow_setup(), "authlib": authlib_setup(), "stdlib by hand": stdlib_setup()}
    for once in contenders.values():
        per_iteration_us(once, max(iterations // 10, 100), rounds=1)  # warm up
    return {name: per_iteration_us(once, iterations) for name, once in contenders.items()}
