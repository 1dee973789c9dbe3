#!/usr/bin/env python3
"""Check the shape of src/ against the module map in src/readonly_guard.h
(read from that comment: a layer per group, from the top layer down).

  - a module includes and calls only modules of its own layer or below;
  - private headers are included only by their own modules;
  - no call or include cycle between files;
  - no .c file above MAX_FILE_LINES lines, no function above MAX_FUNC_LINES.

Prints what it finds and exits 1 if anything breaks a rule.  Run from
anywhere: python3 tools/check-layers.py [SRC_DIR]
"""
import os
import re
import sys

MAX_FILE_LINES = 700
MAX_FUNC_LINES = 60

# private headers and the files that may include them
PRIVATE = {
    'state_int.h': {'state.c', 'startup.c'},
    'statefile.h': {'statefile.c', 'state_int.h'},
    'guard_int.h': {'judge.c', 'objects.c', 'writers.c', 'classify.c',
                    'report.c', 'xact.c', 'guard.c'},
}

layer_of = {}
problems = []


def read_map(header):
    """The module map of readonly_guard.h: {file: (level, layer)}, level 0
    for the bottom layer.  A line whose first column names a layer starts
    it; every file name (x.c, x.h) in the first two columns of its lines
    belongs to it."""
    text = open(header).read()
    start = text.index('Module map')
    end = text.index('Where a change goes')
    layers = []
    for line in text[start:end].split('\n'):
        m = re.match(r'^ \*\t([A-Za-z-]*)\t+(\w+\.[ch])\b', line)
        if not m:
            continue
        if m.group(1):
            layers.append((m.group(1), []))
        if layers:
            layers[-1][1].append(m.group(2))
    out = {}
    for i, (name, files) in enumerate(reversed(layers)):
        for f in files:
            out[f] = (i, name)
    return out


def strip(text):
    """The C text without comments and string or character literals."""
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    text = re.sub(r'"(\\.|[^"\\\n])*"', '""', text)
    return re.sub(r"'(\\.|[^'\\\n])*'", "''", text)


def functions(text):
    """(name, first line, number of lines of the body) of each function."""
    lines = text.split('\n')
    i = 0
    while i < len(lines):
        m = re.match(r'^([A-Za-z_]\w*)\(', lines[i])
        if m and i > 0 and not lines[i - 1].startswith('#'):
            j = i
            while j < len(lines) and lines[j] != '{':
                if lines[j].endswith(';'):
                    break
                j += 1
            if j < len(lines) and lines[j] == '{':
                k = j
                while lines[k] != '}':
                    k += 1
                yield m.group(1), i + 1, k - j + 1
                i = k
        i += 1


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src')
    layer_of.update(read_map(os.path.join(src, 'readonly_guard.h')))
    if not layer_of:
        problems.append('no module map found in readonly_guard.h')
    files = sorted(f for f in os.listdir(src) if f.endswith(('.c', '.h')))
    text = {f: open(os.path.join(src, f)).read() for f in files}
    code = {f: strip(t) for f, t in text.items()}

    for f in files:
        if f not in layer_of:
            problems.append(f'{f}: not in the module map of readonly_guard.h')
    for f in layer_of:
        if f not in text:
            problems.append(f'{f}: in the module map but not in {src}')

    # includes
    includes = {f: re.findall(r'^#include "([^"]+)"', text[f], re.M) for f in files}
    for f in files:
        for h in includes[f]:
            if h not in layer_of or f not in layer_of:
                continue
            if layer_of[h][0] > layer_of[f][0]:
                problems.append(f'{f} ({layer_of[f][1]}) includes {h} ({layer_of[h][1]}), a layer above')
            if h in PRIVATE and f not in PRIVATE[h]:
                problems.append(f'{f} includes the private header {h}')

    # who defines what: non-static functions and variables of .c files,
    # static inline functions of headers
    defines = {}
    for f in files:
        if f.endswith('.c'):
            for m in re.finditer(r'^(?!static)[A-Za-z].*?\n?(rog_\w+)\(', code[f], re.M):
                defines.setdefault(m.group(1), f)
            for m in re.finditer(r'^(?!static|extern)[A-Za-z][\w \t\*]*?\b(rog_\w+)(\[[^\]]*\])?\s*=', code[f], re.M):
                defines.setdefault(m.group(1), f)
            for m in re.finditer(r'^(?!static|extern)[A-Za-z][\w \t\*]*?\b(rog_\w+)(\[[^\]]*\])?;', code[f], re.M):
                defines.setdefault(m.group(1), f)
        else:
            for m in re.finditer(r'^static inline [^\n]*\n(rog_\w+)\(', code[f], re.M):
                defines.setdefault(m.group(1), f)
    uses = {f: set(re.findall(r'\b(rog_\w+)\b', code[f])) for f in files}

    # the identifiers in each inline function of the headers
    inline_uses = {}
    for f in files:
        if f.endswith('.h'):
            for m in re.finditer(r'^static inline [^\n]*\n(rog_\w+)\([^{]*\{(.*?)^\}', code[f], re.M | re.S):
                inline_uses[m.group(1)] = set(re.findall(r'\b(rog_\w+)\b', m.group(2)))

    # a header's inline function makes its users depend on what it uses
    def deps_of(f):
        out, todo, seen = set(), list(uses[f]), set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            g = defines.get(name)
            if g is None:
                continue
            if g.endswith('.h'):
                todo.extend(inline_uses.get(name, ()))
            elif g != f:
                out.add(g)
        return out

    deps = {f: deps_of(f) for f in files if f.endswith('.c')}
    for f, gs in sorted(deps.items()):
        for g in sorted(gs):
            if layer_of.get(g, (0,))[0] > layer_of.get(f, (9,))[0]:
                names = sorted(n for n in uses[f] if defines.get(n) == g)
                problems.append(f'{f} ({layer_of[f][1]}) calls {g} ({layer_of[g][1]}), a layer above: {" ".join(names) or "through a header"}')

    # cycles between .c files (Tarjan)
    index, low, stack, on, sccs, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in deps.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    for v in deps:
        if v not in index:
            visit(v)
    for comp in sccs:
        problems.append('call cycle between ' + ', '.join(comp))

    # sizes
    for f in files:
        lines = text[f].count('\n')
        if f.endswith('.c') and lines > MAX_FILE_LINES:
            problems.append(f'{f}: {lines} lines (at most {MAX_FILE_LINES})')
        for name, line, length in functions(text[f]):
            if length > MAX_FUNC_LINES:
                problems.append(f'{f}:{line}: {name}() has {length} lines (at most {MAX_FUNC_LINES})')

    nfiles = len(files)
    nedges = sum(len(g) for g in deps.values())
    for p in problems:
        print('check-layers: ' + p)
    print(f'check-layers: {nfiles} files, {nedges} dependencies between .c files, '
          f'{len(problems)} problems')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
