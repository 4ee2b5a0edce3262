"""A sentence-splitting worker: ``python -m verifier.corpus.split_worker``.

Reads length-prefixed UTF-8 pieces of text on stdin and answers each, in
order, with the start and end of every sentence in it (little-endian int64
pairs, also length-prefixed) on stdout, until stdin ends. Started by
:func:`verifier.corpus.sentences.split_sentences` for long texts.
"""

from __future__ import annotations

import struct
import sys

from verifier.corpus.sentences import piece_offsets, read_frame, write_frame


def main() -> int:
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while (frame := read_frame(source)) is not None:
        offsets = piece_offsets(frame.decode("utf-8", "surrogatepass"))
        write_frame(sink, struct.pack(f"<{len(offsets)}q", *offsets))
        sink.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
