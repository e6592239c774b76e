#!/usr/bin/env python3
"""Lists public types, functions and initializers without a doc comment in SwiftPM symbol graphs.

Usage: check-doc-comments.py SYMBOL_GRAPH_DIR...   (the `extracted-symbols/<package>/` folders that
`swift package generate-documentation` writes). Exit status 1 when any is missing.

Members that implement a standard protocol requirement (`description`, `encode(to:)`, `==`, …) inherit
the protocol's documentation and are not listed; neither are stored properties and enum cases, whose
names and types document them.
"""
import glob
import json
import os
import sys

KINDS = {"swift.struct", "swift.class", "swift.enum", "swift.protocol", "swift.typealias", "swift.func",
         "swift.func.op", "swift.method", "swift.type.method", "swift.init", "swift.subscript",
         "swift.type.subscript"}
INHERITED = {"description", "debugDescription", "encode(to:)", "init(from:)", "==(_:_:)", "<(_:_:)",
             "hash(into:)", "hashValue", "init(rawValue:)", "rawValue", "errorDescription",
             "init(argument:)", "callAsFunction(_:)", "makeIterator()", "next()"}

missing = []
for folder in sys.argv[1:]:
    for path in sorted(glob.glob(os.path.join(folder, "**", "*.symbols.json"), recursive=True)):
        graph = json.load(open(path))
        module = graph["module"]["name"]
        for symbol in graph["symbols"]:
            if symbol.get("accessLevel") not in ("public", "open") or symbol["kind"]["identifier"] not in KINDS:
                continue
            if symbol.get("docComment") or "sourceOrigin" in symbol:
                continue
            name = symbol["pathComponents"][-1]
            if name in INHERITED:
                continue
            location = symbol.get("location", {})
            file = location.get("uri", "").split("/Sources/")[-1]
            line = location.get("position", {}).get("line", 0) + 1
            missing.append(f"Sources/{file}:{line}: {module}.{'.'.join(symbol['pathComponents'])} has no doc comment")
for line in sorted(set(missing)):
    print(line)
sys.exit(1 if missing else 0)
