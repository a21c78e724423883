# rules for stage: mix
