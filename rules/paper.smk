# Paper outputs from the per-checkpoint metrics: tidy table, tables, figures, scaling law,
# compute table. Figures and tables carry report() flags: `snakemake --report results/report.html`.

# Light (seconds, no model): on SLURM they run on the login node, not as sbatch jobs.
localrules:
    paper_metrics,
    paper_tables,
    paper_scaling_law,
    paper_figures,
    paper_loss_curves,
    paper_compute,


SCALING_DIRECTION = {"en-xx": "en-xx", "xx-en": "xx-en", "both": "en-xx"}[
    config["sft"]["translation_direction"]
]


rule paper_metrics:
    input:
        metrics=eval_targets(),
        manual=list(manual_sheets().values()),  # filled sheets present on disk (optional)
    output:
        report(
            "results/paper/metrics.csv",
            caption="../report/metrics.rst",
            category="Metrics",
        ),
    log:
        "logs/paper_metrics.log",
    benchmark:
        "benchmarks/paper/paper_metrics.tsv"
    params:
        manual=manual_sheets(),
        cpt_cell=grids.sft_init_coordinates(config),
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/paper.yaml"
    script:
        "../scripts/paper_metrics.py"


rule paper_tables:
    input:
        metrics="results/paper/metrics.csv",
    output:
        tex=expand("results/paper/tables/{name}.tex", name=PAPER_TABLES),
        md=expand("results/paper/tables/{name}.md", name=PAPER_TABLES),
        csv=[
            report(
                f"results/paper/tables/{name}.csv",
                caption=f"../report/table_{name}.rst",
                category="Tables",
            )
            for name in PAPER_TABLES
        ],
    log:
        "logs/paper_tables.log",
    benchmark:
        "benchmarks/paper/paper_tables.tsv"
    params:
        lang=LANG,
        language_name=config["language"]["name"],
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/paper.yaml"
    script:
        "../scripts/paper_tables.py"


rule paper_scaling_law:
    input:
        metrics="results/paper/metrics.csv",
    output:
        fit="results/paper/scaling_law.json",
    log:
        "logs/paper_scaling_law.log",
    benchmark:
        "benchmarks/paper/paper_scaling_law.tsv"
    params:
        metrics=[f"chrf++_{SCALING_DIRECTION}", f"bleu_{SCALING_DIRECTION}"],
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/paper.yaml"
    script:
        "../scripts/paper_scaling_law.py"


rule paper_figures:
    input:
        metrics="results/paper/metrics.csv",
        scaling="results/paper/scaling_law.json",
    output:
        forgetting_pdf="results/paper/figures/forgetting.pdf",
        forgetting_png=report(
            "results/paper/figures/forgetting.png",
            caption="../report/figure_forgetting.rst",
            category="Figures",
        ),
        scaling_pdf="results/paper/figures/scaling.pdf",
        scaling_png=report(
            "results/paper/figures/scaling.png",
            caption="../report/figure_scaling.rst",
            category="Figures",
        ),
    log:
        "logs/paper_figures.log",
    benchmark:
        "benchmarks/paper/paper_figures.tsv"
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
        pdf="results/paper/figures/loss_curves.pdf",
        png=report(
            "results/paper/figures/loss_curves.png",
            caption="../report/figure_loss_curves.rst",
            category="Figures",
        ),
    log:
        "logs/paper_loss_curves.log",
    benchmark:
        "benchmarks/paper/paper_loss_curves.tsv"
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
            "results/paper/compute.csv",
            caption="../report/compute.rst",
            category="Compute",
        ),
        md="results/paper/compute.md",
    log:
        "logs/paper_compute.log",
    benchmark:
        "benchmarks/paper/paper_compute.tsv"
    params:
        benchmarks="benchmarks",
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../envs/paper.yaml"
    script:
        "../scripts/paper_compute.py"
