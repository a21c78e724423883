# Paper outputs of this run (results/paper/{RUN}/, RUN = config run_name) from its per-checkpoint
# metrics: tidy table, comparisons with significance, tables, figures, scaling law, compute table
# and claims. Figures and tables carry report() flags: `snakemake --report results/report.html`.
# `snakemake paper_publish` copies the Markdown tables, PNG figures and claims to docs/{RUN}/.

# Light (seconds, no model): on SLURM they run on the login node, not as sbatch jobs.
localrules:
    paper_metrics,
    paper_tables,
    paper_scaling_law,
    paper_figures,
    paper_loss_curves,
    paper_compute,
    paper_comparisons,
    paper_claims,
    paper_publish,


SCALING_DIRECTION = {"en-xx": "en-xx", "xx-en": "xx-en", "both": "en-xx"}[
    config["sft"]["translation_direction"]
]
# The metric the scaling law is fitted on and claim C4 reads (paper.scaling_metric).
SCALING_METRIC = f"{config['paper']['scaling_metric']}_{SCALING_DIRECTION}"
# Base model, decoding dtypes, seeds per arm, demo caveat: printed in every table and claims.md.
PAPER_DISCLOSURE = disclosure_text(config)
# paper.tuning_vs_cpt with its arms checked against the run (None when unset).
TUNING_VS_CPT = tuning_vs_cpt_arms()


rule paper_metrics:
    input:
        metrics=eval_targets(),
        train_logs=list(train_logs().values()),
        baselines=f"results/eval/{LANG}/baseline",  # rule eval_baselines: baseline/<name>
        manual=list(manual_sheets().values()),  # filled sheets present on disk (optional)
        mixtures=list(mixture_infos().values()),
    output:
        report(
            f"{PAPER_DIR}/metrics.csv",
            caption="../report/metrics.rst",
            category="Metrics",
        ),
    log:
        f"logs/paper/{RUN}/metrics.log",
    benchmark:
        f"benchmarks/paper/{RUN}/paper_metrics.tsv"
    params:
        manual=manual_sheets(),
        mixtures=mixture_infos(),
        train_logs=train_logs(),
        cpt_cell=grids.sft_init_coordinates(config),
        translation_direction=config["sft"]["translation_direction"],
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/paper.yaml"
    script:
        "../scripts/paper_metrics.py"


rule paper_comparisons:
    """Every comparison the tables exist for: checkpoint comparisons by approximate randomisation
    over items, recipe comparisons (>= 3 seeds) by a two-level test; Holm within each table."""
    input:
        metrics=f"{PAPER_DIR}/metrics.csv",
        suites=[path for suites in eval_suite_files().values() for path in suites.values()],
        pairs=f"results/eval_data/{LANG}/translation.jsonl",
    output:
        csv=f"{PAPER_DIR}/comparisons.csv",
    log:
        f"logs/paper/{RUN}/comparisons.log",
    benchmark:
        f"benchmarks/paper/{RUN}/paper_comparisons.tsv"
    params:
        suites=eval_suite_files(),
        lang=LANG,
        resamples=config["paper"]["bootstrap_resamples"],
        level=config["paper"]["significance_level"],
        tuning_vs_cpt=TUNING_VS_CPT,
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        "../envs/paper.yaml"
    script:
        "../scripts/paper_comparisons.py"


rule paper_tables:
    input:
        metrics=f"{PAPER_DIR}/metrics.csv",
        comparisons=f"{PAPER_DIR}/comparisons.csv",
    output:
        tex=expand(f"{PAPER_DIR}/tables/{{name}}.tex", name=PAPER_TABLES),
        md=expand(f"{PAPER_DIR}/tables/{{name}}.md", name=PAPER_TABLES),
        csv=[
            report(
                f"{PAPER_DIR}/tables/{name}.csv",
                caption=f"../report/table_{name}.rst",
                category="Tables",
            )
            for name in PAPER_TABLES
        ],
    log:
        f"logs/paper/{RUN}/tables.log",
    benchmark:
        f"benchmarks/paper/{RUN}/paper_tables.tsv"
    params:
        lang=LANG,
        language_name=config["language"]["name"],
        level=config["paper"]["significance_level"],
        disclosure=PAPER_DISCLOSURE,
        tuning_vs_cpt=TUNING_VS_CPT,
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/paper.yaml"
    script:
        "../scripts/paper_tables.py"


rule paper_scaling_law:
    input:
        metrics=f"{PAPER_DIR}/metrics.csv",
    output:
        fit=f"{PAPER_DIR}/scaling_law.json",
    log:
        f"logs/paper/{RUN}/scaling_law.log",
    benchmark:
        f"benchmarks/paper/{RUN}/paper_scaling_law.tsv"
    params:
        metrics=list(dict.fromkeys([SCALING_METRIC, f"chrf++_{SCALING_DIRECTION}",
                                    f"bleu_{SCALING_DIRECTION}"])),
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/paper.yaml"
    script:
        "../scripts/paper_scaling_law.py"


rule paper_figures:
    input:
        metrics=f"{PAPER_DIR}/metrics.csv",
        scaling=f"{PAPER_DIR}/scaling_law.json",
    output:
        forgetting_pdf=f"{PAPER_DIR}/figures/forgetting.pdf",
        forgetting_png=report(
            f"{PAPER_DIR}/figures/forgetting.png",
            caption="../report/figure_forgetting.rst",
            category="Figures",
        ),
        scaling_pdf=f"{PAPER_DIR}/figures/scaling.pdf",
        scaling_png=report(
            f"{PAPER_DIR}/figures/scaling.png",
            caption="../report/figure_scaling.rst",
            category="Figures",
        ),
    log:
        f"logs/paper/{RUN}/figures.log",
    benchmark:
        f"benchmarks/paper/{RUN}/paper_figures.tsv"
    params:
        lang=LANG,
        language_name=config["language"]["name"],
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/paper.yaml"
    script:
        "../scripts/paper_figures.py"


rule paper_loss_curves:
    input:
        logs=list(train_logs().values()),
    output:
        pdf=f"{PAPER_DIR}/figures/loss_curves.pdf",
        png=report(
            f"{PAPER_DIR}/figures/loss_curves.png",
            caption="../report/figure_loss_curves.rst",
            category="Figures",
        ),
    log:
        f"logs/paper/{RUN}/loss_curves.log",
    benchmark:
        f"benchmarks/paper/{RUN}/paper_loss_curves.tsv"
    params:
        logs=train_logs(),
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/paper.yaml"
    script:
        "../scripts/paper_loss_curves.py"


rule paper_compute:
    input:
        # every job whose benchmark is read must have finished
        training_targets(),
        eval_targets(),
    output:
        csv=report(
            f"{PAPER_DIR}/compute.csv",
            caption="../report/compute.rst",
            category="Compute",
        ),
        md=f"{PAPER_DIR}/compute.md",
    log:
        f"logs/paper/{RUN}/compute.log",
    benchmark:
        f"benchmarks/paper/{RUN}/paper_compute.tsv"
    params:
        benchmarks="benchmarks",
        files=run_benchmark_files(),  # this run's jobs only
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../envs/paper.yaml"
    script:
        "../scripts/paper_compute.py"


rule paper_claims:
    """claims.md: claims C1-C7 decided from this run's primary endpoints (config paper.claims)."""
    input:
        metrics=f"{PAPER_DIR}/metrics.csv",
        comparisons=f"{PAPER_DIR}/comparisons.csv",
        scaling=f"{PAPER_DIR}/scaling_law.json",
    output:
        md=f"{PAPER_DIR}/claims.md",
    log:
        f"logs/paper/{RUN}/claims.log",
    benchmark:
        f"benchmarks/paper/{RUN}/paper_claims.tsv"
    params:
        run=RUN,
        language_name=config["language"]["name"],
        level=config["paper"]["significance_level"],
        endpoints=config["paper"]["claims"],
        scaling_metric=SCALING_METRIC,
        note=config["paper"]["claims_note"],
        disclosure=PAPER_DISCLOSURE,
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/paper.yaml"
    script:
        "../scripts/paper_claims.py"


rule paper_publish:
    """Copy this run's Markdown tables, PNG figures, claims and compute table to docs/{RUN}/
    (explicit target: `snakemake paper_publish`; the README links docs/default-run/)."""
    input:
        [f"{PAPER_DIR}/tables/{name}.md" for name in PAPER_TABLES]
        + [f"{PAPER_DIR}/figures/{name}.png" for name in PAPER_FIGURES]
        + [f"{PAPER_DIR}/claims.md", f"{PAPER_DIR}/compute.md"],
    output:
        publish_targets(),
    log:
        f"logs/paper/{RUN}/publish.log",
    benchmark:
        f"benchmarks/paper/{RUN}/paper_publish.tsv"
    resources:
        mem_mb=200,
        runtime=5,
    conda:
        "../envs/paper.yaml"
    script:
        "../scripts/paper_publish.py"


rule paper_layer_alignment:
    """x-LLaMA's layer analysis (paper.layer_alignment): per layer, cosine similarity of parallel
    vs mismatched held-out sentence pairs, for base and the tuned checkpoints."""
    input:
        models=layer_alignment_models,
        pairs=f"results/eval_data/{LANG}/translation.jsonl",
    output:
        json=f"{PAPER_DIR}/layer_alignment.json",
        pdf=f"{PAPER_DIR}/figures/layer_alignment.pdf",
        png=report(
            f"{PAPER_DIR}/figures/layer_alignment.png",
            caption="../report/figure_layer_alignment.rst",
            category="Figures",
        ),
    log:
        f"logs/paper/{RUN}/layer_alignment.log",
    benchmark:
        f"benchmarks/paper/{RUN}/paper_layer_alignment.tsv"
    params:
        models=lambda wildcards: layer_alignment_checkpoints(),
        pairs=config["paper"]["layer_alignment"]["pairs"],
        dtype=config["base_model"]["dtype"],
        language_name=config["language"]["name"],
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../envs/eval.yaml"
    script:
        "../scripts/paper_layer_alignment.py"
