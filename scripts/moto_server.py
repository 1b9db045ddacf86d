#!/usr/bin/env python3
"""moto_server with the few API gaps our Terraform hits filled in, then moto.server.main.

Usage is moto_server's: scripts/moto_server.py -H 127.0.0.1 -p PORT

moto 5.2 gaps filled here (each keeps what the caller sent, as AWS does; nothing is invented):
- Application Auto Scaling has no TagResource / UntagResource / ListTagsForResource, and ignores
  RegisterScalableTarget's Tags. The AWS provider calls them for every aws_appautoscaling_target
  and retries the 500s for minutes.
- ECS ListTaskDefinitions ignores `sort` and lists in creation order; AWS sorts by family, then
  revision, ASC unless sort=DESC (slipway's rollback walks newest first and stops early).
- ECS CreateService drops deploymentConfiguration (circuit breaker, alarms, min/max percent), so
  DescribeServices cannot show what Terraform configured. UpdateService already keeps it.

AWS managed policies: moto knows them (its copy of the list) but loads them only when asked.
The infra attaches one (AmazonECSInfrastructureRolePolicyForLoadBalancers, the role ECS assumes
to shift traffic), so MOTO_IAM_LOAD_MANAGED_POLICIES defaults to true here.

And one fix to the HTTP server underneath (werkzeug's): each response leaves in one send(), so a
client never sees the headers without the body (see wbufsize below).

SLIPWAY_MOTO_TRACE=FILE writes one line per request (service, action, status, time, body hash):
what tells a resent create from a second one when a Terraform run against moto goes wrong.

SLIPWAY_MOTO_CALLS=FILE writes one JSON object per request for an IAM policy evaluator
(tests/policy/): the signing access key id, region and service, the action, and the request's
identifying parameters (names and ARNs from an allowlist: never a secret value), plus the ARN a
RegisterTaskDefinition created. moto's own authorization cannot judge resource-scoped policies
(it evaluates every action against Resource "*"), so this records what a real evaluator needs.
"""

import hashlib
import io
import json
import os
import sys
import threading
import time
import urllib.parse

import werkzeug.serving

from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
from moto.ecs.responses import EC2ContainerServiceResponse
import moto.server

_tags_lock = threading.Lock()
_tags_by_arn: dict[str, dict[str, str]] = {}


def _tag_resource(self):
    arn = self._get_param("ResourceARN")
    with _tags_lock:
        _tags_by_arn.setdefault(arn, {}).update(self._get_param("Tags") or {})
    return json.dumps({})


def _untag_resource(self):
    arn = self._get_param("ResourceARN")
    with _tags_lock:
        for key in self._get_param("TagKeys") or []:
            _tags_by_arn.get(arn, {}).pop(key, None)
    return json.dumps({})


def _list_tags_for_resource(self):
    arn = self._get_param("ResourceARN")
    with _tags_lock:
        return json.dumps({"Tags": dict(_tags_by_arn.get(arn, {}))})


_register_scalable_target = ApplicationAutoScalingResponse.register_scalable_target


def _register_scalable_target_with_tags(self):
    body = _register_scalable_target(self)
    tags = self._get_param("Tags")
    if tags:
        with _tags_lock:
            _tags_by_arn.setdefault(json.loads(body)["ScalableTargetARN"], {}).update(tags)
    return body




_create_service = EC2ContainerServiceResponse.create_service


def _create_service_keeping_deployment_configuration(self):
    result = _create_service(self)
    configuration = self._get_param("deploymentConfiguration")
    if configuration is not None:
        service = self.ecs_backend.describe_services(self._get_param("cluster", "default"),
                                                     [self._get_param("serviceName")])[0][0]
        service.deployment_configuration = configuration
    return result


_list_task_definitions = EC2ContainerServiceResponse.list_task_definitions


def _list_task_definitions_sorted(self):
    result = _list_task_definitions(self)

    def key(arn):  # arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION
        family, _, revision = arn.rpartition("/")[2].rpartition(":")
        return family, int(revision)

    arns = result.result["taskDefinitionArns"]
    arns.sort(key=key, reverse=self._get_param("sort", "ASC") == "DESC")
    return result


ApplicationAutoScalingResponse.tag_resource = _tag_resource
ApplicationAutoScalingResponse.untag_resource = _untag_resource
ApplicationAutoScalingResponse.list_tags_for_resource = _list_tags_for_resource
ApplicationAutoScalingResponse.register_scalable_target = _register_scalable_target_with_tags
EC2ContainerServiceResponse.create_service = _create_service_keeping_deployment_configuration
EC2ContainerServiceResponse.list_task_definitions = _list_task_definitions_sorted


class _RequestTrace:
    """WSGI middleware writing one line per request to the file named by SLIPWAY_MOTO_TRACE:
    monotonic time, milliseconds taken, status, service/action, the client token if any and a
    hash of the body.
    moto's own log says only "POST / 200"; this is what tells a resent create from a second one."""

    def __init__(self, app, path):
        self.app = app
        self.file = open(path, "a", buffering=1)
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        action = environ.get("HTTP_X_AMZ_TARGET", "")
        token = ""
        if not action and body[:7] == b"Action=":
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
            action = form.get("Action", [""])[0]
            token = form.get("ClientToken", [""])[0]
        if not action:
            action = environ.get("REQUEST_METHOD", "") + " " + environ.get("PATH_INFO", "")
        started = time.monotonic()
        status = []

        def recording_start_response(line, headers, *args):
            status.append(line.split(" ", 1)[0])
            return start_response(line, headers, *args)

        try:
            return self.app(environ, recording_start_response)
        finally:
            # "Credential=KEY/DATE/REGION/SERVICE/aws4_request" names what the endpoint URL does not.
            scope = environ.get("HTTP_AUTHORIZATION", "").partition("Credential=")[2].split("/")[2:4]
            host = "/".join(scope) or environ.get("HTTP_HOST", "")
            with self.lock:
                self.file.write(f"{started:.3f} {1000 * (time.monotonic() - started):.0f}ms "
                                f"{status[0] if status else '---'} {host} {action} {token} "
                                f"body:{hashlib.sha1(body).hexdigest()[:10]}\n")


# Parameters that name what a request acts on. Values of anything else (SecretString, Value,
# WebIdentityToken, container definitions) never reach the file.
_IDENTIFYING_JSON = {"cluster", "service", "services", "serviceName", "resourceArn", "family", "familyPrefix",
                     "taskDefinition", "tagKeys", "tags", "executionRoleArn", "taskRoleArn", "tasks",
                     "SecretId", "Path", "Recursive", "Names", "Name", "logGroupName", "logGroupNamePrefix",
                     "logGroupIdentifier", "repositoryName", "registryId", "imageIds", "imageTag", "status",
                     "desiredStatus", "loadBalancers"}
_IDENTIFYING_QUERY_PREFIXES = ("Action", "RoleName", "PolicyName", "PolicyArn", "RoleArn", "TargetGroupArn",
                               "AlarmNames.member.", "RoleSessionName", "VersionId")


class _CallRecorder:
    """WSGI middleware writing one JSON line per request to SLIPWAY_MOTO_CALLS (see the module
    docstring): who signed it, where, what it named, and the status."""

    def __init__(self, app, path):
        self.app = app
        self.file = open(path, "a", buffering=1)
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        credential = environ.get("HTTP_AUTHORIZATION", "").partition("Credential=")[2].split(",")[0].split("/")
        record = {"key": credential[0] if len(credential) > 4 else "",
                  "region": credential[2] if len(credential) > 4 else "",
                  "service": credential[3] if len(credential) > 4 else "",
                  "method": environ.get("REQUEST_METHOD", ""), "path": environ.get("PATH_INFO", ""),
                  "action": environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2], "params": {},
                  "time": round(time.time(), 3), "agent": environ.get("HTTP_USER_AGENT", "").split(" ")[0]}
        if record["action"]:
            try:
                document = json.loads(body or b"{}")
            except ValueError:
                document = {}
            record["params"] = {k: v for k, v in document.items() if k in _IDENTIFYING_JSON}
        elif body:
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
            record["action"] = form.get("Action", [""])[0]
            record["params"] = {k: v[0] for k, v in form.items() if k.startswith(_IDENTIFYING_QUERY_PREFIXES)}
        status = []
        chunks = []

        def recording_start_response(line, headers, *args):
            status.append(line.split(" ", 1)[0])
            return start_response(line, headers, *args)

        result = self.app(environ, recording_start_response)
        try:
            chunks = list(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        record["status"] = status[0] if status else "---"
        if record["action"] == "RegisterTaskDefinition" and record["status"] == "200":
            try:  # the revision's ARN exists only in the response
                created = json.loads(b"".join(chunks))["taskDefinition"]["taskDefinitionArn"]
                record["created"] = created
            except (ValueError, KeyError):
                pass
        with self.lock:
            self.file.write(json.dumps(record, sort_keys=True) + "\n")
        return chunks


# werkzeug writes a response's headers and its body with two send()s; with the GIL contended the
# body can follow milliseconds later. The AWS provider (Go) was seen in packet captures closing
# the connection in that gap and resending the request: a create moto had already made came back
# as Conflict / AlreadyAssociated, a revoke as NotFound. One buffered send per response, no gap.
werkzeug.serving.WSGIRequestHandler.wbufsize = 1 << 20


def _run_simple(host, port, app, **kwargs):
    calls = os.environ.get("SLIPWAY_MOTO_CALLS")
    if calls:
        app = _CallRecorder(app, calls)
    trace = os.environ.get("SLIPWAY_MOTO_TRACE")
    if trace:
        app = _RequestTrace(app, trace)
        handler = werkzeug.serving.WSGIRequestHandler
        dropped = handler.connection_dropped

        def traced_connection_dropped(self, error, environ=None):
            with app.lock:
                app.file.write(f"{time.monotonic():.3f} DROPPED {error!r}\n")
            return dropped(self, error, environ)

        handler.connection_dropped = traced_connection_dropped
    werkzeug.serving.run_simple(host, port, app, **kwargs)


moto.server.run_simple = _run_simple

if __name__ == "__main__":
    # Read when the IAM backend is first built, i.e. at the first request.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    sys.exit(moto.server.main())
