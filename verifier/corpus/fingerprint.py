"""A corpus's identity from its files' bytes, without reading them as documents.

``verify()`` keys the indexes it keeps by this: a file whose size and
modification time are unchanged is not read again; one that changed is hashed.
Nothing is parsed, so an unchanged corpus costs one ``stat`` per file.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from pathlib import Path

from verifier.corpus.reading import CorpusInput, display_name, files_under, validate_corpus_input
from verifier.errors import CorpusError

# (resolved path, size, mtime in ns) -> sha256 of the file's bytes.
_known: dict[tuple[str, int, int], str] = {}
_known_lock = threading.Lock()


def _file_digest(path: Path) -> str:
    status = path.stat()
    key = (str(path.resolve()), status.st_size, status.st_mtime_ns)
    with _known_lock:
        digest = _known.get(key)
    if digest is None:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        with _known_lock:
            _known[key] = digest
    return digest


def corpus_fingerprint(corpus: CorpusInput) -> str:
    """A sha256 over each file's (or text's) name and content.

    Raises:
        CorpusError: the corpus is of the wrong type, or a corpus path does not exist.
    """
    validate_corpus_input(corpus)
    digest = hashlib.sha256()
    if isinstance(corpus, Mapping):
        for name in sorted(corpus, key=str):
            text = corpus[name]
            data = (
                text.encode("utf-8", "surrogatepass")
                if isinstance(text, str)
                else repr(text).encode()
            )
            digest.update(f"{name}\0{hashlib.sha256(data).hexdigest()}\0".encode())
        return digest.hexdigest()
    roots = [corpus] if isinstance(corpus, str | Path) else list(corpus)
    for root in map(Path, roots):
        if not root.exists() and not root.is_symlink():
            raise CorpusError(f"corpus path does not exist: {root}")
        for file in files_under(root):
            try:
                content = _file_digest(file)
            except OSError:
                content = "unreadable"
            digest.update(f"{display_name(file, root)}\0{content}\0".encode())
    return digest.hexdigest()
