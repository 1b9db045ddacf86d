#!/usr/bin/env bash
# The steps of a release on ECS, shared line for line by .github/workflows/deploy.yml,
# .github/workflows/rollback.yml and the rehearsal (tests/integration/terraform_local_apply_test.py).
#
#   scripts/release.sh push IMAGE            # log in to ECR with the role, push IMAGE:COMMIT, print the digest
#   scripts/release.sh deploy                # per region: verify, deploy REPOSITORY:COMMIT, history
#   scripts/release.sh smoke URL...          # GET URL/version until it reports COMMIT (primary URL first)
#   scripts/release.sh rollback [TO]         # per region: history, rollback (to TO, default the last good release)
#   scripts/release.sh inspect               # per region: status, logs, history
#   scripts/release.sh cleanup [KEEP]        # per region: deregister revisions beyond the last KEEP good releases
#
# Environment:
#   RELEASE_REGIONS          regions in order, primary first (e.g. "us-east-1 us-west-2")
#   RELEASE_PARAMETERS_PATH  SSM path Terraform publishes the release's names under
#                            (platform output release_parameters_path, e.g. /slipway/production/release)
#   RELEASE_COMMIT           full commit SHA of the release (the image tag); deploy and push
#   SLIPWAY                  slipway binary (default: slipway on PATH)
#   SLIPWAY_NO_WAIT=1        deploy/rollback return once the service points at the revision instead
#                            of following the deployment (the rehearsal: moto never completes one)
#   SLIPWAY_DEPLOYER         who deploys (recorded on the revision)
# Credentials come from the environment (the deploy role's, from GitHub's OIDC token); nothing else
# is read: every name and ARN comes from the SSM path (GetParametersByPath, page by page) per region.
set -euo pipefail

usage() {
  echo "usage: scripts/release.sh push IMAGE | deploy | smoke URL... | rollback [TO] | inspect | cleanup [KEEP]" >&2
  exit 2
}
[[ $# -ge 1 ]] || usage
verb="$1"
shift

slipway="${SLIPWAY:-slipway}"
spec="$(cd "$(dirname "$0")/.." && pwd)/slipway.yaml"  # deploy/taskdef.json beside it
wait_flags=()
[[ "${SLIPWAY_NO_WAIT:-0}" == 1 ]] && wait_flags=(--no-wait)

need() {
  [[ -n "${!1:-}" ]] || { echo "release.sh: $1 is not set: $2" >&2; exit 2; }
}

# Reads the release parameters of region $1 into the array `vars` (--var NAME=VALUE flags) and
# the variables CLUSTER, SERVICE and IMAGE_REPOSITORY.
load_parameters() {
  local region="$1" name value
  need RELEASE_PARAMETERS_PATH "export the platform's release_parameters_path output (e.g. /slipway/production/release)"
  vars=()
  CLUSTER="" SERVICE="" IMAGE_REPOSITORY=""
  while IFS=$'\t' read -r name value; do
    [[ -n "$name" ]] || continue
    name="${name##*/}"
    vars+=(--var "$name=$value")
    case "$name" in
      CLUSTER) CLUSTER="$value" ;;
      SERVICE) SERVICE="$value" ;;
      IMAGE_REPOSITORY) IMAGE_REPOSITORY="$value" ;;
    esac
  done < <(aws ssm get-parameters-by-path --region "$region" --path "$RELEASE_PARAMETERS_PATH" \
             --page-size 10 --query 'Parameters[].[Name,Value]' --output text)
  if [[ -z "$CLUSTER" || -z "$SERVICE" || -z "$IMAGE_REPOSITORY" ]]; then
    echo "release.sh: no release parameters under $RELEASE_PARAMETERS_PATH in $region: apply infra/terraform (envs/production) first, or fix RELEASE_PARAMETERS_PATH" >&2
    exit 2
  fi
}

regions() {
  need RELEASE_REGIONS "list the regions to release to, primary first (e.g. \"us-east-1 us-west-2\")"
  read -r -a region_list <<<"$RELEASE_REGIONS"
}

# Runs slipway in region $1 (the rest: its arguments), with the service the parameters name.
in_region() {
  local region="$1"
  shift
  # The start time lets a reader (and the rehearsal) match the AWS calls to the command.
  echo "== $region $(date -u +%s.%N): slipway $*" >&2
  AWS_REGION="$region" "$slipway" "$1" "$2" --spec "$spec" "${@:3}"
}

case "$verb" in
  push)
    [[ $# -eq 1 ]] || usage
    need RELEASE_COMMIT "the commit SHA the image is tagged with"
    regions
    load_parameters "${region_list[0]}"
    registry="${IMAGE_REPOSITORY%%/*}"
    # ECR's login is a token from the role; podman takes it on stdin (no docker needed).
    aws ecr get-login-password --region "${region_list[0]}" | podman login --username AWS --password-stdin "$registry"
    podman tag "$1" "$IMAGE_REPOSITORY:$RELEASE_COMMIT"
    podman push --digestfile release-digest.txt "$IMAGE_REPOSITORY:$RELEASE_COMMIT"
    echo "pushed $IMAGE_REPOSITORY:$RELEASE_COMMIT $(cat release-digest.txt)"
    ;;
  deploy)
    [[ $# -eq 0 ]] || usage
    need RELEASE_COMMIT "the commit SHA to deploy (the image tag)"
    regions
    for region in "${region_list[@]}"; do
      load_parameters "$region"
      in_region "$region" ecs verify --real-aws --cluster "$CLUSTER" --service "$SERVICE" --image "$IMAGE_REPOSITORY:$RELEASE_COMMIT" "${vars[@]}"
      in_region "$region" ecs deploy --real-aws --cluster "$CLUSTER" --service "$SERVICE" --image "$IMAGE_REPOSITORY:$RELEASE_COMMIT" "${vars[@]}" \
        --pin-secret-versions --rollout-timeout 20m --bake-time 5m --output json "${wait_flags[@]}"
      in_region "$region" ecs history --real-aws --cluster "$CLUSTER" --service "$SERVICE" --limit 10
    done
    ;;
  smoke)
    [[ $# -ge 1 ]] || usage
    need RELEASE_COMMIT "the commit SHA the service must report"
    for url in "$@"; do
      for attempt in $(seq 1 30); do
        if curl --fail --silent --show-error --max-time 5 "$url/version" | grep -q "$RELEASE_COMMIT"; then
          echo "smoke: $url serves $RELEASE_COMMIT"
          continue 2
        fi
        echo "smoke: $url does not serve $RELEASE_COMMIT yet (attempt $attempt/30)" >&2
        sleep 10
      done
      echo "smoke: $url never served $RELEASE_COMMIT: roll back with the rollback workflow" >&2
      exit 1
    done
    ;;
  rollback)
    [[ $# -le 1 ]] || usage
    to_flags=()
    [[ -n "${1:-}" ]] && to_flags=(--to "$1")
    regions
    for region in "${region_list[@]}"; do
      load_parameters "$region"
      in_region "$region" ecs history --real-aws --cluster "$CLUSTER" --service "$SERVICE" --limit 10
      in_region "$region" ecs rollback --real-aws --cluster "$CLUSTER" --service "$SERVICE" "${to_flags[@]}" \
        --rollout-timeout 20m --output json "${wait_flags[@]}"
    done
    ;;
  inspect)
    [[ $# -eq 0 ]] || usage
    regions
    for region in "${region_list[@]}"; do
      load_parameters "$region"
      in_region "$region" ecs status --real-aws --cluster "$CLUSTER" --service "$SERVICE"
      in_region "$region" ecs logs --real-aws --cluster "$CLUSTER" --service "$SERVICE" --since 30m --lines 50
      in_region "$region" ecs history --real-aws --cluster "$CLUSTER" --service "$SERVICE" --limit 10
    done
    ;;
  cleanup)
    [[ $# -le 1 ]] || usage
    regions
    for region in "${region_list[@]}"; do
      load_parameters "$region"
      in_region "$region" ecs cleanup --real-aws --cluster "$CLUSTER" --service "$SERVICE" --keep "${1:-5}"
    done
    ;;
  *) usage ;;
esac
