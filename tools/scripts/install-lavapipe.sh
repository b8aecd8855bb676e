#!/usr/bin/env bash
# Installs Mesa's lavapipe Vulkan driver (a software GPU) so that Dawn (npm `webgpu`) finds an adapter
# on a machine without a GPU. Debian 12's own Mesa 22.3 gives no adapter (it lacks dynamic indexing
# that Dawn requires); bookworm-backports' Mesa 25 works (research: deps.md §1). Needs root; idempotent.
set -euo pipefail

if [[ ! -r /etc/os-release ]] || ! grep -q 'VERSION_CODENAME=bookworm' /etc/os-release; then
  echo "install-lavapipe: not Debian 12 (bookworm); skipping (GPU tests skip loudly without an adapter)" >&2
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install-lavapipe: must run as root (apt-get)" >&2
  exit 1
fi
if dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | grep -q 'bpo12'; then
  echo "install-lavapipe: backports Mesa already installed ($(dpkg-query -W -f='${Version}' mesa-vulkan-drivers))"
  exit 0
fi

sources=/etc/apt/sources.list.d/bookworm-backports.sources
if [[ ! -f $sources ]]; then
  cat > "$sources" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
echo "install-lavapipe: installed mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
