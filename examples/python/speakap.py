"""Seed 003, the Speakap SSO tutorial, on authflow: sign in, then read the user's profile.

Real mode: CLIENT_ID (App ID), CLIENT_SECRET, NETWORK_AUTH_URL (or SPEAKAP_NETWORK),
NETWORK_EID, optional REDIRECT_URI and OAUTH_SCOPE. Without CLIENT_ID: the devserver.
"""

import sys

import authflow
from _common import DevServer, env, fail, load_dotenv, login

DEVSERVER_NETWORK_EID = "0f1e2d3c4b"


def main():
    load_dotenv()
    if env("CLIENT_ID"):
        if env("NETWORK_AUTH_URL"):
            provider = authflow.Provider.speakap(network_auth_url=env("NETWORK_AUTH_URL"))
        else:
            provider = authflow.Provider.speakap(network=env("SPEAKAP_NETWORK"))
        config = authflow.ClientConfig(provider, env("CLIENT_ID"), env("REDIRECT_URI", "http://localhost:8080/oauth"),
                                       client_secret=env("CLIENT_SECRET"), scopes=env("OAUTH_SCOPE", "profile.basic.read"))
        run(config, env("NETWORK_EID"), devserver=False)
        return
    with DevServer() as server:
        provider = authflow.Provider.speakap(auth_url=f"{server.url}/auth", token_url=f"{server.url}/oauth/v2/token",
                                             api_base=server.url)
        config = authflow.ClientConfig(provider, "a1b2c3d4e5", "http://127.0.0.1:0/oauth",
                                       client_secret="speakap-devserver-secret-7d41e8a2", scopes="profile.basic.read")
        run(config, DEVSERVER_NETWORK_EID, devserver=True)


def run(config, network_eid, devserver):
    client = authflow.Client(config)
    login(client, devserver)
    # Bearer token plus Speakap's vendor media type, added by the provider preset.
    network = client.get(f"networks/{network_eid}/?embed=userProfile").json()
    profile = network["_embedded"]["userProfile"]
    print(f"Network {network.get('name', network_eid)}: signed in as {profile.get('fullName') or profile.get('name')} <{profile.get('primaryEmail') or profile.get('email')}>")


if __name__ == "__main__":
    try:
        main()
    except authflow.AuthflowError as e:
        sys.exit(fail(e))
