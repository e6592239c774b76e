#!/usr/bin/env bash
# Builds the library's DocC documentation (the catalog Sources/P2SAMKit/P2SAMKit.docc plus every library
# module, combined into one archive) with the swift-docc-plugin; any DocC warning fails it,
# then checks that every public type, function and initializer has a doc comment
# (scripts/check-doc-comments.py on the symbol graphs). Prints "docs test: passed" or the problems.
#   bash scripts/docs.sh                 # archive in .build-docs/P2SAMKit.doccarchive
#   P2SAM_DOCS_SCRATCH=DIR bash scripts/docs.sh   # another build folder
# Preview: `swift package --disable-sandbox preview-documentation --target P2SAMKit` (macOS/Linux with a browser).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scratch="${P2SAM_DOCS_SCRATCH:-$root/.build-docs}"
out="$scratch/P2SAMKit.doccarchive"
# Library targets: everything under Sources/ that is a Swift library (no C shims, executables or tests).
targets="$(swift package describe --type json | python3 -c '
import json, sys
package = json.load(sys.stdin)
for t in package["targets"]:
    if t["type"] == "library" and t["path"].startswith("Sources/") and t.get("module_type") == "SwiftTarget":
        print(t["name"])
')"
args=()
for t in $targets; do args+=(--target "$t"); done
log="$scratch/docc.log"
mkdir -p "$scratch"
# Symbol graphs of an earlier run (or another checkout) would be checked instead of this one's.
rm -rf "$scratch"/*/extracted-symbols
status=0
swift package --scratch-path "$scratch" --allow-writing-to-directory "$out" generate-documentation \
  --enable-experimental-combined-documentation "${args[@]}" --output-path "$out" \
  >"$log" 2>&1 || status=$?
# SwiftPM's own notes about the package layout (unhandled files in test targets) are not DocC's.
problems="$(grep -E "(warning|error):" "$log" | grep -v "which are unhandled; explicitly declare them" || true)"
if [ "$status" != 0 ] || [ -n "$problems" ]; then
  sort -u <<< "$problems" | head -n 60
  echo "docs test: FAILED: DocC reported the problems above (full log: $log)"
  exit 1
fi
python3 scripts/check-doc-comments.py "$scratch"/*/extracted-symbols/*/ || {
  echo "docs test: FAILED: public symbols without a doc comment (listed above)"; exit 1; }
echo "docs test: passed ($(wc -w <<< "$targets") modules; archive $out)"
