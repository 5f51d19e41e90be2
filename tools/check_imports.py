"""Check the arrows between the kit's modules: no import circle, and nothing imports the command line.

Every `import` of a `biomass_kit` module counts, at the top of a module or inside a function (a lazy import hides a
circle from Python, not from this check). The command line (`cli`) is the top floor: a module that imports it points
an arrow upwards. Prints each module's imports with `--verbose`; exits 1 with one line per problem.
Usage: python tools/check_imports.py [--verbose] [PACKAGE_DIR]   (default: biomass_kit/ beside this folder)
"""
import ast, sys
from pathlib import Path

TOP = {'cli'}  # modules no other module may import

def imported_modules(path:Path, package:str) -> set:
    "The `package` modules that the module at `path` imports (relative or absolute, anywhere in the file)."
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1: base = node.module or ''
            elif node.level == 0 and (node.module or '').startswith(package): base = node.module[len(package):].lstrip('.')
            else: continue
            if base: found.add(base.split('.')[0])
            else: found |= {a.name for a in node.names}   # `from . import x`
        elif isinstance(node, ast.Import):
            found |= {a.name.split('.')[1] for a in node.names if a.name.startswith(package + '.')}
    return found

def import_graph(package_dir:Path) -> dict:
    "module -> the package's modules it imports (only modules that exist in `package_dir`)."
    mods = {p.stem: p for p in package_dir.glob('*.py') if not p.stem.startswith('_')}
    return {m: sorted(imported_modules(p, package_dir.name) & set(mods) - {m}) for m, p in sorted(mods.items())}

def circles(graph:dict) -> list:
    "The strongly connected components with more than one module (Tarjan), each sorted."
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]
    def visit(v):
        index[v] = low[v] = n[0]; n[0] += 1; stack.append(v); on.add(v)
        for w in graph[v]:
            if w not in index: visit(w); low[v] = min(low[v], low[w])
            elif w in on: low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v: break
            if len(comp) > 1: out.append(sorted(comp))
    for v in graph:
        if v not in index: visit(v)
    return out

def problems(graph:dict) -> list:
    "One line per import circle and per module importing a top-floor module."
    lines = [f"import circle: {' <-> '.join(c)}" for c in circles(graph)]
    lines += [f"{m} imports {t}: the command line is the top floor, nothing below it may import it"
              for m, deps in graph.items() for t in deps if t in TOP]
    return lines

def main(args:list) -> int:
    verbose = '--verbose' in args
    rest = [a for a in args if a != '--verbose']
    package_dir = Path(rest[0]) if rest else Path(__file__).resolve().parent.parent/'biomass_kit'
    graph = import_graph(package_dir)
    if verbose:
        for m, deps in graph.items(): print(f"{m}: {', '.join(deps) or '-'}")
    found = problems(graph)
    for line in found: print(line)
    if not found: print(f"imports: {len(graph)} modules, no circle, nothing imports {', '.join(sorted(TOP))}")
    return 1 if found else 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
