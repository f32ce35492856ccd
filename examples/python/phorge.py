"""Seed 004, the Phorge OAuth server guide, on authflow: sign in, then call Conduit user.whoami.

Real mode: CLIENT_ID (the client PHID), CLIENT_SECRET, PHORGE_URL, optional REDIRECT_URI.
Without CLIENT_ID: the devserver. Phorge sends the token as ?access_token= and gives no refresh token.
"""

import sys

import authflow
from _common import DevServer, env, fail, load_dotenv, login


def main():
    load_dotenv()
    if env("CLIENT_ID"):
        config = authflow.ClientConfig(authflow.Provider.phorge(env("PHORGE_URL")), env("CLIENT_ID"),
                                       env("REDIRECT_URI", "http://localhost:8080/oauth"),
                                       client_secret=env("CLIENT_SECRET"), scopes=env("OAUTH_SCOPE", "whoami"))
        run(config, devserver=False)
        return
    with DevServer() as server:
        config = authflow.ClientConfig(authflow.Provider.phorge(server.url), "PHID-OASC-devserverdemo0000000",
                                       "http://127.0.0.1:0/oauth", client_secret="phorgedevserversecret3k5m7p9r2t4")
        run(config, devserver=True)


def run(config, devserver):
    client = authflow.Client(config)
    tokens = login(client, devserver)
    answer = client.get("user.whoami").json()
    if answer.get("error_code"):
        raise SystemExit(f"conduit error {answer['error_code']}: {answer.get('error_info')}")
    print(f"Conduit user.whoami: {answer['result']['userName']} ({answer['result'].get('realName')})")
    print("Refresh token:", "yes" if tokens.refresh_token else "none (Phorge issues none; sign in again when needed)")


if __name__ == "__main__":
    try:
        main()
    except authflow.AuthflowError as e:
        sys.exit(fail(e))
