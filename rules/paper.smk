# rules for stage: paper
