"""Progress reporting: nothing, a tqdm bar, or a ``(done, total, stage)`` callback."""

from __future__ import annotations

from collections.abc import Callable

Progress = bool | Callable[[int, int, str], None]


def progress_callback(progress: Progress, total: int, stage: str) -> Callable[[int], None]:
    """Adapt ``progress`` (False, True for a tqdm bar, or a callable) to ``step(done)``."""
    if callable(progress):
        return lambda done: progress(done, total, stage)
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, desc=stage, unit="item")

        def step(done: int) -> None:
            bar.update(done - bar.n)
            if done >= total:
                bar.close()

        return step
    return lambda done: None
