"""Helpers for the vm target's integration tests: a throwaway stack directory (slipway.yaml on
free loopback ports, the repository's deploy/*.json, a state dir), process-engine images made
from the built service binary (a "release" is an image directory whose entrypoint runs the app,
optionally with a FAULT_INJECT switch baked in), running `slipway`, and wrk under load."""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile

import slipway_testlib as lib

SLIPWAY = None


def slipway_binary():
    return lib.binary("src", "cli", "slipway")


def app_binary():
    return lib.binary("src", "service", "app")


def sha(char):
    return char * 40


class Stack:
    """A vm stack in a temporary directory, driven through the `slipway` CLI."""

    def __init__(self, bake_time="2s", health_interval="300ms", ready_timeout="6s", engine="process",
                 drain_delay="5s"):
        self.dir = tempfile.mkdtemp(prefix="slipway_vm_")
        self.state = os.path.join(self.dir, "state")
        self.port = lib.free_port()
        self.stats_port = lib.free_port()
        self.engine = engine
        os.makedirs(os.path.join(self.dir, "deploy"))
        for name in ("taskdef.json", "service.json", "Containerfile"):
            shutil.copy(os.path.join(lib.SOURCE_DIR, "deploy", name), os.path.join(self.dir, "deploy", name))
        self.write_spec(bake_time=bake_time, health_interval=health_interval, ready_timeout=ready_timeout,
                        drain_delay=drain_delay)
        # Secrets of the task definition default to env:// references: resolved from here.
        self.env = {"DATABASE_PASSWORD": "canary-db-password-7f3a", "API_KEY": "canary-api-key-91b2",
                    "SHUTDOWN_DELAY": "500ms", "SHUTDOWN_TIMEOUT": "10s", "WORKERS": "2",
                    "SLIPWAY_STATE_DIR": self.state}

    def write_spec(self, bake_time, health_interval, ready_timeout, drain_delay, extra=""):
        with open(os.path.join(self.dir, "slipway.yaml"), "w") as f:
            f.write(f"""service: app
image_repository: app
target: vm
vm:
  listener: {{address: 127.0.0.1, port: {self.port}}}
  haproxy: {{stats_address: 127.0.0.1, stats_port: {self.stats_port}}}
  health_check: {{path: /readyz, interval: {health_interval}, healthy_threshold: 2, unhealthy_threshold: 3, timeout: {health_interval}}}
  drain_delay: {drain_delay}
  bake_time: {bake_time}
  ready_timeout: {ready_timeout}
  engine: {self.engine}
{extra}""")

    def image(self, tag, fault=None):
        """Puts app:TAG in the process engine's store; `fault` is baked into it as FAULT_INJECT."""
        directory = os.path.join(self.state, "images", "app", tag)
        os.makedirs(directory, exist_ok=True)
        entrypoint = os.path.join(directory, "entrypoint")
        with open(entrypoint, "w") as f:
            f.write("#!/bin/sh\n")
            if fault:
                f.write(f"export FAULT_INJECT='{fault}'\n")
            f.write(f"exec '{app_binary()}' \"$@\"\n")
        os.chmod(entrypoint, 0o755)
        return f"app:{tag}"

    def run(self, *args, env=None, timeout=300):
        """Runs slipway ARGS in the stack directory; returns CompletedProcess (text)."""
        full_env = dict(os.environ)
        full_env.update(self.env)
        if env:
            full_env.update(env)
        return subprocess.run([slipway_binary(), *args], cwd=self.dir, env=full_env, capture_output=True,
                              text=True, timeout=timeout)

    def deploy(self, image, *extra, **kwargs):
        return self.run("deploy", "--image", image, *extra, **kwargs)

    def deploy_until(self, image, event):
        """`slipway deploy IMAGE --output json` in the background, returned once it has printed
        EVENT (e.g. "bake_started"): for tests that signal a run at a known step."""
        proc = lib.Process([slipway_binary(), "deploy", "--image", image, "--output", "json"],
                           env=dict(os.environ, **self.env), cwd=self.dir)
        lib.wait_until(lambda: f'"{event}"' in proc.output()[0], timeout=60, what=event)
        return proc

    def status(self):
        result = self.run("status", "--output", "json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def history(self):
        result = self.run("history", "--output", "json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def version(self):
        status, _, body = lib.http_get(self.port, "/version")
        assert status == 200, status
        return json.loads(body)

    def down(self):
        if os.path.exists(self.state):
            self.run("down", timeout=120)

    def cleanup(self):
        try:
            self.down()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class Load:
    """wrk against a URL until stop(); then the counts of non-2xx/3xx responses and socket errors."""

    def __init__(self, url, connections=8, threads=2, duration="600s"):
        self.proc = lib.Process(["wrk", "-t", str(threads), "-c", str(connections), "-d", duration, url])

    def stop(self):
        self.proc.signal(signal.SIGINT)  # wrk prints its summary on SIGINT
        self.proc.wait(timeout=30)
        out, err = self.proc.output()
        non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
        requests = re.search(r"(\d+) requests in", out)
        return {
            "requests": int(requests.group(1)) if requests else 0,
            "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
            "socket_errors": sum(int(x) for x in socket.groups()) if socket else 0,
            "output": out + err,
        }


def podman_available():
    return shutil.which("podman") is not None


def release_app_binary():
    """The static release binary that goes into images (make release builds it)."""
    return os.path.join(lib.SOURCE_DIR, "build", "release", "src", "service", "app")


def podman(*args, check=True, state_dir=None):
    """Runs podman with the settings this kind of machine needs (docs/platform-notes.md)."""
    conf = os.path.join(tempfile.gettempdir(), "slipway_test_containers.conf")
    with open(conf, "w") as f:
        f.write("[containers]\ndefault_ulimits = []\n")
    env = dict(os.environ, CONTAINERS_CONF=conf)
    return subprocess.run(["podman", "--runtime", "runc", "--cgroup-manager=cgroupfs", *args], env=env,
                          capture_output=True, check=check, timeout=300)


class GitStack(Stack):
    """A Stack whose directory is a git repository, so `slipway build` can tag images by commit."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with open(os.path.join(self.dir, ".gitignore"), "w") as f:
            f.write("state/\n.env\n")
        self.git("init", "-q", ".")
        self.commit("initial")
        self.images = []  # removed by cleanup(), after the replicas are down

    def cleanup(self):
        try:
            self.down()
        finally:
            for image in reversed(self.images):  # derived images before their base
                podman("rmi", "-f", image, check=False)
            shutil.rmtree(self.dir, ignore_errors=True)

    def git(self, *args):
        env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t",
                   GIT_COMMITTER_EMAIL="t@t")
        return subprocess.run(["git", *args], cwd=self.dir, env=env, check=True, capture_output=True,
                              text=True).stdout.strip()

    def commit(self, message):
        with open(os.path.join(self.dir, "CHANGES"), "a") as f:
            f.write(message + "\n")
        self.git("add", "-A")
        self.git("commit", "-qm", message)
        return self.git("rev-parse", "HEAD")

    def build(self, *extra):
        result = self.run("build", "--no-compile", "--binary", release_app_binary(), "--output", "json", *extra)
        assert result.returncode == 0, result.stderr
        built = json.loads(result.stdout.splitlines()[-1])
        self.images.append(built["image"])
        return built

    def faulty_image(self, base, tag, fault):
        """app:TAG = `base` with FAULT_INJECT baked in: a release that misbehaves."""
        context = tempfile.mkdtemp(prefix="slipway_fault_")
        with open(os.path.join(context, "Containerfile"), "w") as f:
            f.write(f"FROM {base}\nENV FAULT_INJECT={fault}\n")
        podman("build", "-q", "-t", f"app:{tag}", context)
        shutil.rmtree(context, ignore_errors=True)
        self.images.append(f"app:{tag}")
        return f"app:{tag}"
