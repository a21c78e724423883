# rules for stage: data
