#!/usr/bin/env python3
"""moto_server with the few API gaps our Terraform hits filled in, then moto.server.main.

Usage is moto_server's: scripts/moto_server.py -H 127.0.0.1 -p PORT

moto 5.2 gaps filled here (each keeps what the caller sent, as AWS does; nothing is invented):
- Application Auto Scaling has no TagResource / UntagResource / ListTagsForResource, and ignores
  RegisterScalableTarget's Tags. The AWS provider calls them for every aws_appautoscaling_target
  and retries the 500s for minutes.
- ECS CreateService drops deploymentConfiguration (circuit breaker, alarms, min/max percent), so
  DescribeServices cannot show what Terraform configured. UpdateService already keeps it.
"""

import json
import sys
import threading

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

if __name__ == "__main__":
    sys.exit(moto.server.main())
