"""Count the project's imports: inside functions vs at module level, and the import cycles.

Usage: python tools/import_counts.py [--list]   (docs/architecture.md, issue 19)

A project import is one of cms, courses, labs, games, ambassadors, site_layer (migrations and tests
left out), counted once per importing module and imported module. `from pkg import mod` counts
`pkg.mod` when that is a module. Cycles are the strongly connected components of the import graph, at
module level (what Python meets while loading) and with the function-level imports added (the
cycles they hide). --list prints the function-level imports.
"""

import ast
import pathlib
import sys

ROOTS = {"cms", "courses", "labs", "games", "ambassadors", "site_layer"}
BASE = pathlib.Path(__file__).resolve().parent.parent


def modules():
    for path in sorted(BASE.rglob("*.py")):
        rel = path.relative_to(BASE)
        if rel.parts[0] not in ROOTS or "migrations" in rel.parts:
            continue
        name = ".".join(rel.with_suffix("").parts)
        is_pkg = path.name == "__init__.py"
        if is_pkg:
            name = name.removesuffix(".__init__")
        yield name, (name if is_pkg else name.rpartition(".")[0]), path


def is_module(name):
    path = BASE.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def imports(name, package, path):
    tree = ast.parse(path.read_text())
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}

    def in_function(node):
        while node in parents:
            node = parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                return True
        return False

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(parts + ([node.module] if node.module else []))
            else:
                source = node.module
            targets = [
                f"{source}.{alias.name}" if is_module(f"{source}.{alias.name}") else source
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            if target.split(".")[0] in ROOTS and target != name:
                yield in_function(node), target


def cycles(edges):
    """Strongly connected components with more than one module (Tarjan)."""
    graph = {}
    for source, target in edges:
        graph.setdefault(source, set()).add(target)
        graph.setdefault(target, set())
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def main():
    inside, top = set(), set()
    for name, package, path in modules():
        for function_level, target in imports(name, package, path):
            (inside if function_level else top).add((name, target))
    app = lambda module: module.split(".")[0]  # noqa: E731
    print(f"imports inside functions: {len(inside)} "
          f"({sum(app(a) != app(b) for a, b in inside)} between apps)")
    print(f"imports at module level: {len(top)}")
    for label, edges in (("at module level", top), ("counting those inside functions", top | inside)):
        found = cycles(edges)
        print(f"import cycles {label}: {len(found)}")
        for component in found:
            print("   ", " <-> ".join(component))
    if "--list" in sys.argv:
        for source, target in sorted(inside):
            print(f"  {source} -> {target}")


if __name__ == "__main__":
    main()
