"""Paper outputs from per-checkpoint metrics: tidy table, LaTeX/Markdown tables, figures,
scaling-law fit and the compute table."""
