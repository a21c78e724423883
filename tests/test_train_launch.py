"""Launch command lines: accelerate launch, DeepSpeed configs, SLURM multi-node rendezvous.

The launches themselves run in tests/test_train_sharded.py (2 processes, gloo, on CPU).
"""

import json
import sys
from pathlib import Path

import pytest
from langadapt.train.launch import (
    first_host,
    launch,
    launch_command,
    read_params,
    slurm_job_resources,
    slurm_rendezvous,
    srun_command,
    srun_environment,
    write_params,
)

ROOT = Path(__file__).resolve().parents[1]


def test_launch_command_for_a_cluster_job(tmp_path):
    command = launch_command("sft", tmp_path / "p.json", 4, "envs/deepspeed/zero3.json")
    assert command[:3] == [sys.executable, "-m", "accelerate.commands.launch"]
    joined = " ".join(command)
    assert "--num_processes 4" in joined
    assert "--use_deepspeed --deepspeed_config_file envs/deepspeed/zero3.json" in joined
    assert command[-3:] == ["-m", "langadapt.train.sft", str(tmp_path / "p.json")]
    assert "--multi_gpu" in launch_command("cpt", "p.json", 2)
    assert "--main_process_port 0" in joined  # a free port: runs side by side do not collide


@pytest.mark.parametrize("name", ["zero2.json", "zero3.json"])
def test_deepspeed_configs_leave_sizes_to_the_trainer(name):
    config = json.loads((ROOT / "envs" / "deepspeed" / name).read_text())
    assert config["zero_optimization"]["stage"] == int(name[4])
    assert config["train_micro_batch_size_per_gpu"] == "auto"
    assert config["bf16"]["enabled"] == "auto"


def test_params_round_trip(tmp_path):
    params = {"mixture": "mix.json", "recipe": {"learning_rate": 1e-4}, "seed": 3}
    assert read_params(write_params(tmp_path / "p.json", params)) == params


@pytest.mark.parametrize(
    "nodelist, first",
    [
        ("gpu07", "gpu07"),
        ("gpu[07-09,12],cpu1", "gpu07"),
        ("a1,b[2-3]", "a1"),
        ("n[3,5-6]-ib", "n3-ib"),
        ("rack[1-2]-n[01-04]", "rack1-n01"),
    ],
)
def test_first_host_of_a_slurm_node_list(nodelist, first):
    assert first_host(nodelist) == first


def test_rendezvous_from_the_slurm_environment():
    env = {
        "SLURM_NNODES": "2",
        "SLURM_NODEID": "1",
        "SLURM_JOB_NODELIST": "gpu[07-08]",
        "SLURM_JOB_ID": "123456",
    }
    assert slurm_rendezvous(env) == {
        "num_machines": 2,
        "machine_rank": 1,
        "main_process_ip": "gpu07",
        "main_process_port": 29500 + 456,
    }
    assert slurm_rendezvous({**env, "MASTER_PORT": "6000"})["main_process_port"] == 6000
    with pytest.raises(RuntimeError, match="sbatch --nodes"):
        slurm_rendezvous({"SLURM_NNODES": "2"})


def test_two_nodes_of_eight_gpus_command_lines(tmp_path):
    """What a 2 x 8 GPU job runs: srun starts one node launcher per node, each one
    accelerate launch for 8 of the 16 processes with the rendezvous of its node."""
    srun = srun_command("cpt", tmp_path / "p.json", 8, 2, "envs/deepspeed/zero3.json")
    assert srun[:6] == ["srun", "--nodes", "2", "--ntasks", "2", "--ntasks-per-node"]
    node = srun[srun.index(sys.executable) :]
    assert node[1:4] == ["-m", "langadapt.train.launch", "node"]
    assert node[-4:] == ["--gpus", "8", "--deepspeed", "envs/deepspeed/zero3.json"]
    rendezvous = slurm_rendezvous(
        {"SLURM_NNODES": "2", "SLURM_NODEID": "1", "SLURM_JOB_NODELIST": "gpu[07-08]"}
    )
    joined = " ".join(launch_command("cpt", "p.json", 8, None, rendezvous))
    assert "--num_processes 16 --num_machines 2 --machine_rank 1" in joined
    assert "--main_process_ip gpu07 --main_process_port 29500" in joined
    assert "--deepspeed_multinode_launcher" not in joined  # DDP: torchrun on each node already


def test_multi_node_deepspeed_uses_torchrun_on_each_node():
    """Without ``standard`` accelerate hands a multi-node DeepSpeed run to pdsh, which finds no
    hostfile and trains on each node alone (master 127.0.0.1)."""
    rendezvous = {"num_machines": 2, "machine_rank": 0, "main_process_ip": "gpu07",
                  "main_process_port": 29500}
    command = launch_command("cpt", "p.json", 8, "envs/deepspeed/zero3.json", rendezvous)
    at = command.index("--deepspeed_multinode_launcher")
    assert command[at + 1] == "standard"
    single = launch_command("cpt", "p.json", 8, "envs/deepspeed/zero3.json")
    assert "--deepspeed_multinode_launcher" not in single


class _Resources(dict):
    __getattr__ = dict.get


def _sbatch_line(resources: dict, threads: int) -> str:
    """The plugin's own sbatch command line for a job with these rule resources."""
    from types import SimpleNamespace

    from snakemake_executor_plugin_slurm.submit_string import get_submit_command
    from snakemake_executor_plugin_slurm.utils import set_gres_string
    from snakemake_executor_plugin_slurm.validation import validate_slurm_extra

    job = SimpleNamespace(resources=_Resources(resources, mem_mb=64000), threads=threads)
    validate_slurm_extra(job)  # the plugin refuses options it manages itself
    params = {"run_uuid": "u", "slurm_logfile": "l", "comment_str": "c", "account": "",
              "partition": "", "workdir": "."}
    return get_submit_command(job, params) + set_gres_string(job)


def test_one_node_job_asks_for_its_gpus():
    resources = slurm_job_resources(8, 1)
    assert resources == {"gpu": 8}
    assert "--gpus=8" in _sbatch_line(resources, 32).split()


def test_two_node_job_asks_for_gpus_per_node_and_runs_unwrapped():
    """2 x 8 GPUs: per-node GPUs, one task a node, and the ``mpi`` resource, with which the
    jobstep runs the job without its ``srun -n1`` wrapper (so the job's own srun can start)."""
    resources = slurm_job_resources(8, 2)
    assert "mpi" in resources
    line = _sbatch_line(resources, 32).split()
    for flag in ("--nodes=2", "--ntasks=2", "--ntasks-per-node=1", "--gpus-per-node=8",
                 "--cpus-per-task=32"):
        assert flag in line, (flag, line)
    assert not any(part.startswith(("--gpus=", "--ntasks-per-gpu")) for part in line), line
    cpu_only = _sbatch_line(slurm_job_resources(0, 2), 4).split()
    assert "--nodes=2" in cpu_only and not any("gpus" in part for part in cpu_only)
    with pytest.raises(ValueError, match="nodes must be >= 1"):
        slurm_job_resources(8, 0)


def test_nested_srun_asks_for_its_own_resources(tmp_path):
    env = {"SLURM_JOB_ID": "5", "SLURM_CONF": "/etc/slurm/slurm.conf", "SLURM_NTASKS": "1",
           "SLURM_CPUS_PER_TASK": "2", "SLURM_STEP_ID": "0", "SRUN_CPUS_PER_TASK": "2",
           "PATH": "/bin"}
    assert srun_environment(env) == {"SLURM_JOB_ID": "5", "SLURM_CONF": "/etc/slurm/slurm.conf",
                                     "PATH": "/bin"}
    unwrapped = srun_command("cpt", "p.json", 8, 2, threads=32, env={"SLURM_JOB_ID": "5"})
    assert "--cpus-per-task=32" in unwrapped and "--overlap" not in unwrapped
    # inside the jobstep's srun -n1 (a rule without the mpi resource) the step must overlap
    assert "--overlap" in srun_command("cpt", "p.json", 8, 2, env=env)


def test_multi_node_outside_slurm_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    params = {"checkpoint_dir": str(tmp_path / "ck")}
    with pytest.raises(RuntimeError, match="cpt.nodes is 2: a multi-node job runs inside a SLURM"):
        launch("cpt", params, gpus=1, nodes=2)


def test_deepspeed_bf16_runs_load_weights_in_bf16():
    """An fp32 load under DeepSpeed bf16 only doubles each rank's host memory (DeepSpeed casts
    the module to bf16 and keeps fp32 master weights itself); without DeepSpeed the Trainer's
    bf16 is autocast over fp32 weights, so those load in fp32."""
    from types import SimpleNamespace

    import torch
    from langadapt.train.common import training_dtype

    assert training_dtype(SimpleNamespace(deepspeed="zero3.json", bf16=True)) == torch.bfloat16
    assert training_dtype(SimpleNamespace(deepspeed="zero3.json", bf16=False)) is None
    assert training_dtype(SimpleNamespace(deepspeed=None, bf16=True)) is None
