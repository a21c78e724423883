# Evaluation of every checkpoint (base, CPT, SFT, DPO): held-out data once per language, then
# one job per checkpoint that loads the model once and writes one JSON per suite + metrics.json.
# Checkpoint names (wildcard `checkpoint`): base, cpt/<cell>, sft/<cell>, dpo/<cell>.

from langadapt.eval.lm_eval_tasks import multiple_choice_task_name

EVAL = config["evaluation"]
MC_TASK = multiple_choice_task_name(LANG)  # the offline multiple-choice harness task
EVAL_BATCH_SIZE = 8  # prompts / windows per forward pass (CPU memory stays under 2 GB at 135M)


rule eval_data:
    input:
        test="results/data/{lang}/clean/test.jsonl",
    output:
        bpc="results/eval_data/{lang}/bpc.json",
        multiple_choice="results/eval_data/{lang}/multiple_choice.jsonl",
        task=f"results/eval_data/{{lang}}/lm_eval/{MC_TASK}.yaml",
        instructions="results/eval_data/{lang}/instructions.jsonl",
        summary="results/eval_data/{lang}/eval_data.json",
    log:
        "logs/eval_data/{lang}.log",
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


rule eval_checkpoint:
    input:
        model=checkpoint_model_dir,
        bpc_text="results/eval_data/{lang}/bpc.json",
        pairs="results/eval_data/{lang}/translation.jsonl",
        task=f"results/eval_data/{{lang}}/lm_eval/{MC_TASK}.yaml",
        choices="results/eval_data/{lang}/multiple_choice.jsonl",
        instructions="results/eval_data/{lang}/instructions.jsonl",
        base=base_translation_result,  # base hypotheses for paired bootstrap (none for base)
    output:
        bpc="results/eval/{lang}/{checkpoint}/bpc.json",
        translation="results/eval/{lang}/{checkpoint}/translation.json",
        lm_eval="results/eval/{lang}/{checkpoint}/lm_eval.json",
        instructions="results/eval/{lang}/{checkpoint}/instructions.json",
        sheet="results/eval/{lang}/{checkpoint}/manual_sheet.csv",
        metrics="results/eval/{lang}/{checkpoint}/metrics.json",
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
        dtype=EVAL["dtype"],
    threads: 1  # two checkpoints are evaluated side by side on 2 cores
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        "../envs/eval.yaml"
    script:
        "../scripts/eval_checkpoint.py"
