# rules for stage: cpt
