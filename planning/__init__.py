"""The auto-scheduler: the problem description, the CP-SAT model and the benchmark adapter."""
