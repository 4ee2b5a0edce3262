"""``--backend`` on the command line: one spelling, both subcommands, the library's default."""

from __future__ import annotations

import argparse

import pytest

from verifier.backends import DEFAULT_BACKEND
from verifier.io import add_backend_option
from verifier.io.cli import _parser


def test_backend_option_defaults_and_choices():
    parser = argparse.ArgumentParser()
    add_backend_option(parser)
    assert parser.parse_args([]).backend == DEFAULT_BACKEND
    assert parser.parse_args(["--backend", "onnx-int8"]).backend == "onnx-int8"
    with pytest.warns(DeprecationWarning, match="onnx-int8"):
        assert parser.parse_args(["--backend", "onnx"]).backend == "onnx-int8"
    with pytest.raises(SystemExit):
        parser.parse_args(["--backend", "tensorrt"])


@pytest.mark.parametrize(
    "argv", [["index", "docs", "--out", "ix"], ["check", "claim", "--corpus", "docs"]]
)
def test_both_subcommands_take_a_backend(argv):
    assert _parser().parse_args([*argv, "--backend", "onnx-int8"]).backend == "onnx-int8"
