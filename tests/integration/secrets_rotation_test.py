# labels: aws moto
"""Rotation without restarts: the service checks GET /v1/whoami against an API key in (moto's)
Secrets Manager, with IAM auth on. Under a steady request load the key is rotated with the AWS
CLI (put-secret-value moves AWSCURRENT; the old version becomes AWSPREVIOUS): no request with
the new key is refused after one refresh interval, none with the old key during the overlap,
and the process is never restarted. A second rotation then retires the oldest key."""

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
    as (start time, key, status). Bounded by `max_requests` and by stop(); paced."""

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
                self.results.append((started, key, status))
            time.sleep(self.pause)

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
        aws_cli(cls.moto, "secretsmanager", "create-secret", "--name", "svc/api-key",
                "--secret-string", KEY_1)
        cls.port = free_port()
        cls.app = Process([APP], env=cls.moto.env(
            PORT=str(cls.port), BIND_ADDRESS="127.0.0.1", SHUTDOWN_DELAY="0s", ACCESS_LOG="false",
            API_KEY_SECRET_ID="svc/api-key", API_KEY_REFRESH_INTERVAL=f"{REFRESH_SECONDS}s"))
        wait_until(lambda: port_open(cls.port) or not cls.app.running(), timeout=15,
                   what="app to listen")
        cls.pid = cls.app.pid

    @classmethod
    def tearDownClass(cls):
        cls.app.stop()
        cls.moto.stop()

    def whoami(self, key):
        status, _, body = http_get(self.port, "/v1/whoami", {"Authorization": f"Bearer {key}"})
        return status, (json.loads(body) if status == 200 else None)

    def test_rotation_refuses_no_valid_key_and_needs_no_restart(self):
        self.assertTrue(self.app.running(), self.app.output())
        wait_until(lambda: self.whoami(KEY_1)[0] == 200, timeout=15, what="first key to load")
        self.assertEqual(self.whoami(KEY_2)[0], 401)

        load = LoadLoop(self.port, [KEY_1]).start()
        time.sleep(0.5)  # some load before the rotation
        load.set_keys([KEY_1, KEY_2])
        aws_cli(self.moto, "secretsmanager", "put-secret-value", "--secret-id", "svc/api-key",
                "--secret-string", KEY_2)
        rotated_at = time.monotonic()
        wait_until(lambda: self.whoami(KEY_2)[0] == 200, timeout=3 * REFRESH_SECONDS,
                   what="the new key to be accepted")
        time.sleep(REFRESH_SECONDS + 0.5)  # keep loading past one full refresh interval
        results = load.stop()

        self.assertGreater(len(results), 100, "the load loop barely ran")
        print(f"load: {len(results)} requests, {sum(r[1] == KEY_1 for r in results)} with the old "
              f"key, {sum(r[1] == KEY_2 for r in results)} with the new, "
              f"{sum(r[1] == KEY_2 and r[2] != 200 for r in results)} new-key requests refused "
              f"before the refresh", file=sys.stderr)
        self.assertTrue(all(status is not None for _, _, status in results), "connection errors")
        old_refused = [r for r in results if r[1] == KEY_1 and r[2] != 200]
        self.assertEqual(old_refused, [], "the old key was refused during the overlap")
        new_late_refused = [r for r in results if r[1] == KEY_2 and r[2] != 200
                            and r[0] > rotated_at + REFRESH_SECONDS]
        self.assertEqual(new_late_refused, [], "the new key was refused after one refresh interval")
        new_after = [r for r in results if r[1] == KEY_2 and r[0] > rotated_at + REFRESH_SECONDS]
        self.assertGreater(len(new_after), 10, "too few new-key requests after the interval")
        self.assertEqual(self.whoami(KEY_1)[1]["key"], "previous")
        self.assertEqual(self.whoami(KEY_2)[1]["key"], "current")

        # A second rotation retires the oldest key: the overlap lasts one rotation only.
        aws_cli(self.moto, "secretsmanager", "put-secret-value", "--secret-id", "svc/api-key",
                "--secret-string", KEY_3)
        wait_until(lambda: self.whoami(KEY_3)[0] == 200, timeout=3 * REFRESH_SECONDS,
                   what="the third key")
        self.assertEqual(self.whoami(KEY_1)[0], 401)
        self.assertEqual(self.whoami(KEY_2)[1]["key"], "previous")

        # Same process all along, and it said what happened without saying any key.
        self.assertTrue(self.app.running())
        self.assertEqual(self.app.pid, self.pid)
        # The logger writes asynchronously: wait for the second line rather than race it.
        wait_until(lambda: self.app.output()[0].count('"api key rotated"') == 2, timeout=10,
                   what="two rotation log lines")
        out, err = self.app.output()
        for key in (KEY_1, KEY_2, KEY_3):
            self.assertNotIn(key, out + err)

    def test_requests_without_or_with_a_wrong_key_are_401(self):
        wait_until(lambda: self.whoami(KEY_1)[0] in (200, 401), timeout=15, what="key loaded")
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
