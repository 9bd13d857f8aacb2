#!/usr/bin/env python3
"""Parses the Swift package's hand-written Swift (tests, Package.swift) and the generated sources
with tree-sitter's Swift grammar and fails on any syntax error. This machine has no Swift
compiler: this catches syntax slips, not type errors. The grammar does not know the compiler's
private `@_documentation(...)` attribute that uniffi emits, nor a closure whose body is the empty
tuple (`{ () }`, uniffi's return of a foreign callback without a value), so those nodes are not
errors.

    python check_syntax.py FILE.swift...
"""

import sys

import tree_sitter
import tree_sitter_swift

ALLOWED = (b"@_documentation(",)
# Whole lines the grammar misreads though Swift accepts them.
ALLOWED_LINES = (b"let writeReturn = { () }",)


def errors(parser: tree_sitter.Parser, path: str) -> list[str]:
    with open(path, "rb") as f:
        source = f.read()
    tree = parser.parse(source)
    lines = source.split(b"\n")
    found: list[str] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            text = node.text or b""
            line = lines[node.start_point[0]].strip()
            if not text.startswith(ALLOWED) and line not in ALLOWED_LINES:
                found.append(f"{path}:{node.start_point[0] + 1}: syntax error near {text[:60]!r}")
        stack.extend(node.children)
    return found


def main() -> int:
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_swift.language()))
    problems = [problem for path in sys.argv[1:] for problem in errors(parser, path)]
    for problem in sorted(problems):
        print(problem, file=sys.stderr)
    print(f"{len(sys.argv) - 1} Swift files parsed, {len(problems)} syntax errors")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
