"""The Python benchmarks, side by side with the peers, against the targets of issue 4.

Environment: AUTHFLOW_DEVSERVER (the devserver binary, a release build for fair numbers),
AUTHFLOW_WHEEL (the built wheel, for its size), BENCH_ITERS, BENCH_REFRESHES.
"""

import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cpu  # noqa: E402
import refresh  # noqa: E402

ITERS = int(os.environ.get("BENCH_ITERS", "20000"))
REFRESHES = int(os.environ.get("BENCH_REFRESHES", "3000"))


def verdict(ok):
    return "ok" if ok else "MISS"


def import_ms(module, runs=15):
    code = f"import time; t = time.perf_counter(); import {module}; print((time.perf_counter() - t) * 1000)"
    times = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
             for _ in range(runs)]
    return statistics.median(times)


def start_devserver():
    binary = os.environ.get("AUTHFLOW_DEVSERVER")
    if not binary:
        raise SystemExit("set AUTHFLOW_DEVSERVER to the authflow-devserver binary (cargo xtask bench does)")
    process = subprocess.Popen([binary, "--port", "0", "--lifetime", "600"], stdout=subprocess.PIPE, text=True)
    return process, process.stdout.readline().strip()


def main():
    print(f"\n== python: CPU path (URL + PKCE + callback check + token request + parse), best of 7 x {ITERS}")
    us = cpu.run(ITERS)
    for name, value in us.items():
        print(f"  {name:<22} {value:8.2f} us/iter")
    vs_authlib = us["authlib"] / us["authflow"]
    vs_stdlib = us["stdlib by hand"] / us["authflow"]
    print(f"  target <= 8 us/iter: {us['authflow']:.2f} us  [{verdict(us['authflow'] <= 8)}]")
    print(f"  vs authlib: {vs_authlib:.1f}x faster (target >= 12x)  [{verdict(vs_authlib >= 12)}]")
    print(f"  vs stdlib by hand: {vs_stdlib:.2f}x faster (target > 1x)  [{verdict(vs_stdlib > 1)}]")

    process, base = start_devserver()
    try:
        print(f"\n== python: sequential refresh grants over keep-alive (devserver {base}), best of 3 x {REFRESHES}")
        rates = refresh.run(base, REFRESHES)
    finally:
        process.kill()
        process.wait()
    for name, value in rates.items():
        print(f"  {name:<22} {value:10.0f} refreshes/s")
    vs_authlib = rates["authflow"] / rates["authlib (httpx)"]
    print(f"  target >= 8000/s: {rates['authflow']:.0f}/s  [{verdict(rates['authflow'] >= 8000)}]")
    print(f"  vs authlib (httpx): {vs_authlib:.1f}x (target >= 3x)  [{verdict(vs_authlib >= 3)}]")
    print(f"  vs requests-oauthlib: {rates['authflow'] / rates['requests-oauthlib']:.1f}x;"
          f" vs http.client by hand: {rates['authflow'] / rates['http.client by hand']:.2f}x")

    print("\n== python: import time (median of 15 fresh interpreters)")
    ms = import_ms("authflow")
    print(f"  import authflow        {ms:6.2f} ms  (target < 10 ms)  [{verdict(ms < 10)}]")
    print(f"  import authlib client  {import_ms('authlib.integrations.httpx_client', 5):6.2f} ms (for comparison)")

    wheel = os.environ.get("AUTHFLOW_WHEEL")
    if wheel:
        size = Path(wheel).stat().st_size / 1e6
        print(f"\n== python: wheel size\n  {Path(wheel).name}: {size:.2f} MB (target < 3 MB)  [{verdict(size < 3)}]")


if __name__ == "__main__":
    main()
