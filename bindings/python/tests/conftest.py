"""Fixtures: the devserver and the oidc-provider server as subprocesses, and a simulated browser."""

import http.client
import json
import os
import shutil
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

import authflow

ROOT = Path(__file__).resolve().parents[3]


def _spawn(argv, cwd=None):
    """Starts a server that prints its base URL as its first stdout line; returns (process, url)."""
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith("http"):
        proc.kill()
        proc.wait()
        raise RuntimeError(f"{argv[0]} printed {line!r} instead of its URL")
    return proc, line


def _stop(proc):
    proc.kill()  # by PID: this very process, nothing else
    proc.wait()


def devserver_binary():
    path = os.environ.get("AUTHFLOW_DEVSERVER") or str(ROOT / "target/debug/authflow-devserver")
    if not Path(path).exists():
        pytest.skip(f"devserver binary not found at {path}: run `cargo build -p authflow-devserver`")
    return path


class DevServer:
    """A running authflow-devserver and its control API."""

    def __init__(self, url):
        self.url = url
        self.clients = {c["client_id"]: c for c in self.control("GET", "/_dev/clients")}

    def control(self, method, path, body=None):
        parsed = urllib.parse.urlsplit(self.url)
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
        answer = conn.getresponse()
        payload = answer.read()
        conn.close()
        assert answer.status < 300, (method, path, answer.status, payload[:200])
        return json.loads(payload) if payload else None

    def counters(self):
        return self.control("GET", "/_dev/counters")

    def knobs(self, **knobs):
        self.control("POST", "/_dev/knobs", knobs)

    def reset(self):
        self.control("POST", "/_dev/reset")

    def client(self, profile, auth_method=None):
        for c in self.clients.values():
            if c["profile"] == profile and (auth_method is None or c["auth_method"] == auth_method):
                return c
        raise KeyError((profile, auth_method))


@pytest.fixture(scope="session")
def devserver_process():
    proc, url = _spawn([devserver_binary(), "--port", "0", "--lifetime", "900"])
    yield DevServer(url)
    _stop(proc)


@pytest.fixture
def devserver(devserver_process):
    devserver_process.reset()
    yield devserver_process
    devserver_process.reset()


@pytest.fixture(scope="session")
def oidc_issuer():
    folder = ROOT / "tests/oidc-provider"
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if not (folder / "node_modules").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=folder, check=True, stdout=subprocess.DEVNULL)
    proc, url = _spawn([node, "server.mjs", "--port", "0", "--lifetime", "600"], cwd=folder)
    yield url
    _stop(proc)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def browser_redirect(url):
    """What a browser does at the devserver's authorize endpoint: returns the redirect back (Location)."""
    try:
        answer = _opener.open(url, timeout=10)
        status, location = answer.status, answer.headers.get("Location")
    except urllib.error.HTTPError as e:
        status, location = e.code, e.headers.get("Location")
    assert status in (302, 303) and location, f"authorize answered {status} without a redirect"
    return location


def browser_visit(url):
    """Follows the authorization URL and then GETs the redirect target (the loopback listener)."""
    location = browser_redirect(url)
    with urllib.request.urlopen(location, timeout=10) as answer:
        return answer.status


PROFILES = ["sipgate", "speakap", "phorge", "generic-basic", "generic-post", "generic-public"]


def provider_for(base, profile):
    """The preset for a devserver profile, pointed at the devserver."""
    if profile == "sipgate":
        return authflow.Provider.sipgate("third-party", login_base=base, api_base=f"{base}/v2")
    if profile == "speakap":
        return authflow.Provider.speakap(auth_url=f"{base}/auth", token_url=f"{base}/oauth/v2/token", api_base=base)
    if profile == "phorge":
        return authflow.Provider.phorge(base)
    provider = authflow.Provider.generic(f"{base}/authorize", f"{base}/token")
    provider.issuer = base
    provider.revocation_endpoint = f"{base}/revoke"
    provider.client_auth = {
        "generic-basic": "client_secret_basic",
        "generic-post": "client_secret_post",
        "generic-public": "none",
    }[profile]
    return provider


def config_for(server, profile, redirect_uri="http://127.0.0.1:9/oauth", scopes=None):
    if profile.startswith("generic"):
        method = {"generic-basic": "client_secret_basic", "generic-post": "client_secret_post"}.get(profile, "none")
        demo = server.client("generic", method)
    else:
        demo = server.client(profile)
    return authflow.ClientConfig(
        provider_for(server.url, profile),
        demo["client_id"],
        redirect_uri,
        client_secret=demo.get("client_secret"),
        scopes=scopes,
    )


API_PATH = {
    "sipgate": "account",
    "speakap": "networks/0f1e2d3c4b/?embed=userProfile",
    "phorge": "user.whoami",
    "generic-basic": None,
    "generic-post": None,
    "generic-public": None,
}
