"""Lays out the service's code by what a profile runs: writes src/service/text_order.ld, the
linker script fragment the static release build links the service with.

Why: the kernel maps a binary's pages 64 KiB at a time around each page fault (fault-around), and
counts every mapped page in RSS. The code a request or an X-Ray call runs is spread over the whole
5.4 MB text segment: a handshake alone touches some 300 OpenSSL objects. So nearly all of it became
resident, about twice what is run. Placing the input sections that run next to one another, those
of the service without tracing first, keeps the rest of the binary out of memory
(bench/http/README.md, "Laying out the code").

How: the release binary runs under valgrind's callgrind twice, with tracing off and with tracing
at 100 % to an HTTPS stand-in for X-Ray, under wrk's load on the paths production sees. Every
instruction address it executed is mapped to its input section (archive member and section name)
through the link map the build writes beside the binary (app.map). valgrind's CPU lacks some of
the real one's features, so glibc's string functions may pick another variant there: every
variant of a family that ran is kept.

Usage (after `make release`; needs valgrind, nginx, openssl and wrk):
  python3 bench/http/text_order.py            # writes src/service/text_order.ld
  make release && bench/http/run.sh ...       # and see RSS after load

Only loopback traffic. Every process it starts is stopped by PID."""

import argparse
import bisect
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench import REPO, XRAY_SINK_CONF, free_port, http_status, make_sink_certificate, stop_group  # noqa: E402

# The paths production sees: the application's routes, the balancer's health check, Prometheus's
# scrape, and a miss.
LOAD_PATHS = ["/", "/healthz", "/metrics", "/no-such-route"]

# glibc picks one variant of each string function (memmove-avx-unaligned-erms.o, memmove-evex-...)
# by the CPU's features; valgrind reports fewer features than the CPU has.
GLIBC_VARIANT_MEMBER = re.compile(r"libc\.a\(((?:mem|str|stp|rawmem|wcs|wmem|wcp)[a-z_]*)-[\w-]+\.o\)$")


def fail(msg):
    print(f"text_order: {msg}", file=sys.stderr)
    sys.exit(2)


def log(msg):
    print(f"text_order: {msg}", file=sys.stderr, flush=True)


def text_input_sections(map_path):
    """The input sections of the .text output section in a GNU ld map: (address, size, section
    name, file) with file as ld writes it, e.g. "/usr/lib/.../libcrypto.a(libcrypto-lib-bio_lib.o)".
    A long section name puts its address, size and file on the next line."""
    sections, in_text, pending = [], False, None
    entry = re.compile(r"^ (\.text\S*)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
    continued = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
    with open(map_path) as f:
        for line in f:
            if re.match(r"^\.text(\.profiled)?\s", line) or line.rstrip() in (".text", ".text.profiled"):
                in_text = True
                continue
            if in_text and re.match(r"^\.\S", line):
                in_text = False  # the next output section
            if not in_text:
                continue
            if m := entry.match(line):
                name, address, size, origin = m.group(1), int(m.group(2), 16), int(m.group(3), 16), m.group(4)
            elif pending and (m := continued.match(line)):
                name, address, size, origin = pending, int(m.group(1), 16), int(m.group(2), 16), m.group(3)
            else:
                pending = m.group(1) if (m := re.match(r"^ (\.text\S*)\s*$", line)) else None
                continue
            pending = None
            if size:
                sections.append((address, size, name, origin.strip()))
    sections.sort()
    if not sections:
        fail(f"{map_path} lists no .text input sections: is it a GNU ld map (-Wl,-Map) of the service?")
    return sections


def executed_addresses(callgrind_out):
    """Every instruction address in a callgrind profile written with --dump-instr=yes. Positions
    are absolute (0x...), relative to the previous one (+N, -N) or the same (*)."""
    addresses, current = set(), 0
    position = re.compile(r"^(0x[0-9a-f]+|[+-][0-9]+|\*)\s")
    with open(callgrind_out) as f:
        for line in f:
            if not (m := position.match(line)):
                continue
            token = m.group(1)
            if token.startswith("0x"):
                current = int(token, 16)
            elif token != "*":
                current += int(token)
            addresses.add(current)
    return addresses


def sections_run(sections, addresses):
    starts = [s[0] for s in sections]
    run = set()
    for address in addresses:
        i = bisect.bisect_right(starts, address) - 1
        if i >= 0 and address < sections[i][0] + sections[i][1]:
            run.add(i)
    return run


def with_all_glibc_variants(sections, run):
    families = {m.group(1) for i in run if (m := GLIBC_VARIANT_MEMBER.search(sections[i][3]))}
    return run | {i for i, s in enumerate(sections)
                  if (m := GLIBC_VARIANT_MEMBER.search(s[3])) and m.group(1) in families}


def pattern(section):
    """The linker script input-section pattern that names one input section: an inline or template
    C++ function by its own section (.text._Z<mangled name>), of which the link keeps one copy;
    anything else by archive member and section name, as .text, .text.unlikely and the like
    repeat in every object."""
    _, _, name, origin = section
    if name.startswith(".text._Z"):
        return f"*({name})"
    if m := re.match(r"^(?:.*/)?([^/(]+\.a)\(([^)]+)\)$", origin):
        return f"*{m.group(1)}:{m.group(2)}({name})"
    return f"*{os.path.basename(origin)}({name})"


def render(sections, order, profiles):
    lines = [
        "/* Generated by bench/http/text_order.py: do not edit; run it again after changes to",
        "   the request or tracing paths (bench/http/README.md, \"Laying out the code\").",
        "   The input sections the service ran under " + " and ".join(profiles) + ",",
        "   in one output section ahead of .text, the first profile's first: a page the kernel",
        "   maps then holds code that runs, not its neighbours in link order. A pattern that",
        "   matches nothing (a renamed function, another OpenSSL build) only costs memory. */",
        "SECTIONS",
        "{",
        "  .text.profiled :",
        "  {",
    ]
    lines += [f"    {pattern(sections[i])}" for i in order]
    lines += ["  }", "}", "INSERT BEFORE .text;", ""]
    return "\n".join(lines)


class Profiled:
    """The service under callgrind on a free loopback port."""

    def __init__(self, app, env, workdir, name):
        self.port = free_port()
        slug = re.sub(r"\W+", "-", name).strip("-")
        self.out = os.path.join(workdir, f"callgrind.{slug}.out")
        self.log = open(os.path.join(workdir, f"{slug}.log"), "wb")
        self.proc = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--dump-instr=yes", f"--callgrind-out-file={self.out}", app],
            env=dict(env, PORT=str(self.port), BIND_ADDRESS="127.0.0.1", SHUTDOWN_DELAY="0s"),
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 120  # valgrind starts a 7 MB static binary slowly
        while http_status(self.port, "/healthz") != 200:
            if self.proc.poll() is not None:
                self.log.close()
                with open(self.log.name, errors="replace") as f:
                    last = (f.read().strip().splitlines() or ["(no output)"])[-1]
                fail(f"the service under valgrind exited with {self.proc.returncode}: {last}")
            if time.monotonic() > deadline:
                self.stop()
                fail(f"the service under valgrind did not answer /healthz within 120 s: see {self.log.name}")
            time.sleep(0.2)

    def stop(self):
        stop_group(self.proc, timeout=120)  # valgrind writes its profile on exit
        self.log.close()


class Sink:
    """nginx as the X-Ray stand-in over HTTPS, as bench.py runs it."""

    def __init__(self, workdir):
        cert, key, self.trust_env = make_sink_certificate(workdir)
        self.port = free_port()
        conf = os.path.join(workdir, "xray-sink.conf")
        with open(conf, "w") as f:
            f.write(XRAY_SINK_CONF.replace("{dir}", workdir).replace("{port}", str(self.port))
                    .replace("{ssl}", f" ssl; ssl_certificate {cert}; ssl_certificate_key {key}"))
        self.proc = subprocess.Popen(["nginx", "-e", os.path.join(workdir, "xray-sink-error.log"), "-p", workdir,
                                      "-c", conf], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        tls = ssl.create_default_context(cafile=cert)
        deadline = time.monotonic() + 15
        while http_status(self.port, "/TraceSegments", "POST", tls) != 200:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                fail(f"the X-Ray stand-in (nginx) did not start: see {workdir}/xray-sink-error.log")
            time.sleep(0.05)

    def env(self):
        return dict(self.trust_env, XRAY_TRACING="on", XRAY_SAMPLING_RATE="100%",
                    AWS_ENDPOINT_URL_XRAY=f"https://127.0.0.1:{self.port}", AWS_REGION="us-east-1",
                    AWS_ACCESS_KEY_ID="profile", AWS_SECRET_ACCESS_KEY="profile", AWS_EC2_METADATA_DISABLED="true")

    def stop(self):
        stop_group(self.proc, timeout=10)


def profile(app, env, workdir, name, seconds):
    log(f"profiling {name}: the service under callgrind, {seconds} s of wrk on each of {', '.join(LOAD_PATHS)}")
    service = Profiled(app, env, workdir, name)
    try:
        for path in LOAD_PATHS:
            subprocess.run(["wrk", "-t1", "-c8", f"-d{seconds}s", f"http://127.0.0.1:{service.port}{path}"],
                           check=True, capture_output=True, timeout=seconds + 60)
    finally:
        service.stop()
    if not os.path.exists(service.out):
        fail(f"callgrind wrote no profile for {name}: see {service.log.name}")
    return executed_addresses(service.out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    build = os.path.join(REPO, "build", "release", "src", "service")
    p.add_argument("--app", default=os.path.join(build, "app"), help="the static release service binary")
    p.add_argument("--map", default=None, help="its link map (default: APP.map)")
    p.add_argument("--out", default=os.path.join(REPO, "src", "service", "text_order.ld"))
    p.add_argument("--seconds", type=int, default=5, help="seconds of load per path and profile")
    args = p.parse_args()
    args.map = args.map or args.app + ".map"
    for tool, package in (("valgrind", "valgrind"), ("nginx", "nginx-light"), ("openssl", "openssl"), ("wrk", "wrk")):
        if shutil.which(tool) is None:
            fail(f"{tool} is not installed: apt-get install {package}")
    for path, fix in ((args.app, "run `make release`"), (args.map, "run `make release` (static builds write it)")):
        if not os.path.exists(path):
            fail(f"{path} does not exist: {fix}")
    if os.path.getmtime(args.map) < os.path.getmtime(args.app) - 60:
        fail(f"{args.map} is older than {args.app}: run `make release` so both come from one link")

    sections = text_input_sections(args.map)
    with tempfile.TemporaryDirectory(prefix="slipway-text-order.") as workdir:
        off = profile(args.app, dict(os.environ), workdir, "tracing off", args.seconds)
        sink = Sink(workdir)
        try:
            traced = profile(args.app, dict(os.environ, **sink.env()), workdir, "tracing at 100 %", args.seconds)
        finally:
            sink.stop()

    first = with_all_glibc_variants(sections, sections_run(sections, off))
    then = with_all_glibc_variants(sections, sections_run(sections, traced)) - first
    order = sorted(first) + sorted(then)
    text = render(sections, order, ["no tracing", "tracing at 100 % over HTTPS"])
    with open(args.out, "w") as f:
        f.write(text)
    kib = lambda indices: sum(sections[i][1] for i in indices) / 1024  # noqa: E731
    log(f"wrote {os.path.relpath(args.out, REPO)}: {len(order)} input sections, "
        f"{kib(first):.0f} KiB run without tracing, {kib(then):.0f} KiB more with it, "
        f"of {kib(range(len(sections))):.0f} KiB of code")


if __name__ == "__main__":
    main()
