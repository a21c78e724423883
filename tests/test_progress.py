"""Progress lines: done/total, rate and ETA at most every N seconds, from one helper."""

import io
import re
from pathlib import Path

from langadapt.progress import Progress, duration, progress, progress_batches

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts" / "langadapt"
# Loops that can run for minutes on paper-scale inputs, and the module that holds each.
LONG_LOOPS = ["mt/apertium.py", "mt/seq2seq.py", "mt/causal.py", "perplexity.py",
              "eval/generation.py", "eval/bpc.py", "eval/suites.py", "tokenize_corpus.py",
              "translit.py", "train/common.py"]


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_lines_every_interval_with_rate_and_eta():
    clock, out = Clock(), io.StringIO()
    tracker = Progress("translate", 100, "lines", every_s=30, clock=clock, stream=out)
    for _ in range(10):  # 10 lines in 20 s: no line yet
        clock.now += 2
        tracker.advance()
    assert out.getvalue() == ""
    clock.now += 10
    tracker.advance(10)  # 20 lines in 30 s
    assert out.getvalue() == (
        "[progress] translate: 20/100 lines (20.0 %), 0.667 lines/s, elapsed 30s, ETA 2m00s\n"
    )
    clock.now += 5
    tracker.advance(80)
    assert out.getvalue().count("\n") == 1  # 5 s since the last line
    tracker.finish()
    assert out.getvalue().splitlines()[-1] == (
        "[progress] translate: 100/100 lines (100.0 %), 2.86 lines/s, elapsed 35s, done"
    )


def test_short_loops_stay_silent_and_resumed_runs_rate_only_new_work():
    out = io.StringIO()
    tracker = Progress("x", 10, every_s=30, stream=out)
    tracker.advance(10)
    tracker.finish()
    assert out.getvalue() == ""
    clock = Clock()
    resumed = Progress("train", 100, "steps", every_s=0, initial=50, clock=clock, stream=out)
    clock.now = 10
    resumed.advance(10)
    assert "60/100 steps (60.0 %), 1 steps/s, elapsed 10s, ETA 40s" in out.getvalue()
    clock.now = 120
    resumed.advance(1)  # slow steps read as seconds per step
    assert "61/100 steps (61.0 %), one per 11s, elapsed 2m00s, ETA 7m05s" in out.getvalue()


def test_wrappers_count_items_of_each_batch(monkeypatch, capsys):
    monkeypatch.setenv("LANGADAPT_PROGRESS_SECONDS", "0")
    assert list(progress_batches(10, 4, "generate", "prompts")) == [0, 4, 8]
    lines = capsys.readouterr().err.splitlines()
    assert [re.search(r": (\S+) prompts", line).group(1) for line in lines] == [
        "4/10", "8/10", "10/10", "10/10"
    ]
    assert list(progress([[1, 2], [3]], "mt", 3, "lines", len)) == [[1, 2], [3]]
    assert "3/3 lines" in capsys.readouterr().err
    assert duration(3725) == "1h02m" and duration(185) == "3m05s"


def test_every_long_loop_reports_through_the_one_helper():
    for relative in LONG_LOOPS:
        text = (SCRIPTS / relative).read_text(encoding="utf-8")
        assert "from langadapt.progress import" in text, relative
    copies = [path for path in SCRIPTS.rglob("*.py")
              if "[progress]" in path.read_text(encoding="utf-8") and path.name != "progress.py"]
    assert not copies, copies
