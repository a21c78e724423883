"""Rule scripts send everything they print to the job's log file."""

import logging
import sys

import pytest
from langadapt.logs import log_to


def test_stdout_stderr_and_logging_go_to_the_log(tmp_path):
    log = tmp_path / "job.log"
    with log_to(log):
        print("loss 3.1")
        print("warning", file=sys.stderr)
        logging.getLogger("langadapt").info("resuming from checkpoint-5")
    text = log.read_text()
    assert "loss 3.1" in text and "warning" in text and "resuming from checkpoint-5" in text


def test_failure_is_logged_with_its_traceback_and_reraised(tmp_path):
    log = tmp_path / "job.log"
    with pytest.raises(ValueError), log_to(log):
        raise ValueError("bad corpus line 3")
    assert "rule failed" in log.read_text() and "bad corpus line 3" in log.read_text()
