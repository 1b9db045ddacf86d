#!/usr/bin/env bash
# Installs the Debian packages listed in apt.txt that are not installed yet. Idempotent: on a
# machine that has them all it only reads dpkg's database.
set -euo pipefail
list="$(dirname "$0")/apt.txt"
missing=()
while read -r pkg; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  # NodeSource's nodejs package bundles npm and conflicts with Debian's: a working npm is enough.
  [[ "$pkg" == npm ]] && command -v npm >/dev/null && continue
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done <"$list"
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=()
[[ $(id -u) -ne 0 ]] && sudo=(sudo)
echo "slipway: installing missing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
# Debian starts some daemons (nginx, haproxy) on install; none of them is wanted here.
created_policy=0
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  "${sudo[@]}" bash -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d'
  created_policy=1
fi
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
[[ $created_policy -eq 1 ]] && "${sudo[@]}" rm -f /usr/sbin/policy-rc.d
exit 0
