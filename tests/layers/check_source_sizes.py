#!/usr/bin/env python3
"""Checks that sources stay readable: no file over 600 lines, no function over 80 lines
unless a comment just above it says why it is long (the word "long" in it). The
`source-sizes` ctest runs it on every C++ file git knows; by hand:
    tests/layers/check_source_sizes.py [--max 80] FILES...
Functions are found by a rough brace scanner (a '{' after a ')' outside any function),
good enough for this code base's style; a false find is fixed by a reason comment."""
import re
import sys


def strip(text):
    # Comments, strings and chars blanked so braces inside them do not count.
    out = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            out.append(' ' * (j - i))
            i = j
        elif text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r'[^\n]', ' ', text[i:j]))
            i = j
        elif text.startswith('R"', i):
            m = re.match(r'R"([^(]*)\(', text[i:])
            if not m:
                out.append(c)
                i += 1
                continue
            end = ')' + m.group(1) + '"'
            j = text.find(end, i + m.end())
            j = n if j < 0 else j + len(end)
            out.append(re.sub(r'[^\n]', ' ', text[i:j]))
            i = j
        elif c == "'" and i > 0 and text[i - 1].isalnum() and i + 1 < n and text[i + 1].isalnum():
            out.append(c)  # a digit separator (1'000'000), not a character literal
            i += 1
        elif c in '"\'':
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            out.append(' ' * (j + 1 - i))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def functions(path):
    text = strip(open(path, encoding='utf-8').read())
    stack = []  # (kind, start_line)
    line = 1
    found = []
    for i, c in enumerate(text):
        if c == '\n':
            line += 1
        elif c == '{':
            before = text[max(0, i - 300):i].rstrip()
            in_function = any(kind == 'fn' for kind, _, _ in stack)
            head = before.split(';')[-1].split('}')[-1]
            is_fn = (not in_function and re.search(r'\)\s*(const|override|final|noexcept|->\s*[\w:<>,\s*&]+|\s)*$', before)
                     and not re.search(r'\b(if|for|while|switch|catch)\s*\(', head.split('\n')[-1]))
            stack.append(('fn' if is_fn else 'block', line, head.strip().split('\n')[-1][:90]))
        elif c == '}':
            if stack:
                kind, start, name = stack.pop()
                if kind == 'fn':
                    found.append((start, line - start + 1, name))
    return found


MAX_FILE_LINES = 600


def has_reason(lines, start):
    """A comment in the few lines above the function's opening line mentions 'long'."""
    for line in lines[max(0, start - 14):start - 1]:
        text = line.strip()
        if text.startswith('//') and 'long' in text.lower():
            return True
    return False


def main(argv):
    limit = 80
    if argv[:1] == ['--max']:
        limit = int(argv[1])
        argv = argv[2:]
    problems = 0
    for path in argv:
        lines = open(path, encoding='utf-8').read().split('\n')
        if len(lines) > MAX_FILE_LINES:
            print(f'{path}: {len(lines)} lines (more than {MAX_FILE_LINES}): split it by concern')
            problems += 1
        for start, length, name in functions(path):
            if length > limit and not has_reason(lines, start):
                print(f'{path}:{start}: a function of {length} lines (more than {limit}) with no '
                      f'comment above it saying why it is long: {name}')
                problems += 1
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
