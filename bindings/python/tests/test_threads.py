"""One Client used from many threads: the GIL is released and concurrent callers share one refresh."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import authflow
from conftest import browser_redirect, config_for

THREADS = 16


def signed_in(devserver, profile="sipgate", store=None):
    client = authflow.Client(config_for(devserver, profile), store=store)
    flow = client.start()
    client.finish(flow, browser_redirect(flow.authorization_url))
    return client


def test_many_threads_due_tokens_cause_exactly_one_refresh(devserver):
    devserver.knobs(access_token_lifetime=1)  # due at once
    client = signed_in(devserver)
    stale = client.tokens
    devserver.knobs(access_token_lifetime=300, slow_ms=50)  # the refreshed ones are not
    barrier = threading.Barrier(THREADS)

    def call(_):
        barrier.wait()
        return client.get("account").status

    with ThreadPoolExecutor(THREADS) as pool:
        statuses = list(pool.map(call, range(THREADS)))
    assert statuses == [200] * THREADS
    counters = devserver.counters()
    assert counters["refresh_grants"] == 1, counters
    assert counters["api_requests"] == THREADS
    assert client.tokens != stale


def test_many_threads_valid_tokens_share_one_refresh_through_a_file_store(devserver, tmp_path):
    devserver.knobs(access_token_lifetime=1)
    path = tmp_path / "tokens.json"
    signed_in(devserver, store=str(path))
    devserver.knobs(access_token_lifetime=300, slow_ms=50)
    # Two clients on the same file, as two processes would be: the file lock is shared.
    clients = [authflow.Client(config_for(devserver, "sipgate"), store=str(path)) for _ in range(2)]
    barrier = threading.Barrier(THREADS)

    def call(i):
        barrier.wait()
        return clients[i % 2].valid_tokens().access_token

    with ThreadPoolExecutor(THREADS) as pool:
        tokens = set(pool.map(call, range(THREADS)))
    assert len(tokens) == 1
    assert devserver.counters()["refresh_grants"] == 1


def test_network_calls_release_the_gil(devserver):
    client = signed_in(devserver)
    devserver.knobs(slow_ms=300)
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.01)

    t = threading.Thread(target=ticker)
    t.start()
    client.refresh()  # 300 ms at the token endpoint, GIL released meanwhile
    stop.set()
    t.join()
    assert len(ticks) >= 10, len(ticks)
