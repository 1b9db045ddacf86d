"""Shared helpers for integration tests: free loopback ports, processes started and stopped by
PID, and polling with a deadline (never a bare sleep)."""

import atexit
import contextlib
import fcntl
import http.client
import os
import random
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


PORT_LOCK_DIR = os.path.join(tempfile.gettempdir(), "slipway-test-ports")
_reserved_ports = []  # open, flocked files: each port stays this process's until it exits
atexit.register(lambda: [lock.close() for lock in _reserved_ports])


def _ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port(host="127.0.0.1"):
    """A TCP port for a server a test starts. Asking the kernel for one (bind to port 0) only says
    it was free a moment ago, and it comes from the ephemeral range, where the next client
    connection may take it as its source port. So: a random port below that range, reserved for
    this process with an flock under PORT_LOCK_DIR (tests running in parallel never pick the
    same one), and checked free by binding it."""
    os.makedirs(PORT_LOCK_DIR, exist_ok=True)
    high = _ephemeral_low()
    low = max(1024, high - 12000)
    rng = random.SystemRandom()
    for _ in range(500):
        port = rng.randrange(low, high)
        lock = open(os.path.join(PORT_LOCK_DIR, str(port)), "a")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind((host, port))
        except OSError:  # locked by another test, or something listens there
            lock.close()
            continue
        _reserved_ports.append(lock)
        return port
    raise RuntimeError(f"no free TCP port between {low} and {high} after 500 tries")


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


def start_moto(env=None):
    """moto's server on a free loopback port, answering; returns (Process, port). Stop it by PID
    with Process.stop()."""
    port = free_port()
    moto = Process(["moto_server", "-H", "127.0.0.1", "-p", str(port)], env=env)
    wait_until(lambda: http_get(port, "/moto-api/")[0] == 200, timeout=30, what="moto")
    return moto, port
