# labels: aws moto
"""Rotation without restarts: the service checks GET /v1/whoami against an API key in (moto's)
Secrets Manager, with IAM auth on. Under a steady request load the key is rotated with the AWS
CLI (put-secret-value moves AWSCURRENT; the old version becomes AWSPREVIOUS): no request with
the old key is refused during the overlap, none with the new key once the service has picked
the rotation up, and the process is never restarted. A second rotation then retires the oldest
key.

No check depends on timing. "Once picked up" is causal: every new-key request that *started*
after the first new-key request *succeeded* must succeed. That the pick-up comes within one
refresh interval is a property of the refresh schedule, proven exactly with a hand-moved clock in
tests/unit/secrets/api_key_verifier_test.cpp; here the waits are for observable state, and their
deadlines only turn a hang into a failure. Each test has its own secret and its own service."""

import http.client
import json
import sys
import threading
import time
import unittest

from secrets_cli_test import MotoIam, aws_cli
from slipway_testlib import Process, binary, free_port, http_get, port_open, wait_until

APP = binary("src", "service", "app")
REFRESH_SECONDS = 2
KEY_1 = "rotation-key-one-5b8e0f"
KEY_2 = "rotation-key-two-7c1d94"
KEY_3 = "rotation-key-three-a3f2"


class LoadLoop:
    """Threads sending GET /v1/whoami on keep-alive loopback connections, each request recorded
    as (start, end, key, status), start and end from the monotonic clock. Bounded by
    `max_requests` and by stop(); paced."""

    def __init__(self, port, keys, threads=4, max_requests=100000, pause=0.002):
        # Paced (`pause` between requests per thread) so the loop spans the whole rotation
        # however fast the build is, and bounded by `max_requests` all the same.
        self.port, self.keys, self.max_requests, self.pause = port, list(keys), max_requests, pause
        self.results, self.lock, self.stopping = [], threading.Lock(), threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True)
                        for i in range(threads)]

    def set_keys(self, keys):
        with self.lock:
            self.keys = list(keys)

    def run(self, index):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        n = index
        while not self.stopping.is_set():
            with self.lock:
                if len(self.results) >= self.max_requests:
                    return
                key = self.keys[n % len(self.keys)]
            n += 1
            started = time.monotonic()
            try:
                conn.request("GET", "/v1/whoami", headers={"Authorization": f"Bearer {key}"})
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                status = None
            with self.lock:
                self.results.append((started, time.monotonic(), key, status))
            time.sleep(self.pause)

    def snapshot(self):
        with self.lock:
            return list(self.results)

    def first_success(self, key):
        """(start, end, key, status) of the earliest-ending 200 with `key`, or None."""
        done = [r for r in self.snapshot() if r[2] == key and r[3] == 200]
        return min(done, key=lambda r: r[1]) if done else None

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=10)
        return self.results


class RotationUnderLoad(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = MotoIam().start()

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def setUp(self):
        """A secret of this test's own, and a service reading it."""
        self.secret_id = f"svc/{self._testMethodName}"
        aws_cli(self.moto, "secretsmanager", "create-secret", "--name", self.secret_id,
                "--secret-string", KEY_1)
        self.port = free_port()
        self.app = Process([APP], env=self.moto.env(
            PORT=str(self.port), BIND_ADDRESS="127.0.0.1", SHUTDOWN_DELAY="0s", ACCESS_LOG="false",
            API_KEY_SECRET_ID=self.secret_id, API_KEY_REFRESH_INTERVAL=f"{REFRESH_SECONDS}s"))
        self.addCleanup(self.app.stop)
        wait_until(lambda: port_open(self.port) or not self.app.running(), timeout=15,
                   what="app to listen")
        self.assertTrue(self.app.running(), self.app.output())
        wait_until(lambda: self.whoami(KEY_1)[0] == 200, timeout=15, what="first key to load")

    def whoami(self, key):
        status, _, body = http_get(self.port, "/v1/whoami", {"Authorization": f"Bearer {key}"})
        return status, (json.loads(body) if status == 200 else None)

    def rotate_to(self, key):
        aws_cli(self.moto, "secretsmanager", "put-secret-value", "--secret-id", self.secret_id,
                "--secret-string", key)

    def test_rotation_refuses_no_valid_key_and_needs_no_restart(self):
        pid = self.app.pid
        self.assertEqual(self.whoami(KEY_2)[0], 401)

        load = LoadLoop(self.port, [KEY_1]).start()
        try:
            wait_until(lambda: len(load.snapshot()) >= 50, timeout=30, what="load before the rotation")
            load.set_keys([KEY_1, KEY_2])
            self.rotate_to(KEY_2)
            wait_until(lambda: load.first_success(KEY_2) is not None, timeout=30,
                       what="the new key to be accepted under load")
            picked_up = load.first_success(KEY_2)[1]
            wait_until(lambda: sum(r[2] == KEY_2 and r[0] > picked_up for r in load.snapshot()) >= 50,
                       timeout=30, what="new-key requests after the pick-up")
        finally:
            results = load.stop()

        new_after = [r for r in results if r[2] == KEY_2 and r[0] > picked_up]
        print(f"load: {len(results)} requests, {sum(r[2] == KEY_1 for r in results)} with the old "
              f"key, {sum(r[2] == KEY_2 for r in results)} with the new, "
              f"{sum(r[2] == KEY_2 and r[3] != 200 for r in results)} new-key requests refused "
              f"before the pick-up", file=sys.stderr)
        self.assertTrue(all(r[3] is not None for r in results), "connection errors")
        old_refused = [r for r in results if r[2] == KEY_1 and r[3] != 200]
        self.assertEqual(old_refused, [], "the old key was refused during the overlap")
        self.assertEqual([r for r in new_after if r[3] != 200], [],
                         "the new key was refused after the service had accepted it")
        self.assertGreaterEqual(len(new_after), 50)
        self.assertEqual(self.whoami(KEY_1)[1]["key"], "previous")
        self.assertEqual(self.whoami(KEY_2)[1]["key"], "current")

        # A second rotation retires the oldest key: the overlap lasts one rotation only.
        self.rotate_to(KEY_3)
        wait_until(lambda: self.whoami(KEY_3)[0] == 200, timeout=30, what="the third key")
        self.assertEqual(self.whoami(KEY_1)[0], 401)
        self.assertEqual(self.whoami(KEY_2)[1]["key"], "previous")

        # Same process all along, and it said what happened without saying any key.
        self.assertTrue(self.app.running())
        self.assertEqual(self.app.pid, pid)
        # The logger writes asynchronously: wait for the second line rather than race it.
        wait_until(lambda: self.app.output()[0].count('"api key rotated"') == 2, timeout=10,
                   what="two rotation log lines")
        out, err = self.app.output()
        for key in (KEY_1, KEY_2, KEY_3):
            self.assertNotIn(key, out + err)

    def test_requests_without_or_with_a_wrong_key_are_401(self):
        status, headers, body = http_get(self.port, "/v1/whoami")
        self.assertEqual(status, 401)
        self.assertEqual(json.loads(body)["error"], "missing_api_key")
        self.assertEqual(headers.get("www-authenticate"), "Bearer")
        status, _, body = http_get(self.port, "/v1/whoami", {"X-Api-Key": "not-a-key-at-all"})
        self.assertEqual((status, json.loads(body)["error"]), (401, "invalid_api_key"))


class WhoamiConfiguration(unittest.TestCase):
    def test_off_without_a_secret_id(self):
        port = free_port()
        with Process([APP], env={"PORT": str(port), "BIND_ADDRESS": "127.0.0.1",
                                 "SHUTDOWN_DELAY": "0s"}) as app:
            wait_until(lambda: port_open(port), timeout=10, what="app to listen")
            status, _, body = http_get(port, "/v1/whoami", {"X-Api-Key": "whatever-key"})
            self.assertEqual(status, 404)
            self.assertIn("API_KEY_SECRET_ID", json.loads(body)["message"])

    def test_unreachable_secrets_manager_is_503_not_a_crash(self):
        port = free_port()
        env = {"PORT": str(port), "BIND_ADDRESS": "127.0.0.1", "SHUTDOWN_DELAY": "0s",
               "API_KEY_SECRET_ID": "svc/api-key", "AWS_REGION": "us-east-1",
               "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b",
               "AWS_EC2_METADATA_DISABLED": "true",
               "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"}
        with Process([APP], env=env) as app:
            wait_until(lambda: port_open(port), timeout=10, what="app to listen")
            status, headers, _ = http_get(port, "/v1/whoami", {"X-Api-Key": "whatever-key"})
            self.assertEqual(status, 503)
            self.assertEqual(headers.get("retry-after"), "1")
            self.assertTrue(app.running())

    def test_bad_refresh_interval_stops_the_start(self):
        env = {"PORT": str(free_port()), "API_KEY_SECRET_ID": "svc/api-key",
               "API_KEY_REFRESH_INTERVAL": "sometimes", "AWS_REGION": "us-east-1"}
        with Process([APP], env=env) as app:
            self.assertEqual(app.wait(timeout=10), 2)
            _, err = app.output()
            self.assertIn("API_KEY_REFRESH_INTERVAL", err)
            self.assertEqual(len(err.strip().splitlines()), 1)


if __name__ == "__main__":
    unittest.main()
