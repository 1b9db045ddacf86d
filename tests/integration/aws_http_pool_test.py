# labels: aws
"""aws::HttpClient's kept-alive connections, watched from the server: a loopback HTTP(S) server
that counts the TCP connections it accepts and the requests each carries, driven by
`http_send` (one HttpClient, requests read from stdin; tests/unit/aws/http_send_tool.cpp).

Checked: requests to one endpoint share one connection (plain and TLS); a connection the server
closed while idle is not used again and the request succeeds on a new one; a connection that
timed out is never reused (its late answer is not taken for the next request's); a server that
drops a reused connection after reading the request gets an idempotent request again on a new
connection but not a POST; a new TLS connection resumes the last session."""

import http.server
import json
import os
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

from slipway_testlib import binary

HTTP_SEND = binary("tests", "unit", "aws", "http_send")


class CountingServer:
    """HTTP/1.1 on 127.0.0.1, keep-alive. Paths: /ok answers "ok N" (N = the request's number
    on its connection); /slow?ms answers after that long; /drop-on-reuse closes the connection
    without an answer when it is not the connection's first request; /close answers with
    Connection: close. `idle_close` seconds: the server closes connections idle that long."""

    def __init__(self, idle_close=None, tls=None):
        outer = self
        self.connections = []  # per connection: {"requests": [paths], "resumed": bool}
        self.lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = idle_close  # socketserver: a read timeout ends the connection

            def setup(self):
                super().setup()
                self.record = {"requests": [], "resumed": bool(getattr(self.request, "session_reused", False))}
                with outer.lock:
                    outer.connections.append(self.record)

            def answer(self, text, close=False):
                data = text.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                if close:
                    self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data)
                self.wfile.flush()

            def handle_request(self):
                length = int(self.headers.get("Content-Length", 0))
                if length:
                    self.rfile.read(length)
                self.record["requests"].append(f"{self.command} {self.path}")
                number = len(self.record["requests"])
                if self.path.startswith("/slow"):
                    time.sleep(int(self.path.split("=")[1]) / 1000)
                    self.answer(f"late {number}")
                elif self.path == "/drop-on-reuse" and number > 1:
                    self.close_connection = True  # no answer at all
                elif self.path == "/close":
                    self.answer(f"ok {number}", close=True)
                else:
                    self.answer(f"ok {number}")

            do_GET = do_POST = handle_request

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.handle_error = lambda *args: None  # a client gone mid-answer is expected here
        scheme = "http"
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        host = "localhost" if tls else "127.0.0.1"  # the certificate's name
        self.url = f"{scheme}://{host}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def requests_per_connection(self):
        with self.lock:
            return [list(c["requests"]) for c in self.connections]


def send(steps, env=None, idle_timeout_ms=None):
    """Runs http_send over `steps`; returns (results, totals)."""
    argv = [HTTP_SEND] + ([str(idle_timeout_ms)] if idle_timeout_ms else [])
    result = subprocess.run(argv, input=json.dumps(steps), capture_output=True, text=True,
                            timeout=60, env=env)
    if result.returncode != 0:
        raise AssertionError(f"http_send failed ({result.returncode}): {result.stderr[-2000:]}")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    return lines[:-1], lines[-1]


class KeptAliveConnections(unittest.TestCase):
    def server(self, **kwargs):
        server = CountingServer(**kwargs)
        self.addCleanup(server.close)
        return server

    def test_requests_to_one_endpoint_share_one_connection(self):
        server = self.server()
        steps = [{"method": "POST", "url": server.url, "target": "/ok", "body": "x" * 100}] * 5
        results, totals = send(steps + [{"url": server.url, "target": "/ok"}])
        self.assertEqual([r.get("body") for r in results], [f"ok {n}" for n in range(1, 7)])
        self.assertEqual(len(server.requests_per_connection()), 1)
        self.assertEqual(totals["connections_opened"], 1)

    def test_a_connection_the_server_closed_while_idle_is_replaced(self):
        server = self.server(idle_close=0.2)
        results, _ = send([{"method": "POST", "url": server.url, "target": "/ok"},
                           {"sleep_ms": 600},  # the server has closed it by now
                           {"method": "POST", "url": server.url, "target": "/ok"},
                           {"method": "POST", "url": server.url, "target": "/ok"}])
        self.assertEqual([r.get("body") for r in results], ["ok 1", "ok 1", "ok 2"], results)
        self.assertEqual(server.requests_per_connection(), [["POST /ok"], ["POST /ok", "POST /ok"]])

    def test_an_idle_connection_past_the_idle_timeout_is_not_reused(self):
        server = self.server()
        results, totals = send([{"url": server.url, "target": "/ok"}, {"sleep_ms": 300},
                                {"url": server.url, "target": "/ok"}], idle_timeout_ms=100)
        self.assertEqual([r.get("body") for r in results], ["ok 1", "ok 1"])
        self.assertEqual(totals["connections_opened"], 2)

    def test_a_connection_that_timed_out_is_not_reused(self):
        server = self.server()
        results, _ = send([{"url": server.url, "target": "/ok"},
                           {"url": server.url, "target": "/slow?ms=600", "request_ms": 200},
                           {"url": server.url, "target": "/ok"},
                           {"sleep_ms": 700},  # the late answer has reached the old connection
                           {"url": server.url, "target": "/ok"}])
        self.assertIn("timed out", results[1].get("error", ""), results)
        # Not "late 2" (the timed-out request's answer): a new connection's first request.
        self.assertEqual([results[2].get("body"), results[3].get("body")], ["ok 1", "ok 2"], results)
        self.assertEqual(server.requests_per_connection(),
                         [["GET /ok", "GET /slow?ms=600"], ["GET /ok", "GET /ok"]])

    def test_a_reused_connection_dropped_after_the_request_is_retried_only_when_idempotent(self):
        server = self.server()
        results, _ = send([{"url": server.url, "target": "/ok"},
                           {"method": "GET", "url": server.url, "target": "/drop-on-reuse"}])
        self.assertEqual(results[1].get("body"), "ok 1", results)  # sent again, on a new connection
        self.assertEqual(server.requests_per_connection(),
                         [["GET /ok", "GET /drop-on-reuse"], ["GET /drop-on-reuse"]])

        server = self.server()
        results, _ = send([{"method": "POST", "url": server.url, "target": "/ok"},
                           {"method": "POST", "url": server.url, "target": "/drop-on-reuse"}])
        self.assertIn("error", results[1], results)  # not sent twice: the server may have acted
        self.assertEqual(server.requests_per_connection(), [["POST /ok", "POST /drop-on-reuse"]])

    def test_tls_connections_are_reused_and_new_ones_resume_the_session(self):
        with tempfile.TemporaryDirectory() as tmp:
            cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                            "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                            "-keyout", key, "-out", cert], check=True, capture_output=True, timeout=60)
            server = self.server(tls=(cert, key))
            env = dict(os.environ, SSL_CERT_FILE=cert)  # OpenSSL's bundle: trust this one
            results, totals = send([{"method": "POST", "url": server.url, "target": "/ok"}] * 3 +
                                   [{"method": "POST", "url": server.url, "target": "/close"},
                                    {"method": "POST", "url": server.url, "target": "/ok"}], env=env)
        self.assertEqual([r.get("body") for r in results], ["ok 1", "ok 2", "ok 3", "ok 4", "ok 1"],
                         results)
        self.assertEqual(len(server.requests_per_connection()), 2)
        self.assertEqual(totals["connections_opened"], 2)
        self.assertEqual(totals["tls_sessions_resumed"], 1)  # the second connection's handshake


if __name__ == "__main__":
    unittest.main()
