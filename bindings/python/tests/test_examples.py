"""Every example under examples/python runs against the devserver and exits 0."""

import os
import subprocess
import sys

import pytest

from conftest import ROOT, devserver_binary

EXPECTED = {
    "sipgate.py": ["Signed in: Bearer", "GET /account: {", "Refreshed:", "GET /account after the refresh: {"],
    "speakap.py": ["Signed in: Bearer", "signed in as Demo User"],
    "phorge.py": ["Signed in: Bearer", "Conduit user.whoami: demo", "Refresh token: none"],
    "asyncio_httpx.py": ["state: Exchanging", "userinfo: 200", "rotated: True"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs_against_the_devserver(name):
    env = dict(os.environ, AUTHFLOW_DEVSERVER=devserver_binary(), CLIENT_ID="")
    done = subprocess.run([sys.executable, str(ROOT / "examples/python" / name)], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    for line in EXPECTED[name]:
        assert line in done.stdout, (line, done.stdout)
    for secret in ["sipgate-devserver-secret", "speakap-devserver-secret", "phorgedevserversecret", "generic-basic-secret"]:
        assert secret not in done.stdout + done.stderr
