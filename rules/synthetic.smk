# rules for stage: synthetic
