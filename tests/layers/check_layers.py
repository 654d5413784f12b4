#!/usr/bin/env python3
"""The include arrows between folders (docs/architecture.md, "Layers"): reads every
#include "..." in the product folders and prints each one outside the allow-list as
file:line. Exit status 1 when there is one. Usage: check_layers.py [SOURCE_DIR]"""
import os
import re
import sys

PRODUCT = ["gateway", "policies", "routing", "observability", "state", "cache"]

# The layer a path (relative to the source root) belongs to; the longest prefix wins.
LAYERS = {
    "gateway/core": "core",
    "gateway/server": "server",
    "gateway/pipeline": "pipeline",
    "gateway/config": "config",
    "gateway/upstream": "upstream",
    "gateway/http": "http",
    "gateway": "gateway",  # main, the command line, the generated files
    "routing/providers": "providers",
    "routing": "routing",
    "policies": "policies",
    "cache": "cache",
    "observability": "observability",
    "state": "state",
}

# What each layer may include besides itself. gateway/core depends on nothing of ours;
# stages (policies, cache) and providers never reach into gateway/server or
# gateway/pipeline; policies, routing, cache and observability never include each other;
# state includes only gateway/core; only gateway/ includes the others, and its server
# and pipeline not each other (the handler interface is in core).
EVERYTHING = set(LAYERS.values())
GATEWAY = EVERYTHING - {"server", "pipeline"}
ALLOWED = {
    "core": set(),
    "state": {"core"},
    "policies": {"core", "state"},
    "cache": {"core", "state"},
    "observability": {"core"},
    "providers": {"core"},
    "routing": {"core", "providers"},
    "http": GATEWAY,
    "upstream": GATEWAY,
    "config": GATEWAY,
    "server": GATEWAY,
    "pipeline": GATEWAY,
    "gateway": EVERYTHING,
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def layer_of(path):
    best = None
    for prefix, layer in LAYERS.items():
        if path == prefix or path.startswith(prefix + "/"):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, layer)
    return best[1] if best else None


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.getcwd())
    bad = 0
    for top in PRODUCT:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = sorted(d for d in dirnames if d != "node_modules")
            for name in sorted(filenames):
                if not name.endswith((".cpp", ".h", ".in")):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                src = layer_of(rel)
                with open(path, encoding="utf-8", errors="replace") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        target = m.group(1)
                        if target.split("/")[0] not in PRODUCT:
                            local = os.path.join(os.path.dirname(rel), target)
                            if not os.path.exists(os.path.join(root, local)):
                                continue  # a library's header, or a generated one
                            target = local
                        dst = layer_of(target)
                        if dst is None or dst == src or dst in ALLOWED[src]:
                            continue
                        print(f'{rel}:{number}: includes "{m.group(1)}": {src} -> {dst} '
                              f"is not an allowed arrow")
                        bad += 1
    if bad:
        print(f"{bad} include(s) against the layers (docs/architecture.md, Layers)")
        return 1
    print("layers: every include follows the allowed arrows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
