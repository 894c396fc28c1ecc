"""opik-jupyter: LLM tracing and evaluation that lives in the notebook."""

from opik_backend import __version__

__all__ = ["__version__"]
