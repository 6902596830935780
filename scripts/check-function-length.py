#!/usr/bin/env python3
"""No C function in src/ longer than a limit (80 lines, from the line its
declaration starts on to its closing brace; docs/architecture.md).

    scripts/check-function-length.py [SRC_DIR] [LIMIT]   (src, 80)

Prints FILE:LINE: NAME is N lines for each one over and exits 1, else
says so and exits 0. It reads C as text: comments, strings and character
constants are blanked first, so braces inside them do not count, and a
top-level brace opens a function when the text before it since the last
';' or '}' holds a '(' that comes before any '=' (an initializer is not a
function).
"""
import os
import re
import sys


def blank(source):
    """source with comments, strings and chars emptied, lines kept."""
    def keep_lines(m):
        return "\n" * m.group(0).count("\n")
    source = re.sub(r"/\*.*?\*/", keep_lines, source, flags=re.S)
    source = re.sub(r"//[^\n]*", "", source)
    source = re.sub(r'"(\\.|[^"\\\n])*"', '""', source)
    return re.sub(r"'(\\.|[^'\\\n])*'", "''", source)


def functions(path):
    """(name, first line, length) of each function defined in path."""
    with open(path, errors="replace") as f:
        lines = blank(f.read()).split("\n")
    depth, head, head_line, current = 0, "", 0, None
    for number, line in enumerate(lines, 1):
        if line.lstrip().startswith("#"):
            continue
        for ch in line:
            if depth > 0:
                depth += {"{": 1, "}": -1}.get(ch, 0)
                if depth == 0 and current:
                    yield current[0], current[1], number - current[1] + 1
                    current, head = None, ""
            elif ch == "{":
                before = head.split("=")[0]
                if "(" in before:
                    names = re.findall(r"(\w+)\s*\(", head)
                    current = (names[0] if names else "?", head_line)
                depth, head = 1, ""
            elif ch in ";}":
                head = ""
            elif head or not ch.isspace():
                if not head:
                    head_line = number
                head += ch
        if depth == 0 and head:
            head += " "


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "src"
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 80
    over = []
    for folder, _, files in sorted(os.walk(src)):
        for name in sorted(files):
            if name.endswith(".c"):
                path = os.path.join(folder, name)
                over += [(path, first, fn, n)
                         for fn, first, n in functions(path) if n > limit]
    for path, first, fn, n in over:
        print(f"{path}:{first}: {fn} is {n} lines (at most {limit})")
    if over:
        return 1
    print(f"check-function-length: no function in {src} is over {limit} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
