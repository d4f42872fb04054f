"""The fan-out benchmark: load generator, reference server, runner and report (docs/benchmarks.md)."""
