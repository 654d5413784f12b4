#!/usr/bin/env python3
"""Every client-facing error is built in gateway/core (core::error_response,
core::failure_response, core::stream_error_data): prints, as file:line, each call of
error_body( and each hand-written OpenAI error object ({"error":{...) outside it.
Exit status 1 when there is one. Usage: check_errors_built_in_core.py [SOURCE_DIR]"""
import os
import re
import sys

PRODUCT = ["gateway", "policies", "routing", "observability", "state", "cache"]
PATTERNS = [
    (re.compile(r"\berror_body\s*\("), "calls error_body( (use core::error_response)"),
    (re.compile(r'R"\(\{"error":\{'), 'writes an error object by hand (use core::error_response)'),
]


def main(root):
    found = 0
    for top in PRODUCT:
        for folder, _, files in os.walk(os.path.join(root, top)):
            rel_folder = os.path.relpath(folder, root)
            if rel_folder == "gateway/core" or rel_folder.startswith("gateway/core/"):
                continue
            for name in sorted(files):
                if not name.endswith((".cpp", ".h")):
                    continue
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as f:
                    for number, line in enumerate(f, 1):
                        code = line.split("//", 1)[0]
                        for pattern, why in PATTERNS:
                            if pattern.search(code):
                                print(f"{os.path.relpath(path, root)}:{number}: {why}")
                                found += 1
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
