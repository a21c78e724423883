"""Run a training stage in this process, or under ``accelerate launch`` on several GPUs/nodes.

With ``gpus <= 1`` the stage's ``train_*`` function is called in-process. With more, the same
entry point runs as ``python -m langadapt.train.<stage> params.json`` under
``accelerate launch --num_processes N`` and DeepSpeed (the ZeRO config named by
``<stage>.deepspeed``, e.g. ``envs/deepspeed/zero2.json``); the params JSON carries every
argument, so the two paths train identically.

With ``nodes > 1`` (``<stage>.nodes`` in the config; the rule's resources come from
``slurm_job_resources``) the job runs ``srun`` with one task per node, and each task runs
``python -m langadapt.train.launch node``, which reads its rendezvous from SLURM's environment
(``slurm_rendezvous``: node count, this node's rank, the first host of the node list) and
starts one ``accelerate launch`` for the node's ``gpus`` processes.
"""

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

STAGES = {"cpt": "train_cpt", "sft": "train_sft", "dpo": "train_dpo"}
SCRIPTS_DIR = Path(__file__).resolve().parents[2]


def _stderr_fileno():
    try:
        return sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        return None


def die_with_launcher() -> None:
    """Make this training process exit when the process that launched it dies.

    torchrun starts each worker in a session of its own, so a SIGKILL of the job's process
    group (Snakemake, a test, an out-of-memory kill) would leave the workers training and
    writing checkpoints beside the rerun. Linux only (``PR_SET_PDEATHSIG``); no-op elsewhere.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # 1 = PR_SET_PDEATHSIG
    if os.getppid() == 1:  # the launcher died before the call above
        os._exit(1)


def run_worker(train, argv) -> None:
    """Entry point of one launched training process: ``train(**params)`` from the params file
    ``argv[0]``, then leave the process group and exit at once.

    Leaving with collectives still set up can abort in C++ teardown after every output was
    written ("terminate called without an active exception", seen under DeepSpeed ZeRO-3 on
    CPU), which the launcher would report as a failed run; so the worker destroys its process
    group, flushes and exits without running interpreter teardown.
    """
    die_with_launcher()
    train(**read_params(argv[0]))
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def write_params(path, params: dict) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(params, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def read_params(path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


DEFAULT_PORT = 29500


def first_host(nodelist: str) -> str:
    """The first host of a SLURM node list: ``gpu[07-09,12],cpu1`` -> ``gpu07``.

    The same answer as ``scontrol show hostnames $SLURM_JOB_NODELIST | head -1`` for the
    bracket forms SLURM writes (ranges keep their zero padding), without needing scontrol.
    """
    nodelist = nodelist.strip()
    if not nodelist:
        raise ValueError("empty SLURM node list")
    depth = 0
    for index, char in enumerate(nodelist):  # the first entry ends at a comma outside brackets
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "," and depth == 0:
            nodelist = nodelist[:index]
            break
    if "[" not in nodelist:
        return nodelist
    prefix, rest = nodelist.split("[", 1)
    inside, suffix = rest.split("]", 1)
    first = inside.split(",")[0].split("-")[0]
    return first_host(prefix + first + suffix) if "[" in suffix else prefix + first + suffix


def slurm_rendezvous(env=None) -> dict:
    """``num_machines``, ``machine_rank``, ``main_process_ip``/``port`` of this SLURM task.

    From ``SLURM_NNODES`` (or ``SLURM_JOB_NUM_NODES``), ``SLURM_NODEID`` and the first host of
    ``SLURM_JOB_NODELIST`` (or ``SLURM_NODELIST``); the port is ``MASTER_PORT`` if set, else
    29500 + the job id modulo 1000 (two jobs sharing a first node do not collide).
    """
    env = os.environ if env is None else env
    nodes = env.get("SLURM_NNODES") or env.get("SLURM_JOB_NUM_NODES")
    nodelist = env.get("SLURM_JOB_NODELIST") or env.get("SLURM_NODELIST")
    if not nodes or not nodelist or "SLURM_NODEID" not in env:
        raise RuntimeError(
            "multi-node launch outside a SLURM allocation: SLURM_NNODES, SLURM_NODEID and "
            "SLURM_JOB_NODELIST must be set (run the job with sbatch --nodes N)"
        )
    port = env.get("MASTER_PORT") or DEFAULT_PORT + int(env.get("SLURM_JOB_ID") or 0) % 1000
    return {
        "num_machines": int(nodes),
        "machine_rank": int(env["SLURM_NODEID"]),
        "main_process_ip": first_host(nodelist),
        "main_process_port": int(port),
    }


def slurm_job_resources(gpus: int, nodes: int = 1) -> dict:
    """The rule resources of a training job for snakemake-executor-plugin-slurm 2.8.

    One node: ``gpu`` (the plugin submits ``--gpus=N``; the jobstep runs the job inside
    ``srun -n1 --gpus=N``). Several nodes: the plugin's route for a job that starts its own
    tasks, the ``mpi`` resource (the jobstep then runs the job's script unwrapped on the first
    node) with ``tasks`` = one per node (``--ntasks``), ``nodes`` (``--nodes``), and GPUs per
    node in ``slurm_extra`` (``--gpus-per-node``: a job-wide ``--gpus`` would spread them over
    the nodes). ``threads`` and ``mem_mb`` are then per node (``--cpus-per-task``, ``--mem``).
    """
    gpus, nodes = int(gpus or 0), 1 if nodes is None else int(nodes)
    if nodes < 1:
        raise ValueError(f"nodes must be >= 1, not {nodes}")
    if nodes == 1:
        return {"gpu": gpus}
    extra = "--ntasks-per-node=1" + (f" --gpus-per-node={gpus}" if gpus else "")
    return {"nodes": nodes, "mpi": "srun", "tasks": nodes, "slurm_extra": extra}


# SLURM variables that name the allocation; every other SLURM_* variable describes the step
# (tasks, CPUs, GPUs, memory of the caller) and would leak into a nested srun's request.
ALLOCATION_VARIABLES = {
    "SLURM_JOB_ID", "SLURM_JOBID", "SLURM_CONF", "SLURM_CLUSTER_NAME", "SLURM_SUBMIT_DIR",
    "SLURM_SUBMIT_HOST",
}


def srun_environment(env=None) -> dict:
    """``env`` without the caller's step variables (``SLURM_*`` but the allocation's, ``SRUN_*``),
    so the nested ``srun`` asks for exactly what its own options say."""
    env = dict(os.environ if env is None else env)
    return {
        key: value
        for key, value in env.items()
        if not (key.startswith("SLURM_") and key not in ALLOCATION_VARIABLES)
        and not key.startswith("SRUN_")
    }


def launch_command(
    stage: str, params_path, gpus: int, deepspeed=None, rendezvous: dict | None = None
) -> list[str]:
    """The ``accelerate launch`` command line for ``gpus`` processes of ``stage`` (per node).

    ``rendezvous`` (from ``slurm_rendezvous``) makes it one node of a multi-node run; accelerate
    counts ``--num_processes`` over all machines. Mixed precision is left to the recipe
    (``bf16``), which the Trainer hands to accelerate.
    """
    machines = int(rendezvous["num_machines"]) if rendezvous else 1
    command = [sys.executable, "-m", "accelerate.commands.launch"]
    command += ["--num_processes", str(gpus * machines), "--num_machines", str(machines)]
    if rendezvous:
        command += ["--machine_rank", str(rendezvous["machine_rank"])]
        command += ["--main_process_ip", str(rendezvous["main_process_ip"])]
        command += ["--main_process_port", str(rendezvous["main_process_port"])]
    else:  # a free port: two single-node runs on one host would otherwise share 29500
        command += ["--main_process_port", "0"]
    command += ["--mixed_precision", "no", "--dynamo_backend", "no"]
    if deepspeed:
        command += ["--use_deepspeed", "--deepspeed_config_file", str(deepspeed)]
        if machines > 1:  # torchrun on every node; accelerate's default (pdsh) trains locally
            command += ["--deepspeed_multinode_launcher", "standard"]
    else:
        command += ["--multi_gpu"]
    command += ["-m", f"langadapt.train.{stage}", str(params_path)]
    return command


def srun_command(
    stage: str, params_path, gpus: int, nodes: int, deepspeed=None, threads=None, env=None
) -> list[str]:
    """``srun`` one node launcher (``python -m langadapt.train.launch node``) on each node.

    ``threads`` (the job's cores per node) become the task's ``--cpus-per-task`` (srun does not
    inherit sbatch's); the step gets the job's GPUs on each node (SLURM's default). Inside a
    step already (``SLURM_STEP_ID`` set: a job the jobstep wrapped in ``srun -n1`` because its
    rule lacks the ``mpi`` resource) the new step must share that step's resources:
    ``--overlap``, or it waits for them forever.
    """
    env = os.environ if env is None else env
    command = ["srun", "--nodes", str(nodes), "--ntasks", str(nodes), "--ntasks-per-node", "1"]
    command += ["--kill-on-bad-exit=1"]
    if threads:
        command += [f"--cpus-per-task={int(threads)}"]
    if "SLURM_STEP_ID" in env:
        command += ["--overlap"]
    return command + node_command(stage, params_path, gpus, deepspeed)


def node_command(stage: str, params_path, gpus: int, deepspeed=None) -> list[str]:
    """The per-node launcher that ``srun`` starts (and a test starts twice to emulate 2 nodes)."""
    command = [sys.executable, "-m", "langadapt.train.launch", "node", stage, str(params_path)]
    command += ["--gpus", str(gpus)]
    if deepspeed:
        command += ["--deepspeed", str(deepspeed)]
    return command


def launch(
    stage: str,
    params: dict,
    gpus: int = 0,
    deepspeed=None,
    params_path=None,
    threads: int | None = None,
    nodes: int = 1,
):
    """Train ``stage`` with ``params`` (keyword arguments of its ``train_*`` function).

    ``gpus`` > 1 (or an explicit ``params_path``) runs ``accelerate launch``; ``nodes`` > 1 runs
    it once per node through ``srun`` (``gpus`` is then per node); ``threads`` caps torch's
    intra-op threads (the rule's ``threads``).
    """
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; one of {', '.join(STAGES)}")
    params = {**params, "deepspeed": str(deepspeed) if deepspeed else None}
    nodes = int(nodes or 1)
    if gpus <= 1 and nodes <= 1 and not params_path:
        if threads:
            import torch

            torch.set_num_threads(int(threads))
        module = importlib.import_module(f"langadapt.train.{stage}")
        return getattr(module, STAGES[stage])(**params)
    params_path = write_params(
        params_path or Path(params["checkpoint_dir"]) / "launch_params.json", params
    )
    if nodes > 1:
        if "SLURM_JOB_ID" not in os.environ:
            raise RuntimeError(
                f"{stage}.nodes is {nodes}: a multi-node job runs inside a SLURM allocation "
                "(snakemake --profile profiles/slurm); set it to 1 for a local run"
            )
        command = srun_command(stage, params_path, max(gpus, 1), nodes, deepspeed, threads)
        _run(command, threads, max(gpus, 1), env=srun_environment())
    else:
        _run(launch_command(stage, params_path, max(gpus, 1), deepspeed), threads, max(gpus, 1))
    return None


def _run(command: list[str], threads: int | None = None, processes: int = 1, env=None) -> None:
    env = dict(os.environ if env is None else env)
    if threads:  # the job's cores, shared by its processes
        env["OMP_NUM_THREADS"] = str(max(1, int(threads) // max(processes, 1)))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SCRIPTS_DIR), env.get("PYTHONPATH")]))
    print("launching: " + " ".join(command), file=sys.stderr, flush=True)
    sink = _stderr_fileno()  # the rule's log file when called under langadapt.logs.log_to
    subprocess.run(command, check=True, env=env, stdout=sink, stderr=sink)


def node_main(argv=None, env=None) -> None:
    """``python -m langadapt.train.launch node STAGE PARAMS --gpus N [--deepspeed FILE]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m langadapt.train.launch node")
    parser.add_argument("stage", choices=sorted(STAGES))
    parser.add_argument("params")
    parser.add_argument("--gpus", type=int, default=1, help="processes on this node")
    parser.add_argument("--deepspeed")
    args = parser.parse_args(argv)
    rendezvous = slurm_rendezvous(env)
    print(
        f"node {rendezvous['machine_rank']} of {rendezvous['num_machines']}, rendezvous "
        f"{rendezvous['main_process_ip']}:{rendezvous['main_process_port']}",
        file=sys.stderr,
    )
    _run(launch_command(args.stage, args.params, args.gpus, args.deepspeed, rendezvous), env=env)


if __name__ == "__main__":
    if sys.argv[1:2] != ["node"]:
        sys.exit("usage: python -m langadapt.train.launch node STAGE PARAMS --gpus N")
    node_main(sys.argv[2:])
