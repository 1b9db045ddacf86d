# labels: aws moto
"""The AWS transport end to end on loopback: retries with backoff for throttling and 5xx (and
none for other 4xx), credentials from an IMDSv2 stand-in (token first), and the endpoint
precedence of --endpoint-url over AWS_ENDPOINT_URL_<SERVICE> over AWS_ENDPOINT_URL.

The flaky front and the metadata server are stand-ins: no real component can fail on cue or
play EC2's metadata service here."""

import http.client
import http.server
import json
import os
import shutil
import ssl
import subprocess
import tempfile
import threading
import unittest

from secrets_cli_test import MotoIam, aws_cli, base_env, run_slipway
from slipway_testlib import free_port


class FlakyFront:
    """Answers the first `failures` requests itself with `status` and the JSON error `code`,
    then forwards everything to moto. Counts requests."""

    def __init__(self, moto_port, failures, status, code, tls=None):
        outer = self
        self.requests = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.requests += 1
                if outer.requests <= failures:
                    data = json.dumps({"__type": code, "message": "stand-in failure"}).encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "application/x-amz-json-1.1")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                conn = http.client.HTTPConnection("127.0.0.1", moto_port, timeout=30)
                conn.request("POST", self.path, body=body, headers=dict(self.headers.items()))
                response = conn.getresponse()
                data = response.read()
                self.send_response(response.status)
                for k, v in response.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        scheme = "http"
        if tls:  # (certificate, key): terminate TLS here, as an AWS endpoint does
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class ImdsStandIn:
    """IMDSv2: PUT /latest/api/token, then GETs that must carry the token."""

    def __init__(self, key, secret):
        outer = self
        self.log = []
        token = "imds-session-token"

        class Handler(http.server.BaseHTTPRequestHandler):
            def reply(self, status, body):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_PUT(self):
                outer.log.append(("PUT", self.path))
                if self.path == "/latest/api/token" and \
                        self.headers.get("x-aws-ec2-metadata-token-ttl-seconds"):
                    return self.reply(200, token)
                self.reply(400, "")

            def do_GET(self):
                outer.log.append(("GET", self.path))
                if self.headers.get("x-aws-ec2-metadata-token") != token:
                    return self.reply(401, "")  # IMDSv1 is off on this "instance"
                base = "/latest/meta-data/iam/security-credentials/"
                if self.path == base:
                    return self.reply(200, "task-role\n")
                if self.path == base + "task-role":
                    return self.reply(200, json.dumps({
                        "Code": "Success", "AccessKeyId": key, "SecretAccessKey": secret,
                        "Token": "", "Expiration": "2099-01-01T00:00:00Z"}))
                self.reply(404, "")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Transport(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = MotoIam().start()
        cls.arn = aws_cli(cls.moto, "secretsmanager", "create-secret", "--name", "t/one",
                          "--secret-string", "transport-value-1")["ARN"]

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def get_through(self, front):
        return run_slipway(["secrets", "get", self.arn], self.moto.env(AWS_ENDPOINT_URL=front.url))

    def test_throttling_and_server_errors_are_retried(self):
        for status, code in ((400, "ThrottlingException"), (500, "InternalFailure"),
                             (503, "ServiceUnavailable")):
            with self.subTest(code=code):
                front = FlakyFront(self.moto.port, 2, status, code)
                try:
                    result = self.get_through(front)
                    self.assertEqual(result.returncode, 0, result.stderr)
                    self.assertEqual(result.stdout, "transport-value-1\n")
                    self.assertEqual(front.requests, 3)
                finally:
                    front.close()

    def test_retries_stop_after_four_attempts(self):
        front = FlakyFront(self.moto.port, 100, 503, "ServiceUnavailable")
        try:
            result = self.get_through(front)
            self.assertEqual(result.returncode, 7)
            self.assertIn("ServiceUnavailable", result.stderr)
            self.assertEqual(front.requests, 4)
        finally:
            front.close()

    def test_client_errors_are_not_retried(self):
        front = FlakyFront(self.moto.port, 100, 400, "ValidationException")
        try:
            result = self.get_through(front)
            self.assertEqual(result.returncode, 7)
            self.assertIn("ValidationException", result.stderr)
            self.assertEqual(front.requests, 1)
        finally:
            front.close()

    def test_imds_v2_credentials(self):
        key, secret = self.moto.users["admin"]
        imds = ImdsStandIn(key, secret)
        try:
            env = base_env()
            del env["AWS_EC2_METADATA_DISABLED"]
            env.update({"AWS_ENDPOINT_URL": self.moto.url,
                        "AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.url})
            result = run_slipway(["whoami"], env)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn(":user/admin", result.stdout)
            self.assertEqual(imds.log[0], ("PUT", "/latest/api/token"))
            env["AWS_EC2_METADATA_DISABLED"] = "true"
            before = len(imds.log)
            result = run_slipway(["whoami"], env)
            self.assertEqual(result.returncode, 7)
            self.assertIn("no AWS credentials", result.stderr)
            self.assertEqual(len(imds.log), before, "IMDS was asked although disabled")
        finally:
            imds.close()

    def test_endpoint_precedence(self):
        dead = f"http://127.0.0.1:{free_port()}"
        # The service-specific variable beats the global one...
        env = self.moto.env(AWS_ENDPOINT_URL=dead, AWS_ENDPOINT_URL_SECRETS_MANAGER=self.moto.url)
        self.assertEqual(run_slipway(["secrets", "get", self.arn], env).returncode, 0)
        # ...and --endpoint-url beats both.
        env = self.moto.env(AWS_ENDPOINT_URL=dead, AWS_ENDPOINT_URL_SECRETS_MANAGER=dead)
        result = run_slipway(["--endpoint-url", self.moto.url, "secrets", "get", self.arn], env)
        self.assertEqual(result.returncode, 0, result.stderr)
        env = self.moto.env(AWS_ENDPOINT_URL_SECRETS_MANAGER=dead)
        self.assertEqual(run_slipway(["secrets", "get", self.arn], env).returncode, 7)

    def test_tls_verifies_the_peer_against_the_ca_bundle_and_the_host_name(self):
        with tempfile.TemporaryDirectory() as tmp:
            cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                            "1", "-subj", "/CN=localhost", "-addext",
                            "subjectAltName=DNS:localhost", "-keyout", key,
                            "-out", cert], check=True, capture_output=True, timeout=60)
            front = FlakyFront(self.moto.port, 0, 200, "", tls=(cert, key))
            port = front.url.rsplit(":", 1)[1]
            by_name = f"https://localhost:{port}"  # the name in the certificate
            try:
                # Not in the system CA bundle: refused at the handshake, one line, exit 7.
                result = run_slipway(["secrets", "get", self.arn],
                                     self.moto.env(AWS_ENDPOINT_URL=by_name))
                self.assertEqual(result.returncode, 7)
                self.assertIn("TLS handshake", result.stderr)
                self.assertEqual(len(result.stderr.splitlines()), 1)
                # Trusted (OpenSSL reads SSL_CERT_FILE as its bundle): the call goes through.
                env = self.moto.env(AWS_ENDPOINT_URL=by_name, SSL_CERT_FILE=cert)
                result = run_slipway(["secrets", "get", self.arn], env)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(result.stdout, "transport-value-1\n")
                # Trusted through a directory of certificates named by subject hash
                # (SSL_CERT_DIR, as the release image ships them): the call goes through.
                cert_dir = os.path.join(tmp, "certs")
                os.mkdir(cert_dir)
                subject_hash = subprocess.run(["openssl", "x509", "-hash", "-noout", "-in", cert],
                                              check=True, capture_output=True, text=True,
                                              timeout=60).stdout.strip()
                shutil.copy(cert, os.path.join(cert_dir, f"{subject_hash}.0"))
                by_dir = self.moto.env(AWS_ENDPOINT_URL=by_name, SSL_CERT_DIR=cert_dir)
                by_dir.pop("SSL_CERT_FILE", None)
                result = run_slipway(["secrets", "get", self.arn], by_dir)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(result.stdout, "transport-value-1\n")
                # Trusted, same server, but the address is not the certificate's name: refused.
                env["AWS_ENDPOINT_URL"] = f"https://127.0.0.1:{port}"
                result = run_slipway(["secrets", "get", self.arn], env)
                self.assertEqual(result.returncode, 7)
                self.assertIn("TLS handshake", result.stderr)
            finally:
                front.close()

    def test_a_malformed_endpoint_url_is_bad_input(self):
        result = run_slipway(["--endpoint-url", "127.0.0.1:4566", "secrets", "get", self.arn],
                             self.moto.env())
        self.assertEqual(result.returncode, 2)
        self.assertIn("--endpoint-url", result.stderr)
        self.assertEqual(len(result.stderr.splitlines()), 1)


if __name__ == "__main__":
    unittest.main()
