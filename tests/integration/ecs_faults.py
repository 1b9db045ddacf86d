"""Fault injection for the ECS target (ecs_faults_test.py runs the cells): a loopback proxy in
front of moto that fails chosen AWS calls the way AWS does, or holds one until the test has
interrupted slipway, and the invariants every cell checks afterwards.

A cell is driven by events, never by sleeps: "hold the 2nd UpdateService" parks that request in
the proxy, the test sees it arrive, sends SIGINT to slipway, then lets the request through; "the
deployment is baking" is the proxy having answered two DescribeServices with the deployment
COMPLETED.

moto never completes an ECS deployment (docs/platform-notes.md). With `complete_deployments` the
proxy rewrites each DescribeServices answer as ECS reads once a rollout is done (the PRIMARY
deployment COMPLETED, running = desired), so a deploy reaches its bake and a verdict of success;
without it a deploy times out (exit 4) and slipway points the service back."""

import http.client
import http.server
import json
import re
import socket
import threading
import urllib.parse

from slipway_testlib import free_port

# AWS's error documents. JSON 1.1 services (ECS, Secrets Manager, Logs) put the type in __type;
# the Query services (ELBv2, CloudWatch) answer an ErrorResponse document.
ANSWERS = {
    # ECS's own throttling answer (Amazon ECS API reference, "Common errors": ThrottlingException,
    # HTTP 400).
    "throttle": (400, "ThrottlingException", "Throttling", "Rate exceeded"),
    # ECS's 5xx error type is ServerException ("These errors are usually caused by a server
    # issue"); 503 is the common ServiceUnavailable.
    "500": (500, "ServerException", "InternalFailure", "injected server error"),
    "503": (503, "ServiceUnavailableException", "ServiceUnavailable", "Service is unavailable"),
    # STS session credentials past their expiry: every service answers ExpiredTokenException
    # (JSON) or ExpiredToken (Query), HTTP 400.
    "expired": (400, "ExpiredTokenException", "ExpiredToken",
                "The security token included in the request is expired"),
}


# "drop" closes the connection without an answer. "applied:ANSWER" forwards the call, then
# answers ANSWER (or drops): the request took effect and the caller cannot know it.


class Rule:
    """Answers `answer` to calls of `operation` ("*": any) after letting `skip` of them through,
    for `count` calls (None: from then on); with `after`, only once a call of that operation
    went through."""

    def __init__(self, operation, answer, skip=0, count=None, after=None):
        self.operation, self.answer, self.skip, self.count = operation, answer, skip, count
        self.after = after

    def take(self, operation):
        if self.after is not None or self.operation not in ("*", operation):
            return False
        if self.skip > 0:
            self.skip -= 1
            return False
        if self.count is None:
            return True
        if self.count == 0:
            return False
        self.count -= 1
        return True


class Hold:
    """Parks the `nth` call of `operation` until release(); `arrived` is set when it is parked."""

    def __init__(self, operation, nth):
        self.operation, self.remaining = operation, nth
        self.arrived, self.released = threading.Event(), threading.Event()

    def release(self):
        self.released.set()


class FaultProxy:
    """A loopback HTTP proxy to moto. Every request is forwarded unchanged (the SigV4 signature
    covers the Host header, which moto then sees as the proxy's, as slipway signed it) unless a
    rule or a hold says otherwise. `calls` lists (operation, what happened) in order."""

    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.lock = threading.Lock()
        self.rules, self.holds, self.calls = [], [], []
        # Each call as iam_evaluation.iam_requests() reads one: region, service, action, params.
        self.requests = []
        self.complete_deployments = False
        self.completed_reads = 0  # DescribeServices answered with the deployment COMPLETED
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                operation, json_protocol = proxy.operation_of(self.headers, body)
                with proxy.lock:
                    proxy.requests.append(proxy.call_of(self.headers, body, operation, json_protocol))
                answer, hold = proxy.decide(operation)
                if hold is not None:
                    hold.arrived.set()
                    hold.released.wait(timeout=60)
                if answer is not None and not answer.startswith("applied:"):
                    return self.fail(answer, json_protocol)
                status, headers, data = proxy.forward(self.path, self.headers, body)
                if answer is not None:  # done upstream, the answer lost: AWS's 5xx ambiguity
                    return self.fail(answer.removeprefix("applied:"), json_protocol)
                if operation == "DescribeServices" and status == 200 and proxy.complete_deployments:
                    data = proxy.completed(data)
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in ("content-length", "transfer-encoding", "connection",
                                            "server", "date"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def fail(self, answer, json_protocol):
                if answer == "drop":  # the connection closes with no answer: a network error
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                status, json_type, query_code, message = ANSWERS[answer]
                if json_protocol:
                    data = json.dumps({"__type": json_type, "message": message}).encode()
                    content_type = "application/x-amz-json-1.1"
                else:
                    data = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{query_code}</Code>"
                            f"<Message>{message}</Message></Error><RequestId>0</RequestId>"
                            "</ErrorResponse>").encode()
                    content_type = "text/xml"
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("x-amzn-ErrorType", json_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def operation_of(headers, body):
        """(operation, JSON protocol?) from X-Amz-Target or the Query form's Action."""
        target = headers.get("X-Amz-Target")
        if target:
            return target.rsplit(".", 1)[-1], True
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        return form.get("Action", ["?"])[0], False

    @staticmethod
    def call_of(headers, body, operation, json_protocol):
        """The call's region and service from its SigV4 credential scope, and its parameters."""
        scope = re.search(r"Credential=[^/]+/\d+/([^/]+)/([^/]+)/", headers.get("Authorization", ""))
        region, service = scope.groups() if scope else ("", "")
        if json_protocol:
            params = json.loads(body or b"{}")
        else:
            params = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace")).items()}
        return {"region": region, "service": service, "action": operation, "params": params}

    def decide(self, operation):
        with self.lock:
            hold = None
            for candidate in self.holds:
                if candidate.operation == operation and not candidate.arrived.is_set():
                    candidate.remaining -= 1
                    if candidate.remaining == 0:
                        hold = candidate
                    break
            answer = next((rule.answer for rule in self.rules if rule.take(operation)), None)
            self.calls.append((operation, answer or "pass"))
            if answer is None:
                for rule in self.rules:
                    if rule.after == operation:
                        rule.after = None  # armed from the next call on
            return answer, hold

    def forward(self, path, headers, body):
        connection = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=60)
        try:
            connection.request("POST", path, body=body, headers=dict(headers))
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def completed(self, data):
        document = json.loads(data)
        for service in document.get("services", []):
            for deployment in service.get("deployments", []):
                if deployment.get("status") == "PRIMARY":
                    deployment["rolloutState"] = "COMPLETED"
                    deployment["runningCount"] = deployment.get("desiredCount", 0)
                    deployment["pendingCount"] = 0
            service["runningCount"] = service.get("desiredCount", 0)
        with self.lock:
            self.completed_reads += 1
        return json.dumps(document).encode()

    # The test's side.

    def fail(self, operation, answer, skip=0, count=None, after=None):
        with self.lock:
            self.rules.append(Rule(operation, answer, skip, count, after))

    def hold(self, operation, nth=1):
        hold = Hold(operation, nth)
        with self.lock:
            self.holds.append(hold)
        return hold

    def clear(self):
        with self.lock:
            for hold in self.holds:
                hold.release()
            self.rules, self.holds, self.calls, self.requests = [], [], [], []
            self.complete_deployments, self.completed_reads = False, 0

    def count(self, operation, answer=None):
        with self.lock:
            return sum(1 for op, a in self.calls if op == operation and answer in (None, a))

    def close(self):
        self.clear()
        self.server.shutdown()
        self.server.server_close()
