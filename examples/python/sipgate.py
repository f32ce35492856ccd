"""Seed 001, the sipgate Python sample, on authflow.

Like the seed: read .env, print the authorization URL, receive the redirect on a local
web server, exchange the code, query TEST_API_ENDPOINT, refresh the tokens (which
invalidates the previous set) and query again. The state check, PKCE and the issuer
check are authflow's. With CLIENT_ID empty it runs against the embedded devserver.
"""

import sys

import authflow
from _common import DevServer, describe, env, fail, load_dotenv, login


def main():
    load_dotenv()
    if env("CLIENT_ID"):
        run(real_config(), env("TEST_API_ENDPOINT", "https://api.sipgate.com/v2/account"), devserver=False)
        return
    with DevServer() as server:
        provider = authflow.Provider.sipgate("third-party", login_base=server.url, api_base=f"{server.url}/v2")
        config = authflow.ClientConfig(
            provider,
            "2556404-0-dc848ae6-4b1c-4a8e-9b3e-devserver000:third-party",
            "http://127.0.0.1:0/oauth",  # the devserver accepts any loopback port; 0 picks a free one
            client_secret="sipgate-devserver-secret-0b9f3c2e",
            scopes=env("OAUTH_SCOPE", "account:read"),
        )
        run(config, f"{server.url}/v2/account", devserver=True)


def real_config():
    provider = authflow.Provider.sipgate("third-party")
    auth_url, token_url = env("AUTH_URL"), env("TOKEN_URL")
    if auth_url and token_url and auth_url != provider.authorization_endpoint:
        # Another realm (sipgate-apps for older clients): same Keycloak, other paths.
        provider = authflow.Provider.generic(auth_url, token_url)
        provider.client_auth = "client_secret_post"
        provider.issuer = auth_url.split("/protocol/openid-connect")[0]
    return authflow.ClientConfig(
        provider,
        env("CLIENT_ID"),
        env("REDIRECT_URI", "http://localhost:8080/oauth"),
        client_secret=env("CLIENT_SECRET"),
        scopes=env("OAUTH_SCOPE", "account:read"),
    )


def run(config, test_api_endpoint, devserver):
    client = authflow.Client(config)
    login(client, devserver)
    print("GET /account:", client.get(test_api_endpoint).json())
    fresh = client.refresh()
    print(f"Refreshed: {describe(fresh)} (the previous set is no longer valid)")
    print("GET /account after the refresh:", client.get(test_api_endpoint).json())


if __name__ == "__main__":
    try:
        main()
    except authflow.AuthflowError as e:
        sys.exit(fail(e))
