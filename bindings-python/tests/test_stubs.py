"""The stubs cover every public name of the native module, and its enums member for member."""

from __future__ import annotations

import ast
import enum
from pathlib import Path

import brokerlink
from brokerlink import _native

STUB = ast.parse((Path(brokerlink.__file__).parent / "_native.pyi").read_text(encoding="utf-8"))


def _stub_classes() -> dict[str, ast.ClassDef]:
    return {node.name: node for node in STUB.body if isinstance(node, ast.ClassDef)}


def _stub_names() -> set[str]:
    names = set(_stub_classes())
    names |= {node.name for node in STUB.body if isinstance(node, ast.FunctionDef)}
    names |= {
        node.target.id
        for node in STUB.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }
    return names


def _body_names(node: ast.ClassDef) -> set[str]:
    names = set()
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.ClassDef)):
            names.add(item.name)
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            names.add(item.target.id)
        elif isinstance(item, ast.Assign):
            names |= {t.id for t in item.targets if isinstance(t, ast.Name)}
    return names


def test_every_public_name_has_a_stub() -> None:
    public = {name for name in dir(_native) if not name.startswith("__")}
    assert public == _stub_names() - {"__version__"}
    assert set(brokerlink.__all__) - {"__version__"} == {n for n in public if not n.startswith("_")}


def test_enum_members_match() -> None:
    for name, node in _stub_classes().items():
        runtime = getattr(_native, name)
        if isinstance(runtime, type) and issubclass(runtime, enum.Enum):
            assert {m.name for m in runtime} == _body_names(node), name
            assert all(isinstance(m, str) and str(m) == m.value for m in runtime)


def test_class_attributes_are_stubbed() -> None:
    for name, node in _stub_classes().items():
        runtime = getattr(_native, name)
        if issubclass(runtime, (enum.Enum, BaseException)):
            continue
        public = {a for a in vars(runtime) if not a.startswith("_")}
        assert public <= _body_names(node), (name, public - _body_names(node))
