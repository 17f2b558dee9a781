"""The package layout (README, *Architecture*): one package per bounded context under `storecrm`, contexts that
depend on each other in one direction only, no import cycles and no folder too big to read.

Imports are read from the source with `ast`, so an import inside a function, one under TYPE_CHECKING and a module
named to `storecrm.deferred.DeferredModule` all count: each is a dependency, whenever it is loaded.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from bench.imports import COMMON_LAYER

PACKAGE = Path(COMMON_LAYER) / "storecrm"

# Lowest first: a context imports only itself and the contexts before it.
CONTEXTS = ["kernel", "identity", "stores", "integrations", "media", "profiles", "messaging", "catalog",
            "bookings", "commerce", "crm"]
# A context's data access (its `repositories` and `gateways` modules) is its own: another context goes through
# the context's domain modules, except for these, which other contexts read or write in their own transactions
# (one table: a cart's checkout writes the profile's facts, an erasure removes a profile's carts). The kernel's
# table, key layout and shared gateways are everyone's.
SHARED_DATA_ACCESS = {
    "identity.repositories.accounts", "identity.repositories.auth", "identity.repositories.account_tokens",
    "stores.repositories.stores", "stores.repositories.markets", "stores.repositories.locations",
    "stores.repositories.plan_counters",
    "integrations.repositories.integrations",
    "profiles.repositories.profiles", "profiles.repositories.taxonomy_use",
    "messaging.repositories.audiences",
    "catalog.repositories.products",
    "bookings.repositories.bookings",
    "commerce.repositories.carts", "commerce.repositories.orders", "commerce.repositories.profile_commerce",
    "commerce.repositories.profile_facts",
}
MAX_MODULES_PER_FOLDER = 25


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Every storecrm module `name` imports, anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    named: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            named |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            named |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names}
        elif (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "DeferredModule" and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            named.add(node.args[0].value)
    found = set()
    for module in named:
        while module and module not in known:
            module = module.rpartition(".")[0]
        if module.startswith("storecrm.") and module != name:
            found.add(module)
    return found


def import_graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports_of(name, path, set(found)) for name, path in found.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def context_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in CONTEXTS else None


def test_storecrm_has_no_import_cycle() -> None:
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle_through_several_modules() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_no_folder_holds_more_than_25_modules() -> None:
    counts: dict[Path, int] = {}
    for path in PACKAGE.rglob("*.py"):
        counts[path.parent] = counts.get(path.parent, 0) + 1
    assert {str(folder.relative_to(PACKAGE)): n for folder, n in counts.items() if n > MAX_MODULES_PER_FOLDER} == {}


def test_every_context_is_a_package() -> None:
    assert [c for c in CONTEXTS if not (PACKAGE / c / "__init__.py").is_file()] == []


def test_contexts_import_only_contexts_below_them() -> None:
    upward = sorted(
        f"{module} -> {imported}"
        for module, imported_modules in import_graph().items()
        if (source := context_of(module)) is not None
        for imported in imported_modules
        if (target := context_of(imported)) is not None and CONTEXTS.index(target) > CONTEXTS.index(source))
    assert upward == []


def test_a_contexts_data_access_is_its_own_unless_shared() -> None:
    reaching = sorted(
        f"{module} -> {imported}"
        for module, imported_modules in import_graph().items()
        if (source := context_of(module)) is not None
        for imported in imported_modules
        if context_of(imported) not in (None, source, "kernel")
        and imported.split(".")[2] in ("repositories", "gateways")
        and imported.removeprefix("storecrm.") not in SHARED_DATA_ACCESS)
    assert reaching == []


def test_a_context_package_says_what_it_owns_and_imports_nothing() -> None:
    """Importing a context must not import its modules (cold start); its docstring is its line on the map."""
    for context in CONTEXTS:
        tree = ast.parse((PACKAGE / context / "__init__.py").read_text())
        assert ast.get_docstring(tree), context
        assert not [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)], context
