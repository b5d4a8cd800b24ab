#!/usr/bin/env bash
# Refresh the vendored front-end files (`make vendor`): fetch each package's published tarball
# with npm, copy its distribution files and licence (and NOTICE, if any) under
# static/vendor/<name>/, and record the package and version in static/vendor/VERSIONS. `make run` and the tests never need npm.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
VENDOR="$HERE/static/vendor"
# package@version  dist files in the tarball (comma-separated)  target folder
# A file keeps its path below dist/ (bpmn-font/css/bpmn.css finds ../font/ as published).
BPMN_ASSETS="dist/assets/bpmn-js.css,dist/assets/diagram-js.css,dist/assets/bpmn-font/css/bpmn.css"
for font in bpmn.eot bpmn.woff2 bpmn.woff bpmn.ttf bpmn.svg; do
  BPMN_ASSETS="$BPMN_ASSETS,dist/assets/bpmn-font/font/$font"
done
PACKAGES=(
  "htmx.org@2.0.11 dist/htmx.min.js htmx"
  "echarts@6.1.0 dist/echarts.min.js echarts"
  # The diagrams: the navigated viewer on task pages, the modeler for process owners.
  "bpmn-js@18.31.1 dist/bpmn-navigated-viewer.production.min.js,dist/bpmn-modeler.production.min.js,$BPMN_ASSETS bpmn-js"
  # The modeler's properties panel (its UMD bundle) and the stylesheet it needs.
  "bpmn-js-properties-panel@5.65.3 dist/bpmn-js-properties-panel.umd.js bpmn-js-properties-panel"
  "@bpmn-io/properties-panel@3.55.0 dist/assets/properties-panel.css bpmn-js-properties-panel"
)
seen=()
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
{
  echo "# Vendored front-end files: package, version, files, licence. Refresh: make vendor."
  for entry in "${PACKAGES[@]}"; do
    read -r spec files target <<<"$entry"
    (cd "$work" && npm pack --silent "$spec" >/dev/null)
    tarball="$(ls "$work"/*.tgz | head -1)"
    mkdir -p "$work/x" "$VENDOR/$target"
    tar -xzf "$tarball" -C "$work/x"
    name="$(node -p "require('$work/x/package/package.json').name")"
    copied=()
    IFS=, read -r -a paths <<<"$files"
    for file in "${paths[@]}"; do
      relative="${file#dist/}"
      mkdir -p "$VENDOR/$target/$(dirname "$relative")"
      cp "$work/x/package/$file" "$VENDOR/$target/$relative"
      copied+=("$target/$relative")
    done
    # The first package in a folder brings LICENSE; another one in it, LICENSE.<its name>.
    licence_file="LICENSE"
    if [[ " ${seen[*]} " == *" $target "* ]]; then
      licence_file="LICENSE.${name//\//-}"
      licence_file="${licence_file//@/}"
    fi
    seen+=("$target")
    cp "$work/x/package/LICENSE" "$VENDOR/$target/$licence_file"
    # Apache-2.0 §4(d): a NOTICE file travels with the work
    if [ -f "$work/x/package/NOTICE" ]; then cp "$work/x/package/NOTICE" "$VENDOR/$target/NOTICE"; fi
    version="$(node -p "require('$work/x/package/package.json').version")"
    license="$(node -p "require('$work/x/package/package.json').license")"
    (IFS=,; echo "$name $version ${copied[*]} $license")
    rm -rf "$work/x" "$tarball"
  done
} >"$VENDOR/VERSIONS"
cat "$VENDOR/VERSIONS"
