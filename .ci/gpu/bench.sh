#!/usr/bin/env bash
# The GPU bench (python -m langadapt.bench --gpu) in one call of under 10 minutes on a machine
# with one GPU (an H100: a 1B-class Llama at sequence length 4096 first, then the 135M stages
# if results/models/base exists), for a machine with a CUDA torch but not this project's
# training packages and no network. Not run yet: the session that wrote it had no GPU.
#
#   .ci/gpu/bench.sh --download    # here, with network: pinned wheels into .ci/gpu/wheels
#                                  # (Python 3.11 wheels; git-ignored, carry the folder)
#   .ci/gpu/bench.sh               # on the GPU machine: a venv over its torch, the wheels,
#                                  # the bench; figures in $OUT (or /tmp)/bench_gpu.{json,md}
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
WHEELS="$HERE/wheels"
# What the training functions import beyond torch, pinned as in pyproject.toml, and their
# dependencies at the versions of the project's venv (downloaded without dependency resolution,
# which would pull a multi-GB CUDA torch; the install below resolves against these wheels).
PINS=(transformers==5.23.0 tokenizers==0.23.3 datasets==5.2.0 peft==0.21.2 trl==1.16.0
      accelerate==1.15.0 safetensors==0.8.0 PyYAML==6.0.3 jsonschema==4.26.0 numpy==2.4.6)
DEPS=(huggingface-hub==2.4.0 hf-xet==1.8.0 regex==2026.12.2 tqdm==4.70.1 filelock==4.3.2
      fsspec==2026.9.0 pyarrow==26.0.1 dill==0.4.1 xxhash==4.1.0 multiprocess==0.70.19
      psutil==7.2.2 packaging==25.0 pandas==3.1.1 python-dateutil==2.9.0.post0 six==1.17.0
      requests==2.34.2 certifi==2026.10.19.post1 idna==3.21 charset-normalizer==3.5.3
      urllib3==2.8.0 h11==0.16.0 anyio==4.16.0 typer==0.29.2
      click==8.5.1 rich==15.0.0 shellingham==1.5.4 markdown-it-py==4.3.0 mdurl==0.1.2
      pygments==2.21.0 jsonschema-specifications==2025.9.1 referencing==0.37.0
      rpds-py==2026.9.1 attrs==26.1.0 hjson==3.1.0 ninja==1.13.2 py-cpuinfo==9.0.0
      pydantic==2.14.4 pydantic-core==2.50.5 annotated-types==0.8.0 typing-inspection==0.4.5
      msgpack==1.2.4 einops==0.8.2)

if [[ "${1:-}" == "--download" ]]; then
    python3 -m pip download --dest "$WHEELS" --no-deps --python-version 3.11 \
        --only-binary=:all: "${PINS[@]}" "${DEPS[@]}" | tail -1
    python3 -m pip download --dest "$WHEELS" --no-deps --no-binary=:all: deepspeed==0.19.8 | tail -1
    du -sh "$WHEELS"  # the device call carries at most 64 MiB
    exit 0
fi

python3 -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'; print(torch.cuda.get_device_name())"
VENV="${TMPDIR:-/tmp}/langadapt-bench-venv"
python3 -m venv --system-site-packages "$VENV"  # keeps the machine's CUDA torch
DS_BUILD_OPS=0 "$VENV/bin/pip" install -q --no-index --find-links "$WHEELS" "${PINS[@]}" \
    deepspeed==0.19.8
cd "$REPO"
OUT_DIR="${OUT:-/tmp}"
PYTHONPATH="$REPO/scripts" HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 \
    timeout 540 "$VENV/bin/python" -m langadapt.bench --gpu --out "$OUT_DIR/bench_gpu.json"
