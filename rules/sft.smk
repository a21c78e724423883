# rules for stage: sft
