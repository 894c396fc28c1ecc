"""``instrument()`` / ``uninstrument()``: patch the installed LLM client libraries globally.

A library already imported is patched at once; one that is installed but not imported yet
is patched right after its import (a ``sys.meta_path`` hook), so ``instrument()`` never
imports anything heavy itself (LiteLLM alone takes seconds). Every patch is recorded and
``uninstrument()`` puts the original attributes back exactly.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.util
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from . import _llm

# library name -> (module whose import triggers the patch, our integration module)
LIBRARIES = {
    "openai": ("openai", "openai"),
    "anthropic": ("anthropic", "anthropic"),
    "litellm": ("litellm", "litellm"),
    "langchain": ("langchain_core", "langchain"),
    "google_genai": ("google.genai", "google_genai"),
    "bedrock": ("botocore", "bedrock"),
    "mistral": ("mistralai", "mistral"),
    "groq": ("groq", "groq"),
    "ollama": ("ollama", "ollama"),
    "llama_index": ("llama_index.core", "llama_index"),
    "openai_agents": ("agents", "openai_agents"),
}

_lock = threading.RLock()


@dataclass
class _Patch:
    owner: Any
    attr: str
    had: bool
    original: Any

    def undo(self) -> None:
        if self.had:
            setattr(self.owner, self.attr, self.original)
        else:
            delattr(self.owner, self.attr)


_patches: dict[str, list[_Patch]] = {}
_waiting: dict[str, str] = {}  # module name -> library, patched when imported


def _patcher(library: str) -> Callable[..., None]:
    """``patch(owner, attr, wrap, endpoint)``: replace ``owner.attr`` by its traced version."""
    done = _patches.setdefault(library, [])

    def patch(owner: Any, attr: str, wrap: Callable[..., Any], endpoint: Any) -> None:
        if not hasattr(owner, attr):  # an older client version without this method
            return
        had = attr in vars(owner)
        current = vars(owner)[attr] if had else getattr(owner, attr)
        if getattr(current, "__opik_traced__", False):
            return
        done.append(_Patch(owner, attr, had, current))
        setattr(owner, attr, wrap(current, endpoint))

    return patch


def _install(library: str) -> None:
    try:
        module = importlib.import_module(f"{__package__}.{LIBRARIES[library][1]}")
        module.install(_patcher(library))
        _llm.instrumentation.active.add(library)
    except Exception:  # a library version we do not know: leave it untraced
        _llm.internal_error(f"instrument-{library}")
        for patch in reversed(_patches.pop(library, [])):
            patch.undo()


def instrument(
    libraries: Iterable[str] | None = None, *, only_inside_traces: bool = False
) -> list[str]:
    """Trace every call of the installed LLM client libraries (all known ones by default:
    ``openai``, ``anthropic``, ``litellm``, ``langchain``, ``google_genai``, ``bedrock``,
    ``mistral``, ``groq``, ``ollama``, ``llama_index``, ``openai_agents``).

    Idempotent. Libraries that are not installed are skipped; one installed but not yet
    imported is patched when it is imported. With ``only_inside_traces=True`` a call made
    outside any trace or span is left alone; otherwise it starts its own trace (the mode is
    process-wide: the last call sets it). Returns the libraries now instrumented (or
    waiting for their import).
    """
    names = list(LIBRARIES) if libraries is None else list(libraries)
    unknown = sorted(set(names) - set(LIBRARIES))
    if unknown:
        raise ValueError(f"unknown libraries {unknown}; known: {sorted(LIBRARIES)}")
    _llm.instrumentation.only_inside_traces = only_inside_traces
    covered = []
    with _lock:
        for name in names:
            module = LIBRARIES[name][0]
            if name in _patches or module in _waiting:
                covered.append(name)
            elif module in sys.modules:
                _install(name)
                if name in _patches:
                    covered.append(name)
            elif importlib.util.find_spec(module) is not None:
                _waiting[module] = name
                covered.append(name)
        _update_hook()
    return covered


def uninstrument() -> None:
    """Undo :func:`instrument`: every patched attribute gets its original value back."""
    with _lock:
        _waiting.clear()
        _update_hook()
        for library in list(_patches):
            for patch in reversed(_patches.pop(library)):
                patch.undo()
        _llm.instrumentation.active.clear()
        _llm.instrumentation.only_inside_traces = False


def instrumented() -> list[str]:
    """The libraries patched now (not those waiting for their import)."""
    return [name for name in LIBRARIES if name in _patches]


def wrap_instance(resource: Any, attr: str, wrap: Callable[..., Any], endpoint: Any) -> None:
    """Trace ``resource.attr`` for this object only (``track_openai(client)``)."""
    if not hasattr(resource, attr) or getattr(vars(resource).get(attr), "__opik_traced__", False):
        return
    setattr(resource, attr, wrap(getattr(resource, attr), endpoint, explicit=True))


class _ImportHook(importlib.abc.MetaPathFinder):
    """Patches a waiting library right after its top-level module has run."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname not in _waiting:
            return None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None) if finder is not self else None
            spec = find(fullname, path, target) if find is not None else None
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is not None and hasattr(loader, "exec_module"):
            run = loader.exec_module

            def exec_module(module: Any) -> None:
                run(module)
                _imported(fullname)

            loader.exec_module = exec_module
        return spec


_hook = _ImportHook()


def _update_hook() -> None:
    if _waiting and _hook not in sys.meta_path:
        sys.meta_path.insert(0, _hook)
    elif not _waiting:
        with contextlib.suppress(ValueError):  # already gone
            sys.meta_path.remove(_hook)


def _imported(module: str) -> None:
    # no lock here: another thread may hold it while it waits for this very import
    library = _waiting.pop(module, None)
    _update_hook()
    if library is not None:
        _install(library)  # catches and counts its own failures: the import goes on
