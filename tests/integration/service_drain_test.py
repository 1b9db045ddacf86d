"""Graceful shutdown of the service: SIGTERM turns readiness 503 at once, serving goes on for
SHUTDOWN_DELAY, then new connections are refused while in-flight requests finish, and the
process exits 0 — or 1, saying so, when SHUTDOWN_TIMEOUT passes first."""

import json
import signal
import socket
import threading
import time
import unittest

from slipway_testlib import Process, binary, free_port, http_get, port_open, wait_until

APP = binary("src", "service", "app")


def start_app(**env):
    port = free_port()
    base = {"PORT": str(port), "BIND_ADDRESS": "127.0.0.1", "FAULT_INJECT": "slow"}
    base.update(env)
    proc = Process([APP], env=base)
    wait_until(lambda: port_open(port), timeout=10, what="app to listen")
    return proc, port


class SlowRequest(threading.Thread):
    """A GET /debug/slow in flight on its own connection."""

    def __init__(self, port, ms):
        super().__init__(daemon=True)
        self.port, self.ms = port, ms
        self.result = None

    def run(self):
        try:
            self.result = http_get(self.port, f"/debug/slow?ms={self.ms}", timeout=30)
        except Exception as e:  # recorded for the assertion
            self.result = e


def in_flight(port):
    _, _, body = http_get(port, "/metrics")
    for line in body.decode().splitlines():
        if line.startswith("http_requests_in_flight "):
            return float(line.split()[1])
    return 0


class Drain(unittest.TestCase):
    def test_in_flight_request_completes_and_exit_is_0(self):
        proc, port = start_app(SHUTDOWN_DELAY="1s", SHUTDOWN_TIMEOUT="20s")
        slow = SlowRequest(port, 3000)
        slow.start()
        # The /metrics request itself is in flight too: wait for two.
        wait_until(lambda: in_flight(port) >= 2, what="the slow request to be in flight")
        # An idle keep-alive connection, which the drain must close rather than wait for.
        idle = socket.create_connection(("127.0.0.1", port), timeout=10)
        idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertTrue(idle.recv(4096).startswith(b"HTTP/1.1 200 "))

        proc.signal(signal.SIGTERM)
        # At once: readiness fails, but the service still answers during the delay.
        wait_until(lambda: http_get(port, "/readyz")[0] == 503, timeout=2, what="readyz 503")
        self.assertEqual(http_get(port, "/healthz")[0], 200)
        # After the delay: no new connections.
        wait_until(lambda: not port_open(port), timeout=5, what="listener closed")
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2)
        self.assertEqual(idle.recv(100), b"", "idle keep-alive connection closed by the drain")
        idle.close()

        slow.join(timeout=20)
        self.assertIsInstance(slow.result, tuple, f"slow request failed: {slow.result}")
        status, headers, body = slow.result
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("connection"), "close")
        self.assertEqual(proc.wait(timeout=20), 0)
        out, _ = proc.output()
        messages = [json.loads(l)["msg"] for l in out.splitlines()]
        self.assertIn("draining: readiness is now 503", messages)
        self.assertEqual(messages[-1], "stopped")

    def test_shutdown_timeout_exits_1_and_says_so(self):
        proc, port = start_app(SHUTDOWN_DELAY="0s", SHUTDOWN_TIMEOUT="1s")
        slow = SlowRequest(port, 20000)
        slow.start()
        wait_until(lambda: in_flight(port) >= 2, what="the slow request to be in flight")
        started = time.monotonic()
        proc.signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=15), 1)
        self.assertLess(time.monotonic() - started, 10)
        out, _ = proc.output()
        errors = [json.loads(l) for l in out.splitlines() if json.loads(l)["level"] == "error"]
        self.assertTrue(any("shutdown timed out" in e["msg"] for e in errors), out)
        slow.join(timeout=5)

    def test_sigint_drains_too(self):
        proc, port = start_app(SHUTDOWN_DELAY="0s")
        self.assertEqual(http_get(port, "/healthz")[0], 200)
        proc.signal(signal.SIGINT)
        self.assertEqual(proc.wait(timeout=10), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
