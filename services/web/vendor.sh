#!/usr/bin/env bash
# Refresh the vendored front-end files (`make vendor`): fetch each package's published tarball
# with npm, copy its distribution file and licence (and NOTICE, if any) under static/vendor/<name>/, and record the
# package and version in static/vendor/VERSIONS. `make run` and the tests never need npm.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
VENDOR="$HERE/static/vendor"
# package@version  dist file in the tarball  target folder
PACKAGES=(
  "htmx.org@2.0.11 dist/htmx.min.js htmx"
  "echarts@6.1.0 dist/echarts.min.js echarts"
)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
{
  echo "# Vendored front-end files: package, version, file, licence. Refresh: make vendor."
  for entry in "${PACKAGES[@]}"; do
    read -r spec file target <<<"$entry"
    (cd "$work" && npm pack --silent "$spec" >/dev/null)
    tarball="$(ls "$work"/*.tgz | head -1)"
    mkdir -p "$work/x" "$VENDOR/$target"
    tar -xzf "$tarball" -C "$work/x"
    cp "$work/x/package/$file" "$VENDOR/$target/"
    cp "$work/x/package/LICENSE" "$VENDOR/$target/LICENSE"
    # Apache-2.0 §4(d): a NOTICE file travels with the work
    if [ -f "$work/x/package/NOTICE" ]; then cp "$work/x/package/NOTICE" "$VENDOR/$target/NOTICE"; fi
    version="$(node -p "require('$work/x/package/package.json').version")"
    license="$(node -p "require('$work/x/package/package.json').license")"
    echo "${spec%@*} $version $target/$(basename "$file") $license"
    rm -rf "$work/x" "$tarball"
  done
} >"$VENDOR/VERSIONS"
cat "$VENDOR/VERSIONS"
