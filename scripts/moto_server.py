#!/usr/bin/env python3
"""moto_server with the few API gaps our Terraform hits filled in, then moto.server.main.

Usage is moto_server's: scripts/moto_server.py -H 127.0.0.1 -p PORT

moto 5.2 gaps filled here (each keeps what the caller sent, as AWS does; nothing is invented):
- Application Auto Scaling has no TagResource / UntagResource / ListTagsForResource, and ignores
  RegisterScalableTarget's Tags. The AWS provider calls them for every aws_appautoscaling_target
  and retries the 500s for minutes.
- ECS CreateService drops deploymentConfiguration (circuit breaker, alarms, min/max percent), so
  DescribeServices cannot show what Terraform configured. UpdateService already keeps it.

And one fix to the HTTP server underneath (werkzeug's): each response leaves in one send(), so a
client never sees the headers without the body (see wbufsize below).

SLIPWAY_MOTO_TRACE=FILE writes one line per request (service, action, status, time, body hash):
what tells a resent create from a second one when a Terraform run against moto goes wrong.
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


ApplicationAutoScalingResponse.tag_resource = _tag_resource
ApplicationAutoScalingResponse.untag_resource = _untag_resource
ApplicationAutoScalingResponse.list_tags_for_resource = _list_tags_for_resource
ApplicationAutoScalingResponse.register_scalable_target = _register_scalable_target_with_tags
EC2ContainerServiceResponse.create_service = _create_service_keeping_deployment_configuration


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


# werkzeug writes a response's headers and its body with two send()s; with the GIL contended the
# body can follow milliseconds later. The AWS provider (Go) was seen in packet captures closing
# the connection in that gap and resending the request: a create moto had already made came back
# as Conflict / AlreadyAssociated, a revoke as NotFound. One buffered send per response, no gap.
werkzeug.serving.WSGIRequestHandler.wbufsize = 1 << 20


def _run_simple(host, port, app, **kwargs):
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
    sys.exit(moto.server.main())
