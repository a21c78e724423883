"""Hub benchmarks are not forced offline (issue 23): run_lm_eval sets HF_*_OFFLINE only for a
config without harness tasks by name; a value the user set is kept either way."""

import os

import pytest
from langadapt.eval.lm_eval_tasks import harness_environment

OFFLINE_KEYS = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")


@pytest.fixture
def clean_environment(monkeypatch):
    for key in OFFLINE_KEYS:
        monkeypatch.delenv(key, raising=False)


def test_local_task_files_only_run_offline(clean_environment):
    harness_environment(())
    assert [os.environ.get(key) for key in OFFLINE_KEYS] == ["1", "1"]


def test_hub_tasks_named_in_the_config_may_download(clean_environment):
    harness_environment([{"name": "belebele_eus_Latn", "num_fewshot": 5}])
    assert [os.environ.get(key) for key in OFFLINE_KEYS] == [None, None]


def test_the_users_own_setting_is_kept(clean_environment, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    harness_environment(["xnli_eu"])
    assert os.environ["HF_DATASETS_OFFLINE"] == "1" and "HF_HUB_OFFLINE" not in os.environ
