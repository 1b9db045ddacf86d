"""The fault-injection harness of the vm target (vm_faults_test.py runs it; docs/vm.md, "Fault
injection", lists the cells).

A cell is one fault at one step: a `slipway` command is started with
SLIPWAY_FAULT_PAUSE_AT=POINT, stops itself (SIGSTOP) when it reaches that step (an event it
emits, a state file between write and rename, a HAProxy slot between its address and its
enabling: src/core/fault_point.hpp), and the harness then kills it (SIGKILL), interrupts it
(SIGINT + SIGCONT), or breaks one of its dependencies and lets it go on (SIGCONT). Then the next
command runs, and the invariants are checked:

1. no request through HAProxy failed (wrk: 0 non-2xx, 0 socket errors) unless the fault is the
   balancer itself;
2. every release in the ledger has a terminal outcome (the next command repairs an interrupted
   one and says so);
3. the next command converges: the release it names serves from `desired` replicas, all UP in
   HAProxy and none a backup; no process of the stack that the state does not account for, no
   HAProxy server that no replica of the state owns, no lock, no temporary state file;
4. state files are replaced atomically, and a corrupt one is a one-line error naming the file
   and the repair.
"""

import hashlib
import json
import os
import signal
import socket
import time

import slipway_testlib as lib
import vm_testlib as vm

TERMINAL = {"succeeded", "failed", "rolled_back", "timed_out"}


def commit_of(label):
    """A 40-hex commit for a cell's image: distinct per label, the same on every run."""
    return hashlib.sha1(label.encode()).hexdigest()


def process_state(pid):
    """The state letter of /proc/PID/stat (R, S, T, Z...), or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    return text[text.rfind(")") + 2]


class PausedRun:
    """A slipway command that stops itself at a fault point."""

    def __init__(self, stack, args, point):
        env = dict(os.environ, **stack.env, SLIPWAY_FAULT_PAUSE_AT=point)
        self.point = point
        self.proc = lib.Process([vm.slipway_binary(), *args], env=env, cwd=stack.dir)
        self.pid = self.proc.pid

    def wait_paused(self, timeout=60):
        """Waits until the command stopped at its point; fails if it ended without reaching it."""
        def paused():
            if not self.proc.running():
                out, err = self.proc.output()
                raise AssertionError(f"`{' '.join(self.proc.argv[1:])}` never reached {self.point} "
                                     f"(exit {self.proc.proc.returncode}):\n{out}\n{err}")
            return process_state(self.pid) == "T"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if paused():
                return
            time.sleep(0.01)
        raise TimeoutError(f"{self.point} not reached in {timeout}s")

    def wait_paused_or_done(self, timeout=120):
        """True when paused again, False when the command ended."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.proc.running():
                return False
            if process_state(self.pid) == "T":
                return True
            time.sleep(0.01)
        raise TimeoutError(f"neither paused nor done in {timeout}s")

    def kill(self):
        os.kill(self.pid, signal.SIGKILL)
        return self.finish()

    def interrupt(self):
        """Ctrl-C as a terminal delivers it, then lets the command handle it."""
        os.kill(self.pid, signal.SIGINT)
        os.kill(self.pid, signal.SIGCONT)
        return self.finish()

    def resume(self):
        os.kill(self.pid, signal.SIGCONT)

    def finish(self, timeout=180):
        self.proc.wait(timeout)
        out, err = self.proc.output()
        self.proc._out.close()
        self.proc._err.close()
        return self.proc.proc.returncode, out, err


# --- what the stack looks like from outside slipway -------------------------------------------

def haproxy_servers(stack):
    """HAProxy's runtime view of the backend: {server: (status, address)} from `show stat`."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(os.path.join(stack.state, "haproxy.sock"))
        s.sendall(b"show stat\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    lines = data.decode().splitlines()
    header = lines[0].lstrip("# ").split(",")
    servers = {}
    for line in lines[1:]:
        if not line:
            continue
        row = dict(zip(header, line.split(",")))
        if row["pxname"] == "app" and row["svname"] not in ("FRONTEND", "BACKEND"):
            servers[row["svname"]] = (row["status"], row.get("addr", ""))
    return servers


def stack_processes(stack):
    """PIDs of every process of this stack: those whose environment names its state directory
    (HAProxy and the replica supervisors inherit slipway's), and the apps, which get only their
    task definition's environment but write their output to a log under the state directory."""
    marker = f"SLIPWAY_STATE_DIR={stack.state}".encode()
    logs = os.path.join(os.path.realpath(stack.state), "replicas") + os.sep
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        try:
            output = os.readlink(f"/proc/{entry}/fd/1")
        except OSError:
            output = ""
        ours = marker in env or output.startswith(logs)
        if ours and process_state(int(entry)) not in (None, "Z"):
            pids.append(int(entry))
    return pids


def parent_of(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
        return int(text[text.rfind(")") + 2:].split()[1])
    except OSError:
        return None


def read_state(stack):
    with open(os.path.join(stack.state, "state.json")) as f:
        return json.load(f)


def orphans(stack):
    """What runs or is configured for this stack that its state does not account for:
    (processes, HAProxy servers, leftover files)."""
    state = read_state(stack)
    expected = set()
    with open(os.path.join(stack.state, "haproxy.pid")) as f:
        expected.add(int(f.read().split()[0]))
    for r in state["replicas"]:
        expected.add(r["supervisor_pid"])
    stray = []
    for pid in stack_processes(stack):
        # A child of an accounted process (HAProxy's worker, a supervisor's app) is accounted.
        chain, p = [], pid
        while p and p > 1 and p not in expected:
            chain.append(p)
            p = parent_of(p)
        if p not in expected:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                stray.append((pid, f.read().replace(b"\0", b" ").decode(errors="replace")[:120]))
    owned = {}
    for r in state["replicas"]:
        for server in (r.get("server"), r.get("backup_server")):
            if server:
                owned[server] = r["port"]
    servers = []
    for name, (status, addr) in haproxy_servers(stack).items():
        if status.startswith("MAINT"):
            if name in owned:
                servers.append(f"{name} owned by a replica but in {status}")
            continue
        if name not in owned:
            servers.append(f"{name} {status} at {addr}: no replica owns it")
        elif addr and not addr.endswith(f":{owned[name]}"):
            servers.append(f"{name} at {addr}, its replica listens on {owned[name]}")
    files = [name for name in os.listdir(stack.state) if ".tmp." in name or name == "lock"]
    targets = os.path.join(stack.state, "prometheus", "targets")
    files += [name for name in os.listdir(targets) if ".tmp." in name] if os.path.isdir(targets) else []
    return stray, servers, files


def converged(stack, commit, desired):
    """Problems with the stack after the next command (empty when it converged): the release
    with `commit` serves from `desired` replicas, all UP and active, and nothing is orphaned."""
    problems = []
    history = stack.history()
    open_ones = [(r["revision"], r["outcome"]) for r in history if r["outcome"] not in TERMINAL]
    if open_ones:
        problems.append(f"releases without a terminal outcome: {open_ones}")
    status = stack.status()
    replicas = status["replicas"]
    current = read_state(stack)["current"]
    if current is None or current["commit"] != commit:
        problems.append(f"state's current release is {current}, expected commit {commit[:8]}")
    if len(replicas) != desired:
        problems.append(f"{len(replicas)} replicas, expected {desired}")
    for r in replicas:
        if r["backup"] or not r["haproxy_status"].startswith("UP") or not r["running"] or (
                current and r["revision"] != current["revision"]):
            problems.append(f"replica {r['name']} rev {r['revision']} backup={r['backup']} "
                            f"haproxy={r['haproxy_status']} running={r['running']}")
    serving = {stack.version()["commit"] for _ in range(4)}
    if serving != {commit}:
        problems.append(f"HAProxy serves {sorted(c[:8] for c in serving)}, expected {commit[:8]}")
    stray, servers, files = orphans(stack)
    if stray:
        problems.append(f"orphan processes: {stray}")
    if servers:
        problems.append(f"orphan HAProxy servers: {servers}")
    if files:
        problems.append(f"left in the state directory: {files}")
    return problems


class Load:
    """wrk through HAProxy for the length of one cell (a light load: the machine is shared)."""

    def __init__(self, stack):
        self.wrk = vm.Load(f"http://127.0.0.1:{stack.port}/", connections=4, threads=1)

    def stop(self):
        counts = self.wrk.stop()
        self.wrk.proc._out.close()
        self.wrk.proc._err.close()
        return counts["requests"], counts["non_2xx"] + counts["socket_errors"], counts["output"]


class FlakyAws:
    """A loopback HTTP proxy in front of moto that answers as a failing AWS would: "pass"
    (forwards), "throttle" (400 ThrottlingException), "500" (InternalFailure), each for the next
    `count` requests or for all (count None); down() closes its port (connection refused)."""

    def __init__(self, upstream_port):
        import http.client
        import http.server
        import threading
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                mode = proxy.next_mode()
                if mode == "throttle":
                    return self.answer(400, {"__type": "ThrottlingException", "message": "Rate exceeded"},
                                       "ThrottlingException")
                if mode == "500":
                    return self.answer(500, {"__type": "InternalFailure", "message": "injected"}, "InternalFailure")
                conn = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=30)
                conn.request("POST", self.path, body=body, headers=dict(self.headers))
                resp = conn.getresponse()
                data = resp.read()
                self.send_response(resp.status)
                for name, value in resp.getheaders():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            def answer(self, status, document, error_type):
                data = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("x-amzn-ErrorType", error_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._handler = Handler
        self._http = http.server
        self._threading = threading
        self.port = lib.free_port()
        self.mode, self.count, self.requests = "pass", None, []
        self.lock = threading.Lock()
        self.server = None
        self.up()

    def next_mode(self):
        with self.lock:
            mode = self.mode
            if self.count is not None:
                if self.count == 0:
                    mode = "pass"
                else:
                    self.count -= 1
            self.requests.append(mode)
            return mode

    def set(self, mode, count=None):
        with self.lock:
            self.mode, self.count, self.requests = mode, count, []

    def up(self):
        self.server = self._http.ThreadingHTTPServer(("127.0.0.1", self.port), self._handler)
        self.server.daemon_threads = True
        self._threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
