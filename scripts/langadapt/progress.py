"""Progress lines for loops that can run for minutes, written to stderr (the job's log).

One line at most every ``LANGADAPT_PROGRESS_SECONDS`` (default 30) seconds, with done/total,
rate and ETA, and a closing line for loops that printed one::

    [progress] translate (apertium): 1200/6000 lines (20.0 %), 40.1 lines/s, elapsed 30s, ETA 2m00s

Follow a running job with ``tail -f logs/<rule>/...log`` (``grep progress`` for these lines).
Wrap a loop with :func:`progress`; trainers get :func:`training_callback` (steps, tokens/s).
"""

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator


def interval_s() -> float:
    return float(os.environ.get("LANGADAPT_PROGRESS_SECONDS", "30"))


def duration(seconds: float) -> str:
    """``45s``, ``3m05s``, ``2h07m``."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class Progress:
    """Counts work done and prints a progress line when ``every_s`` seconds have passed."""

    def __init__(self, label: str, total: int | None = None, unit: str = "items",
                 every_s: float | None = None, initial: int = 0, clock=time.monotonic,
                 stream=None):
        self.label, self.total, self.unit = label, total, unit
        self.every_s = interval_s() if every_s is None else every_s
        self.clock, self.stream = clock, stream
        self.initial = self.done = initial
        self.started = self.last = clock()
        self.printed = 0

    def advance(self, count: int = 1, note: str = "") -> None:
        self.done += count
        now = self.clock()
        if now - self.last >= self.every_s:
            self.last = now
            self.report(now, note)

    def line(self, now: float, note: str = "") -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = (self.done - self.initial) / elapsed
        parts = [f"{self.done}/{self.total}" if self.total is not None else str(self.done)]
        parts[0] += f" {self.unit}"
        if self.total:
            parts[0] += f" ({100 * self.done / self.total:.1f} %)"
        parts.append(f"{rate:.3g} {self.unit}/s" if rate >= 0.1 or rate == 0
                     else f"one per {duration(1 / rate)}")
        parts.append(f"elapsed {duration(elapsed)}")
        if self.total is not None and rate > 0 and self.done < self.total:
            parts.append(f"ETA {duration((self.total - self.done) / rate)}")
        if note:
            parts.append(note)
        return f"[progress] {self.label}: " + ", ".join(parts)

    def report(self, now: float | None = None, note: str = "") -> None:
        self.printed += 1
        print(self.line(self.clock() if now is None else now, note),
              file=self.stream or sys.stderr, flush=True)

    def finish(self, note: str = "") -> None:
        """A closing line, only for loops long enough to have printed one."""
        if self.printed:
            self.report(note=note or "done")


def progress(iterable: Iterable, label: str, total: int | None = None, unit: str = "items",
             size: Callable | None = None, every_s: float | None = None) -> Iterator:
    """Yield from ``iterable``, counting ``size(item)`` (default 1) per item."""
    if total is None and size is None and hasattr(iterable, "__len__"):
        total = len(iterable)
    tracker = Progress(label, total, unit, every_s)
    for item in iterable:
        yield item
        tracker.advance(size(item) if size else 1)
    tracker.finish()


def progress_batches(total: int, batch_size: int, label: str, unit: str = "items") -> Iterator:
    """Start offsets ``0, batch_size, ...`` below ``total``, counting the items of each batch."""
    starts = range(0, total, batch_size)
    yield from progress(starts, label, total, unit, lambda start: min(batch_size, total - start))


def training_callback(every_s: float | None = None):
    """A ``transformers.TrainerCallback`` printing step/total, tokens/s, loss and ETA."""
    from transformers import TrainerCallback

    class TrainingProgress(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            self.tracker = Progress("train", state.max_steps, "steps", every_s,
                                    initial=state.global_step)
            self.tokens = state.num_input_tokens_seen or 0

        def on_step_end(self, args, state, control, **kwargs):
            if state.is_world_process_zero:
                self.tracker.advance(state.global_step - self.tracker.done, self._note(state))

        def on_train_end(self, args, state, control, **kwargs):
            if state.is_world_process_zero:
                self.tracker.finish(self._note(state))

        def _note(self, state) -> str:
            elapsed = max(self.tracker.clock() - self.tracker.started, 1e-9)
            tokens = ((state.num_input_tokens_seen or 0) - self.tokens) / elapsed
            losses = [row["loss"] for row in state.log_history if "loss" in row]
            loss = f", loss {losses[-1]:.4g}" if losses else ""
            return f"{tokens:.0f} tokens/s{loss}"

    return TrainingProgress()
