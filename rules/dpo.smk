# rules for stage: dpo
