"""Answers as plain data: written in the student's kernel, read back in the grader.

The grader never trusts an object that comes from a student's kernel: a value could carry a
forged ``__eq__`` or ``__repr__``. The kernel turns each answer into JSON-able data made of
ints (as hex), float reprs, strings, fractions, tuples, a SymPy expression's ``srepr`` and, for a
coding exercise, the function's source with the globals it names; the grader rebuilds plain
Python values from that data alone, in its own process.

Only the base types' own methods read a value (``int.__int__``, ``float.__repr__``,
``str.__str__``), so a subclass cannot change what is sent.

Examples
--------
>>> class Liar(int):
...     def __eq__(self, other):
...         return True
>>> data = to_data(Liar(7))
>>> data
{'kind': 'int', 'hex': '0x7'}
>>> from_data(data), type(from_data(data)).__name__
(7, 'int')
>>> from_data(to_data((1, "0xFF", 2.5, ...)))
(1, '0xFF', 2.5, Ellipsis)
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import types
from decimal import Decimal
from fractions import Fraction
from typing import Any

__all__ = [
    "ANSWER_MIME",
    "Opaque",
    "UnsafeData",
    "to_data",
    "from_data",
    "function_data",
    "rebuild_function",
    "safe_sympy",
    "capture",
]

ANSWER_MIME = "application/vnd.virtualizing-time.answer+json"
"""The MIME type under which the kernel shows a captured answer."""

MAX_DEPTH = 4
MAX_ITEMS = 200
MAX_TEXT = 100_000
MAX_INT_BITS = 1 << 20


class UnsafeData(ValueError):
    """Data from a submission that the grader refuses to turn into a value."""


class Opaque:
    """Stands for a value of a type the grader does not rebuild; equal to nothing."""

    def __init__(self, type_name: str) -> None:
        self.type_name = str(type_name)[:100]

    def __eq__(self, other: object) -> bool:
        return False

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"<a {self.type_name} object>"


def _type_name(value: Any) -> str:
    return type.__getattribute__(type(value), "__qualname__")


def _module_of(value: Any) -> str:
    return str(type.__getattribute__(type(value), "__module__"))


def _int_data(number: int) -> dict:
    if number.bit_length() > MAX_INT_BITS:
        return {"kind": "object", "type": f"int of {number.bit_length()} bits"}
    return {"kind": "int", "hex": hex(number)}


def to_data(value: Any, depth: int = 0) -> dict:
    """JSON-able data for one answer value (runs in the student's kernel)."""
    if value is Ellipsis:
        return {"kind": "stub"}
    if value is None:
        return {"kind": "none"}
    if isinstance(value, bool):
        return {"kind": "bool", "value": bool.__bool__(value)}
    if isinstance(value, int):
        return _int_data(int.__int__(value))
    if isinstance(value, float):
        return {"kind": "float", "repr": float.__repr__(value)}
    if isinstance(value, str):
        return {"kind": "str", "value": str.__str__(value)[:MAX_TEXT]}
    if type(value) is Fraction:
        return {"kind": "fraction", "num": hex(value.numerator), "den": hex(value.denominator)}
    if type(value) is Decimal:
        return {"kind": "decimal", "value": Decimal.__str__(value)[:MAX_TEXT]}
    if type(value) in (tuple, list) and depth < MAX_DEPTH:
        items = [to_data(item, depth + 1) for item in list(value)[:MAX_ITEMS]]
        return {"kind": type(value).__name__, "items": items}
    module = _module_of(value)
    if module == "numpy" or module.startswith("numpy."):
        return _numpy_data(value)
    if module.startswith("sympy"):
        import sympy

        if isinstance(value, sympy.Basic):
            return {"kind": "sympy", "srepr": str(sympy.srepr(value))[:MAX_TEXT]}
    if isinstance(value, types.FunctionType) and depth < MAX_DEPTH:
        return function_data(value, depth)
    return {"kind": "object", "type": _type_name(value)}


def _numpy_data(value: Any) -> dict:
    import numpy as np

    if isinstance(value, np.bool_):
        return {"kind": "bool", "value": bool(value)}
    if isinstance(value, np.integer):
        return _int_data(int(value))
    if isinstance(value, np.floating):
        return {"kind": "float", "repr": repr(float(value))}
    return {"kind": "object", "type": f"numpy {_type_name(value)}"}


def _names_used(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names_used(const)
    return names


def _reference(value: Any) -> dict | None:
    """An importable module, class or function as a reference by name, else None."""
    if isinstance(value, types.ModuleType):
        return {"kind": "module", "name": value.__name__}
    module = getattr(value, "__module__", None)
    qualname = getattr(value, "__qualname__", None)
    if (
        isinstance(module, str)
        and isinstance(qualname, str)
        and module not in ("__main__", "builtins")
        and "<" not in qualname
        and (isinstance(value, type) or callable(value))
    ):
        return {"kind": "import", "module": module, "qualname": qualname}
    return None


def function_data(func: types.FunctionType, depth: int = 0) -> dict:
    """A function as its source plus the globals it names (modules, helpers, constants)."""
    try:
        source = inspect.getsource(func)
    except (OSError, TypeError):
        return {"kind": "object", "type": "function without source"}
    import textwrap

    found: dict[str, dict] = {}
    namespace = func.__globals__
    for name in sorted(_names_used(func.__code__)):
        if name not in namespace or name == func.__name__:
            continue
        value = namespace[name]
        if isinstance(value, types.FunctionType) and value.__module__ == func.__module__:
            found[name] = to_data(value, depth + 1)
        else:
            found[name] = _reference(value) or to_data(value, depth + 1)
    return {
        "kind": "function",
        "name": func.__name__,
        "source": textwrap.dedent(source)[:MAX_TEXT],
        "globals": found,
    }


def from_data(data: Any, depth: int = 0) -> Any:
    """The plain value described by ``data`` (runs in the grader). Functions are not rebuilt.

    Raises
    ------
    UnsafeData
        For malformed data, and for a function (use :func:`rebuild_function`).
    """
    if not isinstance(data, dict) or depth > MAX_DEPTH + 1:
        raise UnsafeData(f"malformed answer data: {str(data)[:80]!r}")
    kind = data.get("kind")
    try:
        if kind == "stub":
            return Ellipsis
        if kind == "none":
            return None
        if kind == "bool":
            return bool(data["value"] is True)
        if kind == "int":
            return _read_hex(data["hex"])
        if kind == "float":
            return float(str(data["repr"])[:400])
        if kind == "str":
            return str(data["value"])[:MAX_TEXT]
        if kind == "fraction":
            return Fraction(_read_hex(data["num"]), _read_hex(data["den"]))
        if kind == "decimal":
            return Decimal(str(data["value"])[:MAX_TEXT])
        if kind in ("tuple", "list"):
            items = [from_data(item, depth + 1) for item in data["items"][:MAX_ITEMS]]
            return tuple(items) if kind == "tuple" else items
        if kind == "sympy":
            return safe_sympy(str(data["srepr"]))
        if kind == "object":
            return Opaque(str(data.get("type", "unknown")))
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise UnsafeData(f"malformed answer data ({type(exc).__name__})") from None
    raise UnsafeData(f"answer data of unknown kind {str(kind)[:40]!r}")


def _read_hex(text: Any) -> int:
    text = str(text)
    if len(text) > MAX_INT_BITS // 4 + 3:
        raise UnsafeData("integer too large")
    return int(text, 16)


_SYMPY_CALLS = frozenset(
    {
        "Symbol", "Dummy", "Integer", "Rational", "Float", "Add", "Mul", "Pow", "Half", "One",
        "Zero", "NegativeOne", "Infinity", "NegativeInfinity", "floor", "ceiling", "log", "exp",
        "sqrt", "Abs", "Max", "Min", "Mod",
    }
)  # fmt: skip


def safe_sympy(text: str) -> Any:
    """Rebuild a SymPy expression from its ``srepr`` without running any other code.

    The text must be nothing but calls of SymPy's number and arithmetic constructors on
    literals (``Symbol('F', integer=True)``, ``Integer(2)``, ``Pow(...)``).

    Examples
    --------
    >>> safe_sympy("Mul(Symbol('host_hz', positive=True), Pow(Integer(2), Integer(-32)))")
    host_hz/4294967296
    >>> safe_sympy("__import__('os').getcwd()")
    Traceback (most recent call last):
    ...
    tsccourse.exercises.transport.UnsafeData: not a plain SymPy expression: Call
    """
    if len(text) > MAX_TEXT:
        raise UnsafeData("SymPy expression too long")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise UnsafeData("not a SymPy expression") from None
    for node in ast.walk(tree):
        allowed = isinstance(
            node, (ast.Expression, ast.Call, ast.Constant, ast.keyword, ast.Load, ast.USub)
        )
        if isinstance(node, ast.Name):
            allowed = node.id in _SYMPY_CALLS
        if isinstance(node, ast.UnaryOp):
            allowed = isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant)
        if isinstance(node, ast.Call):
            allowed = isinstance(node.func, ast.Name) and node.func.id in _SYMPY_CALLS
        if isinstance(node, ast.Constant):
            allowed = isinstance(node.value, (int, float, str, bool)) and (
                not isinstance(node.value, (int, str)) or len(str(node.value)) < 10_000
            )
        if not allowed:
            raise UnsafeData(f"not a plain SymPy expression: {type(node).__name__}")
    import sympy

    namespace = {name: getattr(sympy, name) for name in _SYMPY_CALLS if hasattr(sympy, name)}
    namespace["Half"] = lambda: sympy.S.Half
    namespace["One"] = lambda: sympy.S.One
    namespace["Zero"] = lambda: sympy.S.Zero
    namespace["NegativeOne"] = lambda: sympy.S.NegativeOne
    namespace["Infinity"] = lambda: sympy.S.Infinity
    namespace["NegativeInfinity"] = lambda: sympy.S.NegativeInfinity
    return eval(compile(tree, "<answer>", "eval"), {"__builtins__": {}}, namespace)  # noqa: S307


def _resolve(data: dict) -> Any:
    if data.get("kind") == "module":
        return importlib.import_module(str(data["name"]))
    target = importlib.import_module(str(data["module"]))
    for part in str(data["qualname"]).split("."):
        target = getattr(target, part)
    return target


def rebuild_function(data: dict) -> Any:
    """Execute a submitted function's source in a fresh namespace; return the function.

    Only call this in a process that may be killed and whose results are checked again
    (see :mod:`tsccourse.exercises.sandbox`): the source is the student's code.
    """
    namespace: dict[str, Any] = {"__builtins__": builtins, "__name__": "__submission__"}

    def load(entry: dict) -> None:
        for name, item in entry.get("globals", {}).items():
            if not isinstance(item, dict) or name in namespace:
                continue
            if item.get("kind") == "function":
                load(item)
                namespace[name] = _exec_function(item, namespace)
            elif item.get("kind") in ("module", "import"):
                try:
                    namespace[name] = _resolve(item)
                except (ImportError, AttributeError, KeyError):
                    pass
            else:
                try:
                    namespace[name] = from_data(item)
                except UnsafeData:
                    pass

    load(data)
    return _exec_function(data, namespace)


def _exec_function(data: dict, namespace: dict) -> Any:
    exec(compile(str(data["source"]), f"<{data.get('name', 'submission')}>", "exec"), namespace)
    return namespace[str(data["name"])]


def capture(exercise_id: str, get: Any) -> None:
    """Show one answer as data under :data:`ANSWER_MIME` (the grader's capture cell calls it).

    ``get`` evaluates the answer expression in the student's namespace.
    """
    try:
        answer = to_data(get())
    except NameError as exc:
        answer = {"kind": "missing", "detail": str(exc)[:200]}
    except BaseException as exc:  # noqa: BLE001 - whatever the student's value does
        answer = {"kind": "error", "detail": f"{_type_name(exc)}"}
    from IPython.display import display

    display({ANSWER_MIME: {"exercise": exercise_id, "answer": answer}}, raw=True)
