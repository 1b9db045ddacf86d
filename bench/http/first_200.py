"""Time from process start to the first 200: spawn a server, then connect and GET in a tight loop
until it answers 200. The clock starts just before fork/exec and stops when the status line is
read, so it covers exec, the runtime's start-up, binding and the first request. The server is
pinned to one CPU and this poller (busy-looping on purpose: a sleep would round the figure up) to
another, so the two do not compete.

    python3 bench/http/first_200.py [--starts 11] [--server-cpu 0] [--client-cpu 1] -- ARGV...
(the server's port is passed in env PORT; argv may contain {port})."""

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status_line(port, request):
    """The status line of one request, or None if nothing listens yet or the peer closed early."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            s.connect(("127.0.0.1", port))
            s.sendall(request)
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(256)
                if not chunk:  # accepted but closed before answering (still starting up)
                    return None
                data += chunk
            return data.split(b"\r\n", 1)[0]
        except (ConnectionRefusedError, ConnectionResetError):
            return None


def time_to_first_200(argv, env=None, path="/healthz", server_cpu=0, timeout=10.0, cwd=None, nice=0):
    """Milliseconds from spawning argv (with env; env must set the port the server listens on, as
    env["PORT"]) to its first 200 on `path`. The server is killed (its whole process group)
    before returning."""
    port = int(env["PORT"])
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()

    def pin():
        os.sched_setaffinity(0, {server_cpu})
        if nice:  # see bench.py's set_autogroup_nice: the child is in a new session
            os.setpriority(os.PRIO_PROCESS, 0, nice)
            try:
                with open("/proc/self/autogroup", "w") as f:
                    f.write(str(nice))
            except FileNotFoundError:
                pass

    start = time.perf_counter_ns()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True, preexec_fn=pin)
    try:
        deadline = start + int(timeout * 1e9)
        while True:
            status = _status_line(port, request)
            now = time.perf_counter_ns()
            if status is not None and status.split(b" ")[1:2] == [b"200"]:
                return (now - start) / 1e6
            if proc.poll() is not None:
                raise RuntimeError(f"{argv[0]} exited with {proc.returncode} before answering 200")
            if now > deadline:
                raise TimeoutError(f"{argv[0]} gave no 200 on {path} within {timeout}s (last: {status!r})")
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def median_first_200(argv_for_port, env, starts, path="/healthz", server_cpu=0, nice=0):
    """Median and all samples (ms) of `starts` measured starts, after one unmeasured start that
    warms the page cache. Each start gets a new free port: argv_for_port(port) gives the command
    (which may write a config file first; that is not timed), env["PORT"] is set to it too."""
    samples = []
    for i in range(starts + 1):
        port = free_port()
        ms = time_to_first_200(argv_for_port(port), dict(env, PORT=str(port)), path=path, server_cpu=server_cpu,
                               nice=nice)
        if i > 0:
            samples.append(ms)
    return statistics.median(samples), samples


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--starts", type=int, default=11)
    parser.add_argument("--path", default="/healthz")
    parser.add_argument("--server-cpu", type=int, default=0)
    parser.add_argument("--client-cpu", type=int, default=1)
    parser.add_argument("argv", nargs="+")
    args = parser.parse_args()
    os.sched_setaffinity(0, {args.client_cpu})
    median, samples = median_first_200(lambda port: [a.replace("{port}", str(port)) for a in args.argv],
                                       dict(os.environ), args.starts, args.path, args.server_cpu)
    print(f"median {median:.2f} ms over {len(samples)} starts: " + " ".join(f"{s:.2f}" for s in samples))


if __name__ == "__main__":
    sys.exit(main())
