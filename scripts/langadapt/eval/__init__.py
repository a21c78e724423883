"""Evaluation of checkpoints: held-out data, bits per character, translation, multiple choice
through lm-evaluation-harness, instruction following, significance, and merging of suites."""
