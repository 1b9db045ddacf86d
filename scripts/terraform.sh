#!/usr/bin/env bash
# Runs terraform in one of infra/terraform's root modules with the provider taken from a local
# filesystem mirror (this machine has no registry access).
#
#   scripts/terraform.sh ENV_OR_PATH init [args...]   # adds -plugin-dir=<mirror>
#   scripts/terraform.sh ENV_OR_PATH <any terraform command> [args...]
#
# ENV_OR_PATH is `local`, `production`, or a directory (e.g. infra/terraform/modules/network).
# TF_PLUGIN_MIRROR overrides the mirror; by default the directory holding
# registry.terraform.io/hashicorp/aws/... is found under /opt. Without a mirror (a machine that
# reaches registry.terraform.io) init runs as usual.
set -euo pipefail

usage() { echo "usage: scripts/terraform.sh local|production|DIR COMMAND [ARGS...]" >&2; exit 2; }
[[ $# -ge 2 ]] || usage

root="$(cd "$(dirname "$0")/.." && pwd)"
target="$1"; shift
case "$target" in
  local|production) dir="$root/infra/terraform/envs/$target" ;;
  *) dir="$target" ;;
esac
[[ -d "$dir" ]] || { echo "terraform.sh: no such directory '$dir': pass local, production or a module directory" >&2; exit 2; }

find_mirror() {
  if [[ -n "${TF_PLUGIN_MIRROR:-}" ]]; then
    [[ -d "$TF_PLUGIN_MIRROR" ]] || { echo "terraform.sh: TF_PLUGIN_MIRROR='$TF_PLUGIN_MIRROR' is not a directory: point it at the mirror root (the parent of registry.terraform.io)" >&2; exit 2; }
    echo "$TF_PLUGIN_MIRROR"
    return
  fi
  local binary
  binary="$(find /opt -name 'terraform-provider-aws*' -type f 2>/dev/null | head -n 1 || true)"
  [[ -n "$binary" ]] || return 0
  # <mirror>/registry.terraform.io/hashicorp/aws/<version>/<os_arch>/terraform-provider-aws_...
  dirname "$(dirname "$(dirname "$(dirname "$(dirname "$(dirname "$binary")")")")")"
}

export TF_IN_AUTOMATION="${TF_IN_AUTOMATION:-1}" CHECKPOINT_DISABLE=1

if [[ "$1" == "init" ]]; then
  shift
  mirror="$(find_mirror)"
  if [[ -n "$mirror" ]]; then
    exec terraform -chdir="$dir" init -input=false -plugin-dir="$mirror" "$@"
  fi
  exec terraform -chdir="$dir" init -input=false "$@"
fi
exec terraform -chdir="$dir" "$@"
