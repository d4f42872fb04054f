"""
The throwaway servers that tests and the benchmark run against, on loopback:
one way to pick a spare port (port-for) and to start a server, wait until it
answers and stop it (mirakuru), and the MariaDB and Redis servers built on that.

A test bed, not tests: the stack tests, the browser tests, the benchmark and
scripts/with-test-backends.sh import it, the application never does (it stays
out of the Docker image). Its dependencies are in requirements-dev.txt.
"""
