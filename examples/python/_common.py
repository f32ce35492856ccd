"""Shared by the examples: the .env file, the devserver (when no CLIENT_ID is set) and a simulated browser."""

import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def load_dotenv(path=HERE / ".env"):
    """The seed's `load_dotenv()`: KEY=VALUE lines into os.environ (the environment wins)."""
    if not path.exists():
        return
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip().rstrip(",").strip().strip('"').strip("'")
        os.environ.setdefault(key.strip(), value)


def env(name, default=None):
    value = os.environ.get(name, "").strip()
    return value or default


class DevServer:
    """The authflow-devserver binary on a free port, stopped (by its PID) on exit."""

    def __init__(self):
        binary = env("AUTHFLOW_DEVSERVER") or str(ROOT / "target/debug/authflow-devserver")
        if not Path(binary).exists():
            subprocess.run(["cargo", "build", "--quiet", "-p", "authflow-devserver"], cwd=ROOT, check=True)
        self.process = subprocess.Popen([binary, "--port", "0", "--lifetime", "300"], stdout=subprocess.PIPE, text=True)
        self.url = self.process.stdout.readline().strip()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.process.kill()
        self.process.wait()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def simulated_browser(url):
    """The user's browser at the devserver, which approves by itself: follow its redirect back to us."""

    def visit():
        try:
            urllib.request.build_opener(_NoRedirect).open(url, timeout=10)
        except urllib.error.HTTPError as answer:
            location = answer.headers.get("Location")
            print(f"  (simulated browser: approved with http {answer.code}, following the redirect back)")
            urllib.request.urlopen(location, timeout=10).read()

    threading.Thread(target=visit, daemon=True).start()


def login(client, devserver):
    """`client.login()`: a simulated browser for the devserver, the real browser otherwise."""
    def announce(url):
        print(f"Please open the following URL in your browser:\n  {url}")
        if devserver:
            simulated_browser(url)

    tokens = client.login(open_browser=not devserver, timeout=30 if devserver else 300, on_url=announce)
    print(f"Signed in: {describe(tokens)}")
    return tokens


def describe(tokens):
    """One line about a token set, without any secret."""
    expiry = f"expires in {tokens.expires_in()} s" if tokens.expires_at else "never expires"
    refresh = "a refresh token" if tokens.refresh_token else "no refresh token"
    return f"{tokens.token_type} access token ({len(tokens.access_token)} chars, hidden), {expiry}, {refresh}"


def fail(error):
    print(f"error: {error}", file=sys.stderr)
    return 1
