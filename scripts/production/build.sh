#!/usr/bin/env bash
# Builds the Temporal server and its SQL tool from Go modules into .tools/bin (server, sql), at the
# version scripts/production/up.sh sets up; the module download also brings the schema files
# up.sh applies. Minutes the first time (measured on 2 shared cores: see the README), seconds after.
# Usage: scripts/production/build.sh
set -euo pipefail
project=$(cd "$(dirname "$0")/../.." && pwd)
version=$(sed -n 's/^TEMPORAL_SERVER_VERSION=//p' "$project/scripts/production/up.sh")
command -v go >/dev/null || { echo "build.sh: Go is needed to build Temporal $version (https://go.dev/dl/)" >&2; exit 1; }
bin=${TENURE_TOOLS_BIN:-$project/.tools/bin}
mkdir -p "$bin"
schema=$(go env GOMODCACHE)/go.temporal.io/server@$version/schema/postgresql/v12
for command in server tools/sql; do
  name=$(basename "$command")
  # up.sh also reads the schema files from the module cache, so a cleared cache means a rebuild.
  if [ -x "$bin/$name" ] && "$bin/$name" --version 2>/dev/null | grep -q "${version#v}" && [ -d "$schema" ]; then
    echo "== $name $version: already built"
    continue
  fi
  echo "== building $name $version"
  GOBIN=$bin go install "go.temporal.io/server/cmd/$command@$version"
done
