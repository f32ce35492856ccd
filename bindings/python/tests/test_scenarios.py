"""The client scenarios of conformance/scenarios/*.json, run through authflow.Client against the devserver.

The same files run in Rust (crates/authflow-bind/tests/scenarios.rs) and Node (bindings/node/test/scenarios.test.mjs);
the step language is described in conformance/README.md ("Client scenarios"). One interpreter loop over
the steps; every OAuth decision is the client's.
"""

import json
import threading
import time

import pytest

import authflow
from conftest import ROOT, browser_redirect, browser_visit

#: The runner fails if it finds fewer scenario files than this (no silent empty run).
MIN_SCENARIOS = 17

FILES = sorted((ROOT / "conformance/scenarios").glob("*.json"))


def test_every_scenario_file_is_found():
    assert len(FILES) >= MIN_SCENARIOS, f"found {len(FILES)} scenario files, expected at least {MIN_SCENARIOS}"


class Broken(Exception):
    """A failed check or a broken scenario (as opposed to an error the client raised)."""


def check_keys(obj, allowed, what):
    unknown = set(obj) - set(allowed)
    if unknown:
        raise Broken(f"unknown key {sorted(unknown)[0]!r} in {what}")


def error_kind(e):
    """The language-neutral kind: `.kind`, else `.code`.

    While `.code` still holds the kind itself rather than an `ERR_...` code, it is the kind:
    in that scheme a TransportError's `.kind` is its transport kind (`io`, `timeout`, ...).
    """
    code = getattr(e, "code", None)
    if isinstance(code, str) and not code.startswith("ERR_"):
        return code
    kind = getattr(e, "kind", None)
    return kind if kind is not None else code


def transport_kind(e):
    if hasattr(e, "transport"):
        return e.transport
    code = getattr(e, "code", None)
    return getattr(e, "kind", None) if code == "transport" else None


def build_config(scenario):
    p = scenario["provider"]
    preset_keys = {
        "sipgate": ["login_base", "api_base", "realm"],
        "speakap": ["auth_url", "token_url", "api_base"],
        "phorge": ["base_url"],
        "generic": ["authorization_endpoint", "token_endpoint"],
    }
    if p.get("preset") not in preset_keys:
        raise Broken(f"unknown preset {p.get('preset')!r}")
    check_keys(p, ["preset", "issuer", "revocation_endpoint", "client_auth", *preset_keys[p["preset"]]], "provider")
    if p["preset"] == "sipgate":
        provider = authflow.Provider.sipgate(p["realm"], login_base=p["login_base"], api_base=p["api_base"])
    elif p["preset"] == "speakap":
        provider = authflow.Provider.speakap(auth_url=p["auth_url"], token_url=p["token_url"], api_base=p["api_base"])
    elif p["preset"] == "phorge":
        provider = authflow.Provider.phorge(p["base_url"])
    else:
        provider = authflow.Provider.generic(p["authorization_endpoint"], p["token_endpoint"])
    for key in ["issuer", "revocation_endpoint", "client_auth"]:
        if key in p:
            setattr(provider, key, p[key])
    c = scenario["client"]
    check_keys(c, ["client_id", "client_secret", "redirect_uri", "scopes"], "client")
    return authflow.ClientConfig(
        provider, c["client_id"], c["redirect_uri"], client_secret=c.get("client_secret"), scopes=c.get("scopes")
    )


def pair(tokens):
    """The access and refresh token, which is what `same_as` and `differs_from` compare."""
    return tokens.access_token, tokens.refresh_token


class Run:
    """One scenario's client and the names its steps gave to flows, callbacks, tokens and store copies."""

    OPS = {
        "login": ["via"], "start": ["as"], "browse": ["flow", "as"], "finish": ["flow", "callback"],
        "refresh": [], "valid_tokens": [], "tokens": [], "get": ["path"], "revoke": ["token"],
        "sign_out": [], "knobs": ["set"], "counters": [], "sleep": ["ms"],
        "store_copy": ["as"], "store_restore": ["from"],
    }
    TOKEN_OPS = {"login", "finish", "refresh", "valid_tokens", "tokens"}

    def __init__(self, server, scenario, tmp_path):
        self.server = server
        self.store_file = None
        store = scenario.get("store", "memory")
        if store == "file":
            self.store_file = tmp_path / "tokens.json"
        elif store != "memory":
            raise Broken(f"unknown store {store!r}")
        self.client = authflow.Client(build_config(scenario), store=str(self.store_file) if self.store_file else None)
        self.flows, self.callbacks, self.saved, self.files = {}, {}, {}, {}

    def step(self, step):
        """Runs one step and returns what it yields; the client's errors propagate."""
        op = step.get("op")
        if op not in self.OPS:
            raise Broken(f"unknown op {op!r}")
        check_keys(step, ["op", "expect", *self.OPS[op], *(["save_as"] if op in self.TOKEN_OPS else [])], "step")
        client = self.client
        if op == "login":
            via = step.get("via", "browser")
            if via == "browser":
                flow = client.start()
                return client.finish(flow, browser_redirect(flow.authorization_url))
            if via == "loopback":
                def on_url(url):
                    threading.Thread(target=browser_visit, args=(url,), daemon=True).start()
                return client.login(timeout=20, on_url=on_url)
            raise Broken(f"unknown via {via!r}")
        if op == "start":
            self.flows[step["as"]] = client.start()
        elif op == "browse":
            self.callbacks[step["as"]] = browser_redirect(self.flows[step["flow"]].authorization_url)
        elif op == "finish":
            return client.finish(self.flows[step["flow"]], self.callbacks[step["callback"]])
        elif op == "refresh":
            return client.refresh()
        elif op == "valid_tokens":
            return client.valid_tokens()
        elif op == "tokens":
            return client.tokens
        elif op == "get":
            return client.get(step["path"])
        elif op == "revoke":
            if step["token"] not in ("access_token", "refresh_token"):
                raise Broken(f"unknown token {step['token']!r}")
            client.revoke(step["token"])
        elif op == "sign_out":
            client.sign_out()
        elif op == "knobs":
            if not isinstance(step["set"], dict):
                raise Broken("set must be an object")
            self.server.control("POST", "/_dev/knobs", step["set"])
        elif op == "counters":
            return self.server.counters()
        elif op == "sleep":
            time.sleep(step["ms"] / 1000)
        elif op == "store_copy":
            if self.store_file is None:
                raise Broken('store_copy needs "store": "file"')
            self.files[step["as"]] = self.store_file.read_bytes()
        else:
            if self.store_file is None:
                raise Broken('store_restore needs "store": "file"')
            self.store_file.write_bytes(self.files[step["from"]])
        return None

    def check(self, step, outcome):
        """Compares what a successful step yielded with its `expect`."""
        op, expect = step["op"], step.get("expect", {})
        if op == "counters":
            for name, want in expect.items():
                if name not in outcome:
                    raise Broken(f"no counter {name!r}")
                if outcome[name] != want:
                    raise Broken(f"counter {name}: got {outcome[name]}, expected {want}")
        elif op == "get":
            check_keys(expect, ["status", "body_contains"], "expect")
            if "status" in expect and outcome.status != expect["status"]:
                raise Broken(f"status {outcome.status}, expected {expect['status']}: {outcome.text}")
            if "body_contains" in expect and expect["body_contains"] not in outcome.text:
                raise Broken(f"body lacks {expect['body_contains']!r}: {outcome.text}")
        elif op in self.TOKEN_OPS:
            check_keys(expect, ["present", "refresh_token", "same_as", "differs_from"], "expect")
            if "present" in expect and expect["present"] != (outcome is not None):
                raise Broken(f"tokens present: {outcome is not None}, expected {expect['present']}")
            if outcome is None:
                if set(expect) - {"present"} or "save_as" in step:
                    raise Broken("no tokens stored")
                return
            access, refresh = pair(outcome)
            if "refresh_token" in expect and expect["refresh_token"] != (refresh is not None):
                raise Broken(f"has a refresh token: {refresh is not None}, expected {expect['refresh_token']}")
            if "same_as" in expect and pair(outcome) != pair(self.saved[expect["same_as"]]):
                raise Broken(f"tokens are not the ones saved as {expect['same_as']!r}")
            if "differs_from" in expect:
                old_access, old_refresh = pair(self.saved[expect["differs_from"]])
                if access == old_access or refresh is None or refresh == old_refresh:
                    raise Broken(f"access and refresh token must both differ from {expect['differs_from']!r}'s")
            if "save_as" in step:
                self.saved[step["save_as"]] = outcome
        else:
            check_keys(expect, [], "expect")

    def check_error(self, step, e, want):
        check_keys(step["expect"], ["error"], "an expect with error")
        check_keys(want, ["kind", "oauth_error", "status", "transport"], "error")
        got = {
            "kind": error_kind(e),
            "oauth_error": getattr(e, "error", None),
            "status": getattr(e, "status", None),
            "transport": transport_kind(e),
        }
        for key, value in want.items():
            if got[key] != value:
                raise Broken(f"error {key}: got {got[key]!r}, expected {value!r} ({error_kind(e)}: {e})")


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_scenario(devserver, tmp_path, path):
    text = path.read_text().replace("{{base}}", devserver.url)
    assert "{{" not in text, f"{path.name}: a placeholder other than {{{{base}}}}"
    scenario = json.loads(text)
    check_keys(scenario, ["name", "description", "provider", "client", "store", "steps"], "scenario")
    run = Run(devserver, scenario, tmp_path)
    for index, step in enumerate(scenario["steps"]):
        where = f"{path.name}: step {index} ({step.get('op')})"
        want_error = step.get("expect", {}).get("error")
        try:
            outcome = run.step(step)
        except authflow.AuthflowError as e:
            if want_error is None:
                pytest.fail(f"{where}: failed with {error_kind(e)}: {e}")
            try:
                run.check_error(step, e, want_error)
            except Broken as broken:
                pytest.fail(f"{where}: {broken}")
            continue
        except (Broken, KeyError, TypeError, AssertionError) as broken:
            pytest.fail(f"{where}: {type(broken).__name__}: {broken}")
        if want_error is not None:
            pytest.fail(f"{where}: succeeded, expected the error {want_error}")
        try:
            run.check(step, outcome)
        except (Broken, KeyError) as broken:
            pytest.fail(f"{where}: {broken}")
