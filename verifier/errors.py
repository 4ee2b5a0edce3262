"""Errors the library raises for bad input, each naming the problem."""

from __future__ import annotations


class VerifierError(Exception):
    """Base class: every error a user can cause by their input or files."""


class InvalidClaimError(VerifierError, ValueError):
    """The claim is empty, whitespace, or not text."""


class CorpusError(VerifierError):
    """A corpus path is missing, empty, or holds nothing readable."""


class IndexFormatError(VerifierError):
    """An index directory is missing, corrupt, or was built with other settings."""


class ModelLabelError(VerifierError, ValueError):
    """An NLI model's labels cannot be mapped to entailment / neutral / contradiction."""


class ModelLoadError(VerifierError):
    """A model path or id cannot be loaded."""


class ClaimsFileError(VerifierError):
    """A batch file of claims is missing, of an unknown format, or has a bad line."""


class InvalidSettingError(VerifierError, ValueError):
    """A setting or argument (top-k, a size) has the wrong type or is out of range."""


class LimitError(VerifierError, ValueError):
    """A request asks for more than the service allows (top-k, sentences, claims, bytes, time)."""


class IndexWriteError(VerifierError):
    """An index cannot be written where asked (a file is in the way, no permission, disk full)."""


class StoreError(VerifierError):
    """A vector store cannot be opened: its optional install is missing, or its address is bad."""
