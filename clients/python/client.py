"""The Python client of the python-requests scenario: the ways `requests` opens a connection per
request, and their fixes, under the same load as the lab's Node and Go clients.

Usage: client.py -mode get-per-call|session|pool-full|pool-sized -url URL -requests N
         -concurrency N [-pattern steady|bursts|rate] [-burst-gap-ms N] [-gap-spread-ms N] [-rate N]

Under -pattern rate (the open model) request i starts at i / rate seconds, answered or not, and
-concurrency caps the requests in flight, as clients/go does. It prints one JSON object per line on
stdout, as harness/shapes/client-protocol.ts declares them: progress at 250 ms and then every second, then the
outcome. Python 3 standard library and requests only.
"""

import argparse
import errno
import json
import logging
import math
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait

import requests
from requests.adapters import HTTPAdapter

# The four clients, one function each, all of one shape so that the scenario can show each next to
# its fix, as written here: it makes the client, and returns what sends one GET.


# get_per_call calls requests.get(), which makes a Session for the call and closes it after: a new
# connection per request, closed by the client.
def get_per_call(concurrency):
    def get(url):
        return requests.get(url).status_code

    return get


# session gives each thread one Session (a Session is not documented as thread-safe), which keeps
# its connection open between requests.
def session(concurrency):
    local = threading.local()

    def get(url):
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return local.session.get(url).status_code

    return get


# pool_full shares one Session between the threads: its pool keeps pool_maxsize = 10 connections,
# and each connection given back to a full pool is closed ("Connection pool is full, discarding
# connection").
def pool_full(concurrency):
    shared = requests.Session()

    def get(url):
        return shared.get(url).status_code

    return get


# pool_sized shares one Session whose pool keeps as many connections as there are threads.
def pool_sized(concurrency):
    shared = requests.Session()
    shared.mount("http://", HTTPAdapter(pool_maxsize=concurrency))

    def get(url):
        return shared.get(url).status_code

    return get


CLIENTS = {"get-per-call": get_per_call, "session": session, "pool-full": pool_full, "pool-sized": pool_sized}


class PoolFullCounter(logging.Handler):
    """Counts urllib3's "Connection pool is full, discarding connection" warnings: one per connection it closed."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record):
        if str(record.msg).startswith("Connection pool is full"):
            self.count += 1


def error_code(error):
    """Names a failure the way Node does (ECONNRESET, ...), so results compare across clients."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in errno.errorcode:
            return errno.errorcode[error.errno]
        # urllib3 and requests wrap the socket's error: in their arguments, or as the cause.
        nested = [a for a in getattr(error, "args", ()) if isinstance(a, BaseException)]
        error = error.__cause__ or error.__context__ or getattr(error, "reason", None) or (nested[0] if nested else None)
    return "UNKNOWN"


def percentile(values, p):
    """Nearest rank, of sorted values."""
    if not values:
        return 0
    return values[max(0, math.ceil(p / 100 * len(values)) - 1)]


def latency_summary(values):
    """p50, p90, p99, max and mean of values, in ms."""
    values = sorted(values)
    summary = {name: round(percentile(values, p), 3) for name, p in (("p50", 50), ("p90", 90), ("p99", 99), ("max", 100))}
    summary["mean"] = round(sum(values) / len(values), 3) if values else 0
    return summary


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.start = time.monotonic()
        self.latencies = []
        # Under a rate: service times (from the send), requests started, and those dropped at the cap.
        self.service = []
        self.started = 0
        self.dropped = 0
        self.ok = 0
        self.failed = 0
        self.errors_by_code = {}
        self.first_failure = None
        self.next = 0

    def elapsed_ms(self):
        return (time.monotonic() - self.start) * 1000

    def claim(self, total):
        """The next request's number (1-based), or None once all are claimed."""
        with self.lock:
            if self.next >= total:
                return None
            self.next += 1
            return self.next

    def record(self, number, latency_ms, service_ms, status, error):
        """Counts one answered or failed request: its latency (from its scheduled start under a rate) and its service time (from its send)."""
        with self.lock:
            if error is None and 200 <= status < 400:
                self.ok += 1
                self.latencies.append(latency_ms)
                self.service.append(service_ms)
                return
            code = error_code(error) if error is not None else f"HTTP_{status}"
            self.failed += 1
            self.errors_by_code[code] = self.errors_by_code.get(code, 0) + 1
            if self.first_failure is None:
                self.first_failure = {"request": number, "tMs": round(self.elapsed_ms(), 3), "code": code}


print_lock = threading.Lock()


def emit(message):
    with print_lock:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()


def run_at_rate(recorder, pool, rate, requests, limit, get):
    """
    Starts request i at start + i / rate on a fixed schedule: after a late wake-up every request
    whose time has come starts at once, so the rate never drifts. A semaphore of `limit` caps the
    requests in flight; a request whose time comes at the cap is dropped and counted, never sent
    late. Latency runs from the scheduled start (corrected for coordinated omission, as wrk2 does),
    service time from the send. Returns what the load kept up.
    """
    in_flight = threading.BoundedSemaphore(limit)
    futures = []
    peak = 0
    last_start = 0.0

    def one(number, due):
        sent = time.monotonic()
        try:
            status, error = get(), None
        except Exception as e:  # any failure of one request is counted, by its code
            status, error = 0, e
        end = time.monotonic()
        in_flight.release()
        recorder.record(number, (end - due) * 1000, (end - sent) * 1000, status, error)

    for i in range(requests):
        due = recorder.start + i / rate
        wait_s = due - time.monotonic()
        if wait_s > 0:
            time.sleep(wait_s)
        if not in_flight.acquire(blocking=False):
            with recorder.lock:
                recorder.dropped += 1
            continue
        with recorder.lock:
            recorder.started += 1
            peak = max(peak, recorder.started - (recorder.ok + recorder.failed))
        last_start = time.monotonic() - recorder.start
        futures.append(pool.submit(one, i + 1, due))
    wait(futures)
    # As harness/run/load.ts achievedRate: started over the longer of the schedule and the time to the last start.
    seconds = max(requests / rate, last_start + 1 / rate)
    return {"askedPerSec": rate, "achievedPerSec": round(recorder.started / seconds, 2), "dropped": recorder.dropped, "peakInFlight": peak}


def main():
    parser = argparse.ArgumentParser(description="The python-requests scenario's client.")
    parser.add_argument("-mode", choices=CLIENTS, required=True)
    parser.add_argument("-url", required=True)
    parser.add_argument("-requests", type=int, required=True)
    parser.add_argument("-concurrency", type=int, default=1)
    parser.add_argument("-pattern", choices=["steady", "bursts", "rate"], default="steady")
    parser.add_argument("-burst-gap-ms", type=float, default=0)
    parser.add_argument("-gap-spread-ms", type=float, default=0)
    parser.add_argument("-rate", type=float, default=0, help="pattern rate: requests started per second; -concurrency caps those in flight")
    args = parser.parse_args()
    if args.requests < 1 or args.concurrency < 1 or (args.pattern == "rate" and args.rate <= 0):
        parser.error("-requests and -concurrency must be at least 1, and -pattern rate needs -rate above 0")

    counter = PoolFullCounter()
    logging.getLogger("urllib3.connectionpool").addHandler(counter)
    get = CLIENTS[args.mode](args.concurrency)
    recorder = Recorder()

    def one():
        """Sends the next request; False once all are claimed."""
        number = recorder.claim(args.requests)
        if number is None:
            return False
        t0 = time.monotonic()
        try:
            status, error = get(args.url), None
        except Exception as e:  # any failure of one request is counted, by its code
            status, error = 0, e
        took_ms = (time.monotonic() - t0) * 1000
        recorder.record(number, took_ms, took_ms, status, error)
        return True

    def worker():
        while one():
            pass

    done = threading.Event()

    def report_progress():
        # At 250 ms, then every second (FIRST_PROGRESS_MS, PROGRESS_EVERY_MS in client-protocol.ts).
        wait = 0.25
        while not done.wait(wait):
            wait = 1.0
            with recorder.lock:
                progress = {"type": "progress", "done": recorder.ok + recorder.failed, "failed": recorder.failed, "elapsedMs": round(recorder.elapsed_ms(), 3), "total": args.requests}
                if args.pattern == "rate":
                    progress.update(started=recorder.started, dropped=recorder.dropped)
                emit(progress)

    threading.Thread(target=report_progress, daemon=True).start()
    rate = None
    # Threads start as requests need them: under a rate, no more than are in flight at once.
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        if args.pattern == "rate":
            rate = run_at_rate(recorder, pool, args.rate, args.requests, args.concurrency, lambda: get(args.url))
        elif args.pattern == "steady":
            wait([pool.submit(worker) for _ in range(min(args.concurrency, args.requests))])
        else:
            # The same pauses as harness/run/load.ts: evenly from gap-spread below to gap-spread above the gap.
            pauses = math.ceil(args.requests / args.concurrency) - 1
            burst = 0
            while recorder.next < args.requests:
                wait([pool.submit(one) for _ in range(min(args.concurrency, args.requests - recorder.next))])
                share = burst / (pauses - 1) if pauses > 1 else 0.5
                gap = max(0.0, args.burst_gap_ms - args.gap_spread_ms + 2 * args.gap_spread_ms * share)
                if gap > 0 and recorder.next < args.requests:
                    time.sleep(gap / 1000)
                burst += 1
    done.set()

    outcome = {
        "type": "done",
        "ok": recorder.ok,
        "failed": recorder.failed,
        "errorsByCode": recorder.errors_by_code,
        "firstFailure": recorder.first_failure,
        "durationMs": round(recorder.elapsed_ms(), 3),
        "latencyMs": latency_summary(recorder.latencies),
        "clientCounters": {"poolFullWarnings": counter.count},
    }
    if rate is not None:
        outcome.update(rate=rate, serviceTimeMs=latency_summary(recorder.service))
    emit(outcome)
    # Exit as a Python program does: the connections the sessions still hold are closed by the kernel.


if __name__ == "__main__":
    main()
