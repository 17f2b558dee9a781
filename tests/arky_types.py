"""The arky-sdk 0.9.1 client's TypeScript types, read from the checked-in copy of its `src/types/index.ts` and
`src/types/api.ts` (tests/arky_sdk/, commit fe001ba of github.com/0xDjole/arky-sdk, MIT), to compare answers
with what typed client code reads: `client_shape_errors(answer, "ProfileDetail")`.

The check, field by field and through every nesting: a required field is present and of its type (`null` only
where the type says `| null`, so a number field that is null is an error); an optional field (`?:`) may be absent
or null (JSON has no `undefined`); unions take any of their members, string literals their exact value; extra
fields are allowed (the client ignores them). A type the copy does not declare is an error, not a pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

SOURCES = (Path(__file__).parent / "arky_sdk" / "index.ts", Path(__file__).parent / "arky_sdk" / "api.ts")
TOKEN = re.compile(r"""\s*(=>|\.\.\.|'[^']*'|"[^"]*"|-?\d+(?:\.\d+)?|[A-Za-z_$][\w$]*|[{}()\[\]<>|&;:,?=.*])""")
PRIMITIVES = {"string", "number", "boolean", "null", "undefined", "any", "unknown", "object", "void", "never"}
Node = tuple[Any, ...]


def _tokens(text: str) -> list[str]:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    tokens, at = [], 0
    while at < len(text):
        match = TOKEN.match(text, at)
        if match is None:
            if text[at:].strip() == "":
                break
            raise ValueError(f"cannot read the type text at: {text[at:at + 40]!r}")
        tokens.append(match.group(1))
        at = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens, self.at = tokens, 0

    def peek(self, ahead: int = 0) -> str | None:
        index = self.at + ahead
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise ValueError(f"expected {expected!r}, found {token!r} at token {self.at}")
        self.at += 1
        return token

    def type(self) -> Node:
        if self.peek() == "|":
            self.take()
        members = [self.intersection()]
        while self.peek() == "|":
            self.take()
            members.append(self.intersection())
        return members[0] if len(members) == 1 else ("union", members)

    def intersection(self) -> Node:
        parts = [self.postfix()]
        while self.peek() == "&":
            self.take()
            parts.append(self.postfix())
        return parts[0] if len(parts) == 1 else ("all", parts)

    def postfix(self) -> Node:
        node = self.primary()
        while self.peek() == "[" and self.peek(1) == "]":
            self.take()
            self.take()
            node = ("array", node)
        return node

    def _skip_group(self, opening: str, closing: str) -> None:
        depth = 0
        while True:
            token = self.take()
            depth += token == opening
            depth -= token == closing
            if depth == 0:
                return

    def primary(self) -> Node:
        token = self.peek()
        if token == "(":
            start = self.at
            self._skip_group("(", ")")
            if self.peek() == "=>":  # a function type: typed code never reads one from JSON
                self.take()
                self.type()
                return ("any",)
            self.at = start + 1
            inner = self.type()
            self.take(")")
            return inner
        if token == "{":
            return self.object()
        if token == "[":
            self.take()
            items = []
            while self.peek() != "]":
                items.append(self.type())
                if self.peek() == ",":
                    self.take()
            self.take("]")
            return ("tuple", items)
        token = self.take()
        if token[0] in "'\"":
            return ("literal", token[1:-1])
        if re.fullmatch(r"-?\d+(?:\.\d+)?", token):
            return ("literal", float(token))
        if token in ("true", "false"):
            return ("literal", token == "true")
        if token == "typeof" or token == "keyof":
            self.primary()
            return ("any",)
        if token == "import":  # import('./index').Name
            self.take("(")
            self.take()
            self.take(")")
            self.take(".")
            token = self.take()
        while self.peek() == ".":
            self.take()
            token = self.take()
        args: list[Node] = []
        if self.peek() == "<":
            self.take()
            args.append(self.type())
            while self.peek() == ",":
                self.take()
                args.append(self.type())
            self.take(">")
        if token in PRIMITIVES:
            return ("primitive", token)
        return ("ref", token, args)

    def object(self) -> Node:
        self.take("{")
        fields: dict[str, tuple[bool, Node]] = {}
        index: Node | None = None
        while self.peek() != "}":
            if self.peek() == "readonly":
                self.take()
            if self.peek() == "[":  # [key: string]: T
                self.take()
                self.take()
                self.take(":")
                self.type()
                self.take("]")
                self.take(":")
                index = self.type()
            else:
                name = self.take().strip("'\"")
                optional = self.peek() == "?"
                if optional:
                    self.take()
                if self.peek() == "(":  # a method signature
                    self._skip_group("(", ")")
                self.take(":")
                fields[name] = (optional, self.type())
            while self.peek() in (";", ","):
                self.take()
        self.take("}")
        return ("object", fields, index)


@dataclass
class _Declaration:
    params: list[str]
    body: Node
    extends: list[Node] = field(default_factory=list)


def _declarations(text: str) -> dict[str, _Declaration]:
    parser, found = _Parser(_tokens(text)), dict[str, _Declaration]()
    while parser.peek() is not None:
        token = parser.take()
        if token not in ("interface", "type", "enum") or parser.peek() in (None, "{", "=", ",", "}", ";"):
            continue
        if token == "enum":  # enum Name { A = "a", B = "b" }: its values
            name = parser.take()
            parser.take("{")
            values: list[Node] = []
            while parser.peek() != "}":
                parser.take()
                if parser.peek() == "=":
                    parser.take()
                    values.append(parser.primary())
                if parser.peek() == ",":
                    parser.take()
            parser.take("}")
            found.setdefault(name, _Declaration([], ("union", values)))
            continue
        if token == "type" and parser.at >= 2 and parser.tokens[parser.at - 2] in ("import", "{", ","):
            continue  # `import type {...}` and `import { type X }`
        name = parser.take()
        params: list[str] = []
        if parser.peek() == "<":
            parser.take()
            while parser.peek() != ">":
                params.append(parser.take())
                while parser.peek() not in (",", ">"):  # `extends ...` or `= default` of a parameter
                    parser.take()
                if parser.peek() == ",":
                    parser.take()
            parser.take(">")
        if token == "interface":
            extends = []
            if parser.peek() == "extends":
                parser.take()
                extends.append(parser.postfix())
                while parser.peek() == ",":
                    parser.take()
                    extends.append(parser.postfix())
            found.setdefault(name, _Declaration(params, parser.object(), extends))
        else:
            parser.take("=")
            found.setdefault(name, _Declaration(params, parser.type()))
    return found


@cache
def declarations() -> dict[str, _Declaration]:
    merged: dict[str, _Declaration] = {}
    for source in SOURCES:
        for name, declared in _declarations(source.read_text()).items():
            merged.setdefault(name, declared)
    return merged


def _errors(value: Any, node: Node, path: str, scope: dict[str, Node]) -> list[str]:
    kind = node[0]
    if kind == "any":
        return []
    if kind == "primitive":
        name = node[1]
        ok = {"string": lambda v: isinstance(v, str), "boolean": lambda v: isinstance(v, bool),
              "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
              "null": lambda v: v is None, "undefined": lambda v: v is None, "void": lambda v: v is None,
              "object": lambda v: isinstance(v, dict), "never": lambda v: False}.get(name, lambda v: True)(value)
        return [] if ok else [f"{path}: {value!r} is not {name}"]
    if kind == "literal":
        same = value == node[1] and isinstance(value, bool) == isinstance(node[1], bool)
        return [] if same else [f"{path}: {value!r} is not {node[1]!r}"]
    if kind == "array":
        if not isinstance(value, list):
            return [f"{path}: {type(value).__name__} is not an array"]
        return [e for i, item in enumerate(value) for e in _errors(item, node[1], f"{path}[{i}]", scope)]
    if kind == "tuple":
        if not isinstance(value, list) or len(value) != len(node[1]):
            return [f"{path}: not a tuple of {len(node[1])}"]
        return [e for i, (item, t) in enumerate(zip(value, node[1], strict=True))
                for e in _errors(item, t, f"{path}[{i}]", scope)]
    if kind == "union":
        tried = [_errors(value, member, path, scope) for member in node[1]]
        if any(not errors for errors in tried):
            return []
        return [f"{path}: {value!r:.80} matches no member of the union", *min(tried, key=len)]
    if kind == "all":
        return [e for part in node[1] for e in _errors(value, part, path, scope)]
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{path}: {type(value).__name__} is not an object"]
        errors = []
        for name, (optional, field_type) in node[1].items():
            if name not in value:
                if not optional:
                    errors.append(f"{path}.{name}: missing")
            elif not (optional and value[name] is None):
                errors += _errors(value[name], field_type, f"{path}.{name}", scope)
        if node[2] is not None:
            errors += [e for name, item in value.items() if name not in node[1]
                       for e in _errors(item, node[2], f"{path}.{name}", scope)]
        return errors
    # a reference: a generic parameter, a built-in generic, or a declared type
    name, args = node[1], [_bound(a, scope) for a in node[2]]
    if name in scope:
        return _errors(value, scope[name], path, {})
    if name == "Array":
        return _errors(value, ("array", args[0]), path, scope)
    if name == "Record":
        return _errors(value, ("object", {}, args[1]), path, scope)
    if name in ("Partial", "Pick", "Omit", "Promise"):
        return [] if isinstance(value, dict) or name == "Promise" else [f"{path}: not an object"]
    declared = declarations().get(name)
    if declared is None:
        return [f"{path}: the client type {name} is not in the checked-in types"]
    bound = dict(zip(declared.params, args, strict=False))
    errors = [e for parent in declared.extends for e in _errors(value, _bound(parent, bound), path, {})]
    return errors + _errors(value, declared.body, path, bound)


def _bound(node: Node, scope: dict[str, Node]) -> Node:
    """`node` with the generic parameters in scope replaced by their arguments."""
    if node[0] == "ref":
        if node[1] in scope and not node[2]:
            return scope[node[1]]
        return ("ref", node[1], [_bound(a, scope) for a in node[2]])
    if node[0] in ("array",):
        return (node[0], _bound(node[1], scope))
    if node[0] in ("union", "all", "tuple"):
        return (node[0], [_bound(m, scope) for m in node[1]])
    if node[0] == "object":
        return ("object", {n: (o, _bound(t, scope)) for n, (o, t) in node[1].items()},
                _bound(node[2], scope) if node[2] is not None else None)
    return node


def client_shape_errors(value: Any, type_text: str) -> list[str]:
    """What in `value` (a decoded JSON answer) typed client code reading it as `type_text` (a TypeScript type
    expression over the client's types, e.g. "PaginatedResponse<Service>") would trip on; empty when none."""
    parser = _Parser(_tokens(type_text))
    node = parser.type()
    if parser.peek() is not None:
        raise ValueError(f"trailing text in the type {type_text!r}")
    return _errors(value, node, "$", {})


def assert_client_shape(value: Any, type_text: str) -> None:
    errors = client_shape_errors(value, type_text)
    assert not errors, f"not the client's {type_text}:\n" + "\n".join(errors[:20])
