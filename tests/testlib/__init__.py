"""What the tests share besides fixtures (those stay in the conftest files): backends and
their stores, builders of request bodies, waiting, a kernel driver, Jupyter and browser
helpers, and readers of what the SDKs recorded. A test imports helpers only from here."""
