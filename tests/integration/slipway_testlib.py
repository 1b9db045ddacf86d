"""Shared helpers for integration tests: free loopback ports, processes started and stopped by
PID, and polling with a deadline (never a bare sleep)."""

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import tempfile
import time

BUILD_DIR = os.environ.get("SLIPWAY_BUILD_DIR", os.path.join(os.path.dirname(__file__), "../../build/dev"))
SOURCE_DIR = os.environ.get("SLIPWAY_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))


def binary(*parts):
    """Path of a built executable, e.g. binary("src", "service", "app")."""
    path = os.path.join(BUILD_DIR, *parts)
    if not os.access(path, os.X_OK):
        raise FileNotFoundError(f"{path} is not built: run `make build` first")
    return path


def free_port(host="127.0.0.1"):
    """A TCP port nobody listens on right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout=10.0, interval=0.02, what="condition"):
    """Polls predicate() until it returns a truthy value or the deadline passes."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # the thing polled may not exist yet
            last_error = e
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what} (last error: {last_error})")


def port_open(port, host="127.0.0.1"):
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
        return True
    return False


def http_get(port, path, headers=None, host="127.0.0.1", timeout=5.0, method="GET", body=None):
    """One request on a new connection; returns (status, headers dict lower-cased, body bytes)."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


class Process:
    """A child process in its own session (process group), stopped by PID and group on stop().
    stdout and stderr go to temporary files, so a chatty child never blocks on a full pipe;
    read them with output() at any time."""

    def __init__(self, argv, env=None, **kwargs):
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        self.argv = argv
        self._out = tempfile.TemporaryFile()
        self._err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(argv, env=full_env, stdin=subprocess.DEVNULL, stdout=self._out,
                                     stderr=self._err, start_new_session=True, **kwargs)
        self.pid = self.proc.pid

    def signal(self, signum):
        self.proc.send_signal(signum)

    def wait(self, timeout):
        return self.proc.wait(timeout=timeout)

    def running(self):
        return self.proc.poll() is None

    def output(self):
        """(stdout, stderr) so far, as text."""
        def read(f):
            f.seek(0)
            return f.read().decode("utf-8", "replace")
        return read(self._out), read(self._err)

    def stop(self, timeout=5.0):
        """SIGTERM to the group, SIGKILL after `timeout`; returns (returncode, stdout, stderr)."""
        if self.running():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid, signal.SIGKILL)
                self.proc.wait(timeout=timeout)
        out, err = self.output()
        return self.proc.returncode, out, err

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
