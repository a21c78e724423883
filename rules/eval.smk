# Evaluation of every checkpoint (base, CPT, SFT, DPO): held-out data once per language, then
# one job per checkpoint that loads the model once and writes one JSON per suite of its stage
# (evaluation.suites) + metrics.json; the trivial baselines (copy the source, echo the prompt,
# non-model multiple-choice choosers) once per language as pseudo-checkpoints baseline/<name>.
# Checkpoint names (wildcard `checkpoint`): base, cpt/<cell>, sft/<cell>, dpo/<cell>.

# Held-out data is sampled from text in seconds: run on the login node under SLURM.
localrules:
    eval_data,
    eval_translation_set,
    eval_translation_ood,
    eval_out_of_domain,
    eval_baselines,

from langadapt.eval.lm_eval_tasks import multiple_choice_task_name
from langadapt.eval.plan import checkpoint_outputs, held_out_data_check, paper_needs_check

EVAL = config["evaluation"]
MC_TASK = multiple_choice_task_name(LANG)  # the offline multiple-choice harness task
# Prompts / choices per forward pass. Greedy fp32 hypotheses are identical at 16, 32, 64 and 100
# prompts a batch and 1 or 2 threads (100 prompts, SmolLM2-135M); finished prompts leave the
# batch, so 64 is fastest (22.6 s vs 26.2 at 32, 30.8 at 16, one thread). bpc windows (256
# tokens, fp32 logits over the vocabulary) go 8 at a time so that memory stays under 2 GB.
EVAL_BATCH_SIZE = 32
GENERATION_BATCH_SIZE = 64
BPC_BATCH_SIZE = 8
# Torch threads of one evaluation job (modeling.set_cpu_threads). Measured on the 2-core CI
# machine, SmolLM2-135M forward over 16 x 64 tokens: 1 thread 1174 bf16 / 355 fp32 tokens per
# CPU-second, 2 threads 346 / 146 (oversubscribed when other jobs run). One thread per job and
# two jobs side by side use the cores best; on a GPU the thread count hardly matters.
EVAL_THREADS = 1

# Stop while the plan is made: a suite without held-out data, or a paper output reading a suite
# that a stage of this run does not run (both name evaluation.suites.<stage>).
held_out_data_check(config)
paper_needs_check(config, sorted({name.split("/")[0] for name in checkpoint_names()}))


# Out-of-domain held-out text (Firefox UI strings, evaluation.out_of_domain): never trained on.
rule eval_out_of_domain:
    input:
        unpack(out_of_domain_inputs),
    output:
        records="results/eval_data/{lang}/out_of_domain.jsonl",
        summary="results/eval_data/{lang}/out_of_domain.json",
    log:
        "logs/eval_out_of_domain/{lang}.log",
    benchmark:
        "benchmarks/eval_out_of_domain/{lang}.tsv"
    params:
        spec=EVAL["out_of_domain"],
        language_code=config["language"]["code"],
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        "../envs/eval.yaml"
    script:
        "../scripts/eval_out_of_domain.py"


rule eval_data:
    input:
        test="results/data/{lang}/clean/test.jsonl",
        pairs="results/eval_data/{lang}/translation.jsonl",  # multiple choice avoids these
        out_of_domain=out_of_domain_text,
    output:
        bpc="results/eval_data/{lang}/bpc.json",
        multiple_choice="results/eval_data/{lang}/multiple_choice.jsonl",
        task=f"results/eval_data/{{lang}}/lm_eval/{MC_TASK}.yaml",
        instructions="results/eval_data/{lang}/instructions.jsonl",
        summary="results/eval_data/{lang}/eval_data.json",
    log:
        "logs/eval_data/{lang}.log",
    benchmark:
        "benchmarks/eval_data/{lang}.tsv"
    params:
        evaluation=EVAL,
        language=config["language"],
        seed=1,
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        "../envs/eval.yaml"
    script:
        "../scripts/eval_data.py"


rule eval_translation_set:
    input:
        test="results/data/{lang}/clean/test.jsonl",
    output:
        pairs="results/eval_data/{lang}/translation.jsonl",
    log:
        "logs/eval_translation_set/{lang}.log",
    benchmark:
        "benchmarks/eval_translation_set/{lang}.tsv"
    params:
        evaluation=EVAL,
        seed=1,
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/eval.yaml"
    script:
        "../scripts/eval_translation_set.py"


# Out-of-domain translation pairs (evaluation.out_of_domain.translation_sentences).
rule eval_translation_ood:
    input:
        records="results/eval_data/{lang}/out_of_domain.jsonl",
    output:
        pairs="results/eval_data/{lang}/translation_ood.jsonl",
    log:
        "logs/eval_translation_ood/{lang}.log",
    benchmark:
        "benchmarks/eval_translation_ood/{lang}.tsv"
    params:
        sentences=EVAL["out_of_domain"]["translation_sentences"],
        seed=1,
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        "../envs/eval.yaml"
    script:
        "../scripts/eval_translation_ood.py"


# Trivial baselines (seconds, no model): results/eval/{lang}/baseline/<name>/metrics.json.
rule eval_baselines:
    input:
        pairs="results/eval_data/{lang}/translation.jsonl",
        pairs_ood=ood_translation_pairs,
        choices="results/eval_data/{lang}/multiple_choice.jsonl",
        instructions="results/eval_data/{lang}/instructions.jsonl",
    output:
        baselines=directory("results/eval/{lang}/baseline"),
    log:
        "logs/eval_baselines/{lang}.log",
    benchmark:
        "benchmarks/eval_baselines/{lang}.tsv"
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        "../envs/eval.yaml"
    script:
        "../scripts/eval_baselines.py"


# One rule per stage, each declaring only its stage's suite outputs (evaluation.suites):
# eval_checkpoint (the base model) and eval_checkpoint_{cpt,sft,dpo} below.
rule eval_checkpoint:
    input:
        unpack(eval_checkpoint_inputs),
    output:
        **checkpoint_outputs(config, "base"),  # reference models run the base model's suites
    wildcard_constraints:
        checkpoint="base|reference/[^ ]+",
    log:
        "logs/eval_checkpoint/{lang}/{checkpoint}.log",
    benchmark:
        "benchmarks/eval_checkpoint/{lang}/{checkpoint}.tsv"
    params:
        language_name=config["language"]["name"],
        window=config["mixture"]["seq_len"],
        max_new_tokens=EVAL["max_new_tokens"],
        resamples=EVAL["bootstrap_resamples"],
        task=MC_TASK,
        extra_tasks=EVAL["lm_eval_tasks"],
        include_paths=EVAL["lm_eval_include_paths"],
        spbleu=EVAL["spbleu"],
        comet_model=EVAL["comet_model"],
        batch_size=EVAL_BATCH_SIZE,
        generation_batch_size=GENERATION_BATCH_SIZE,
        bpc_batch_size=BPC_BATCH_SIZE,
        dtype=EVAL["dtype"],
        multiple_choice_dtype=EVAL["multiple_choice_dtype"],
    threads: EVAL_THREADS
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        "../envs/eval.yaml"
    script:
        "../scripts/eval_checkpoint.py"


use rule eval_checkpoint as eval_checkpoint_cpt with:
    output:
        **checkpoint_outputs(config, "cpt"),
    wildcard_constraints:
        checkpoint="cpt/[^ ]+",


use rule eval_checkpoint as eval_checkpoint_sft with:
    output:
        **checkpoint_outputs(config, "sft"),
    wildcard_constraints:
        checkpoint="sft/[^ ]+",


use rule eval_checkpoint as eval_checkpoint_dpo with:
    output:
        **checkpoint_outputs(config, "dpo"),
    wildcard_constraints:
        checkpoint="dpo/[^ ]+",


# A joint SFT cell (sft.joint, several languages) evaluated in this language: the SFT suites.
use rule eval_checkpoint as eval_checkpoint_joint with:
    output:
        **checkpoint_outputs(config, "joint"),
    wildcard_constraints:
        checkpoint="joint/[^ ]+",
