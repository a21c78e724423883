"""Rule instruct_joint_set: every language's SFT set of one cell, shuffled together (sft.joint)."""

from langadapt.languages import joint_instruction_set
from langadapt.logs import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    count = joint_instruction_set(list(snakemake.input), snakemake.output[0],  # noqa: F821
                                  int(snakemake.wildcards.seed))  # noqa: F821
    print(f"{count} examples of {len(snakemake.input)} languages")  # noqa: F821
