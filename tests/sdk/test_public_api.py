"""The public surface: sorted ``__all__``, and an import with no side effects."""

from __future__ import annotations

import opik_jupyter
import opik_jupyter.sdk

from .conftest import run_python


def test_all__is_sorted_and_complete() -> None:
    for module in (opik_jupyter, opik_jupyter.sdk):
        assert module.__all__ == sorted(module.__all__)
        assert all(hasattr(module, name) for name in module.__all__)
    sdk_names = set(opik_jupyter.sdk.__all__)
    notebook = {"TraceTree", "TracesTable", "load_ipython_extension", "show_trace",
                "unload_ipython_extension"}  # see tests/notebook
    evaluation = {"Dataset", "EvaluationResult", "ExperimentTable", "ScoreChart",
                  "compare_experiments", "evaluate", "evaluate_async"}  # see tests/evaluation
    assert set(opik_jupyter.__all__) - {"__version__"} - notebook - evaluation <= sdk_names


def test_import__starts_no_thread_and_configures_no_logging() -> None:
    code = ("import logging, sys, threading; import opik_jupyter; "
            "assert [t.name for t in threading.enumerate()] == ['MainThread']; "
            "assert not logging.getLogger().handlers; "
            "assert 'pandas' not in sys.modules and 'opik' not in sys.modules; "
            "assert not {'openai', 'anthropic', 'litellm', 'langchain_core'} & set(sys.modules); "
            "print('ok')")
    assert run_python(code) == "ok"
