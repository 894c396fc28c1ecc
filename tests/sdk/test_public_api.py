"""The public surface: sorted ``__all__``, and an import with no side effects."""

from __future__ import annotations

import pytest

import opik_jupyter
import opik_jupyter.sdk
from tests.testlib.sdk_env import run_python


def test_all__is_sorted_and_complete() -> None:
    for module in (opik_jupyter, opik_jupyter.sdk):
        assert module.__all__ == sorted(module.__all__)
        assert all(hasattr(module, name) for name in module.__all__)
    sdk_names = set(opik_jupyter.sdk.__all__)
    notebook = {
        "AnnotationQueue",
        "Dashboard",
        "PromptHistory",
        "Threads",
        "TraceTree",
        "TracesTable",
        "load_ipython_extension",
        "show_trace",
        "unload_ipython_extension",
    }  # see tests/notebook
    evaluation = {
        "Dataset",
        "EvaluationResult",
        "ExperimentTable",
        "ScoreChart",
        "compare_experiments",
        "evaluate",
        "evaluate_async",
        "metrics",
    }  # see tests/evaluation
    assert set(opik_jupyter.__all__) - {"__version__"} - notebook - evaluation <= sdk_names


def test_import__starts_no_thread_and_configures_no_logging() -> None:
    code = (
        "import logging, sys, threading; import opik_jupyter; "
        "assert [t.name for t in threading.enumerate()] == ['MainThread']; "
        "assert not logging.getLogger().handlers; "
        "assert 'pandas' not in sys.modules and 'opik' not in sys.modules; "
        "assert not {'openai', 'anthropic', 'litellm', 'langchain_core'} & set(sys.modules); "
        "print('ok')"
    )
    assert run_python(code) == "ok"


def test_dir__lists_the_lazily_exported_names_without_importing_them() -> None:
    code = (
        "import sys, opik_jupyter as oj; names = dir(oj); "
        "assert {'ExperimentTable', 'TraceTree', 'evaluate', 'Dataset'} <= set(names); "
        "assert 'anywidget' not in sys.modules and 'pandas' not in sys.modules; "
        "print('ok')"
    )
    assert run_python(code) == "ok"


def test_read_errors__share_one_base_class_importable_from_the_package() -> None:
    client = opik_jupyter.Client(url="http://127.0.0.1:9/api")  # nothing listens on port 9
    with pytest.raises(opik_jupyter.OpikJupyterError) as caught:
        client.get_trace("01900000-0000-7000-8000-000000000000")
    assert isinstance(caught.value, opik_jupyter.TransportError)
    assert isinstance(caught.value, OSError)  # what code written against the old classes caught
    assert issubclass(opik_jupyter.HttpStatusError, opik_jupyter.OpikJupyterError)
