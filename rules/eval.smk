# Evaluation of every checkpoint (base, CPT, SFT, DPO): held-out data once per language, then
# one rule per suite so that a killed job loses one suite, and a merge into metrics.json.
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
    script:
        "../scripts/eval_translation_set.py"


rule eval_bpc:
    input:
        model=checkpoint_model_dir,
        text="results/eval_data/{lang}/bpc.json",
    output:
        result="results/eval/{lang}/{checkpoint}/bpc.json",
    log:
        "logs/eval_bpc/{lang}/{checkpoint}.log",
    benchmark:
        "benchmarks/eval_bpc/{lang}/{checkpoint}.tsv"
    params:
        window=config["mixture"]["seq_len"],
        batch_size=EVAL_BATCH_SIZE,
    threads: 1  # two suites run side by side on 2 cores; greedy decoding gains little from threads
    resources:
        mem_mb=4000,
        runtime=30,
    script:
        "../scripts/eval_bpc.py"


rule eval_translation:
    input:
        model=checkpoint_model_dir,
        pairs="results/eval_data/{lang}/translation.jsonl",
        base=base_translation_result,  # base hypotheses for paired bootstrap (none for base)
    output:
        result="results/eval/{lang}/{checkpoint}/translation.json",
    log:
        "logs/eval_translation/{lang}/{checkpoint}.log",
    benchmark:
        "benchmarks/eval_translation/{lang}/{checkpoint}.tsv"
    params:
        language_name=config["language"]["name"],
        max_new_tokens=EVAL["max_new_tokens"],
        resamples=EVAL["bootstrap_resamples"],
        batch_size=EVAL_BATCH_SIZE,
    threads: 1  # two suites run side by side on 2 cores; greedy decoding gains little from threads
    resources:
        mem_mb=4000,
        runtime=60,
    script:
        "../scripts/eval_translation.py"


rule eval_lm_eval:
    input:
        model=checkpoint_model_dir,
        task=f"results/eval_data/{{lang}}/lm_eval/{MC_TASK}.yaml",
        choices="results/eval_data/{lang}/multiple_choice.jsonl",
    output:
        result="results/eval/{lang}/{checkpoint}/lm_eval.json",
    log:
        "logs/eval_lm_eval/{lang}/{checkpoint}.log",
    benchmark:
        "benchmarks/eval_lm_eval/{lang}/{checkpoint}.tsv"
    params:
        task=MC_TASK,
        extra_tasks=EVAL["lm_eval_tasks"],
        batch_size=EVAL_BATCH_SIZE,
    threads: 1  # two suites run side by side on 2 cores; greedy decoding gains little from threads
    resources:
        mem_mb=4000,
        runtime=60,
    script:
        "../scripts/eval_lm_eval.py"


rule eval_instructions:
    input:
        model=checkpoint_model_dir,
        instructions="results/eval_data/{lang}/instructions.jsonl",
    output:
        result="results/eval/{lang}/{checkpoint}/instructions.json",
        sheet="results/eval/{lang}/{checkpoint}/manual_sheet.csv",
    log:
        "logs/eval_instructions/{lang}/{checkpoint}.log",
    benchmark:
        "benchmarks/eval_instructions/{lang}/{checkpoint}.tsv"
    params:
        max_new_tokens=EVAL["max_new_tokens"],
        batch_size=EVAL_BATCH_SIZE,
    threads: 1  # two suites run side by side on 2 cores; greedy decoding gains little from threads
    resources:
        mem_mb=4000,
        runtime=60,
    script:
        "../scripts/eval_instructions.py"


rule eval_merge:
    input:
        bpc="results/eval/{lang}/{checkpoint}/bpc.json",
        translation="results/eval/{lang}/{checkpoint}/translation.json",
        lm_eval="results/eval/{lang}/{checkpoint}/lm_eval.json",
        instructions="results/eval/{lang}/{checkpoint}/instructions.json",
    output:
        metrics="results/eval/{lang}/{checkpoint}/metrics.json",
    log:
        "logs/eval_merge/{lang}/{checkpoint}.log",
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/eval_merge.py"
