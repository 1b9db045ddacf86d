# labels: vm podman e2e
"""The vm target end to end with real parts: podman images built by `slipway build`, HAProxy,
and moto as the local Secrets Manager the replicas' secrets come from. Under one wrk load
(well over 20 s) through a deploy of a new commit, a rollback, a release that never gets healthy,
one that crashes, one that turns unhealthy during the bake, and kill -9 of a replica: zero
non-2xx responses, zero socket errors. Also: the image holds no secret (a canary in .env is not
in `podman save`), and the secret reaches the replica's environment."""

import json
import os
import re
import signal
import tarfile
import unittest

import boto3

import slipway_testlib as lib
import vm_testlib as vm

CANARY = "canary-db-password-e2e-5c1d"


@unittest.skipUnless(vm.podman_available(), "podman is not installed (apt-get install podman)")
@unittest.skipUnless(os.path.exists(vm.release_app_binary()), "no release binary: run `make release`")
class VmEndToEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto, cls.moto_port = lib.start_moto()

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def setUp(self):
        self.stack = vm.GitStack(engine="podman", bake_time="2s", health_interval="300ms", ready_timeout="8s")
        self.addCleanup(self.stack.cleanup)
        endpoint = f"http://127.0.0.1:{self.moto_port}"
        aws_env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
                   "AWS_ENDPOINT_URL": endpoint}
        client = boto3.client("secretsmanager", endpoint_url=endpoint, region_name="us-east-1",
                              aws_access_key_id="testing", aws_secret_access_key="testing")
        suffix = os.urandom(3).hex()
        db = client.create_secret(Name=f"slipway/app/db-{suffix}", SecretString=CANARY)
        key = client.create_secret(Name=f"slipway/app/key-{suffix}", SecretString="e2e-api-key-value")
        self.stack.env.update(aws_env)
        self.stack.env.pop("DATABASE_PASSWORD")
        self.stack.env.pop("API_KEY")
        self.stack.env["DATABASE_PASSWORD_FROM"] = db["ARN"]
        self.stack.env["API_KEY_FROM"] = key["ARN"]
        self.db_version, self.key_version = db["VersionId"], key["VersionId"]
        # A .env with the canary beside the sources: it must not end up in the image.
        with open(os.path.join(self.stack.dir, ".env"), "w") as f:
            f.write(f"DATABASE_PASSWORD={CANARY}\n")

    def expect(self, result, code, what):
        self.assertEqual(result.returncode, code, f"{what}: exit {result.returncode}\n{result.stdout}\n{result.stderr}")

    def serving(self, sha):
        return lib.wait_until(lambda: self.stack.version().get("commit") == sha, timeout=15,
                              what=f"release {sha[:8]} serving")

    def test_whole_operation_under_load(self):
        s = self.stack
        built_a = s.build()
        a = built_a["commit"]
        self.assertEqual(built_a["image"], f"app:{a}")
        self.assertTrue(built_a["digest"].startswith("sha256:"))
        sbom = json.load(open(built_a["sbom"]))
        self.assertEqual(sbom["bomFormat"], "CycloneDX")
        self.assertIn("libc6-dev", {c["name"] for c in sbom["components"]})

        # The image holds no secret: scan everything `podman save` writes.
        archive = os.path.join(s.dir, "image.tar")
        vm.podman("save", "-o", archive, built_a["image"])
        with open(archive, "rb") as f:
            self.assertNotIn(CANARY.encode(), f.read())
        os.remove(archive)
        inspected = json.loads(vm.podman("image", "inspect", built_a["image"]).stdout)[0]
        self.assertEqual(inspected["Labels"]["org.opencontainers.image.revision"], a)
        # TLS trusts the CA certificates as a directory of hash-named files, which OpenSSL
        # reads one at a time as chains need them, not as a bundle parsed whole (~0.9 MiB kept).
        env = dict(e.split("=", 1) for e in inspected["Config"]["Env"])
        self.assertEqual(env.get("SSL_CERT_DIR"), "/etc/ssl/certs")
        self.assertNotIn("SSL_CERT_FILE", env)
        container = vm.podman("create", built_a["image"]).stdout.strip()
        try:
            exported = os.path.join(s.dir, "rootfs.tar")
            vm.podman("export", "-o", exported, container)
            with tarfile.open(exported) as rootfs:
                certs = [n for n in rootfs.getnames() if n.startswith("etc/ssl/certs/")]
            os.remove(exported)
        finally:
            vm.podman("rm", container, check=False)
        hashed = [n for n in certs if re.fullmatch(r"etc/ssl/certs/[0-9a-f]{8}\.\d+", n)]
        self.assertGreater(len(hashed), 10, certs[:5])
        self.assertEqual(len(hashed), len(certs), "only hash-named certificates")
        # The image ships the stripped binary; its symbols stay beside it, in app.debug.
        self.assertLess(inspected["Size"], 8_000_000, "image size (was 10.8 MB unstripped)")
        self.assertTrue(os.path.exists(vm.release_app_binary() + ".debug"))

        # A dirty tree is refused.
        with open(os.path.join(s.dir, "CHANGES"), "a") as f:
            f.write("uncommitted\n")
        result = s.run("build", "--no-compile", "--binary", vm.release_app_binary())
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("uncommitted changes", result.stderr)
        s.git("checkout", "--", "CHANGES")

        b = s.commit("second")
        built_b = s.build()
        self.assertEqual(built_b["image"], f"app:{b}")
        unready = s.faulty_image(built_b["image"], vm.sha("c"), "unready")
        crash = s.faulty_image(built_b["image"], vm.sha("d"), "crash")
        sick = s.faulty_image(built_b["image"], vm.sha("e"), "unhealthy_after=2s")


        endpoint = ["--endpoint-url", f"http://127.0.0.1:{self.moto_port}"]
        self.expect(s.deploy(built_a["image"], *endpoint), 0, "first deploy")
        self.serving(a)
        # The secret from the local Secrets Manager is in the replica's environment.
        replica = s.status()["replicas"][0]["name"]
        pid = json.loads(vm.podman("inspect", replica).stdout)[0]["State"]["Pid"]
        with open(f"/proc/{pid}/environ", "rb") as f:
            self.assertIn(f"DATABASE_PASSWORD={CANARY}".encode(), f.read().split(b"\0"))
        # The release record names the secret versions it was started with (never the values).
        first = s.history()[0]
        self.assertEqual(first["secret_versions"], {"DATABASE_PASSWORD": self.db_version,
                                                    "API_KEY": self.key_version})

        load = vm.Load(f"http://127.0.0.1:{s.port}/")
        try:
            self.expect(s.deploy(built_b["image"], *endpoint), 0, "deploy of a new commit")
            self.serving(b)
            self.expect(s.run("rollback", *endpoint), 0, "rollback")
            self.serving(a)
            self.expect(s.deploy(unready, *endpoint), 3, "never healthy")
            self.assertEqual(s.version()["commit"], a)
            self.expect(s.deploy(crash, *endpoint), 3, "crash at start")
            self.assertEqual(s.version()["commit"], a)
            self.expect(s.deploy(sick, *endpoint, "--bake-time", "10s"), 3, "unhealthy during the bake")
            self.serving(a)
            victim = s.status()["replicas"][0]["name"]
            pid = json.loads(vm.podman("inspect", victim).stdout)[0]["State"]["Pid"]
            os.kill(pid, signal.SIGKILL)
            lib.wait_until(lambda: any(r["name"] == victim and r["restarts"] >= 1 and r["haproxy_status"].startswith("UP")
                                       for r in s.status()["replicas"]), timeout=30, what="replica restarted")
        finally:
            counts = load.stop()
        self.assertGreater(counts["requests"], 1000, counts["output"])
        self.assertEqual(counts["non_2xx"], 0, counts["output"])
        self.assertEqual(counts["socket_errors"], 0, counts["output"])
        outcomes = [r["outcome"] for r in reversed(s.history())]
        self.assertEqual(outcomes, ["succeeded", "succeeded", "succeeded", "rolled_back", "rolled_back", "rolled_back"])


if __name__ == "__main__":
    unittest.main()
