"""Route a rule script's stdout, stderr and logging to its Snakemake log file."""

import contextlib
import logging
import sys


@contextlib.contextmanager
def log_to(path):
    """Send stdout, stderr and the logging module to ``path`` for the duration of the block.

    Trainers print their loss dicts to stdout; they belong in the job's log, not the console.
    """
    with open(path, "a", encoding="utf-8", buffering=1) as handle:
        previous = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = handle
        logging.basicConfig(
            stream=handle,
            level=logging.INFO,
            force=True,
            format="%(asctime)s %(name)s %(levelname)s %(message)s",
        )
        try:
            yield handle
        except Exception:
            logging.getLogger("langadapt").exception("rule failed")
            raise
        finally:
            sys.stdout, sys.stderr = previous
