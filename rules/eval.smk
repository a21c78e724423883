# rules for stage: eval
