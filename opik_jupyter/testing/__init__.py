"""Test helpers shipped with the package (example notebooks use them too)."""

from .llm_server import FakeLLMServer, RecordedRequest, ToolCall

__all__ = ["FakeLLMServer", "RecordedRequest", "ToolCall"]
