"""Data files of the monitoring package: the shipped default model bundle (fitted on simulated
data calibrated to national figures) and the therapy guidance the why-review reads."""
