# rules for stage: base model
