"""Session fixtures: one production stack (MariaDB, Redis, two daphne workers, nginx) for every test."""

import pytest
from stack import Stack, install_missing_commands


@pytest.fixture(scope="session", autouse=True)
def _system_commands():
    """nginx, envsubst and docker-compose from Debian, installed when missing."""
    install_missing_commands()


@pytest.fixture(scope="session")
def stack():
    stack = Stack.create()
    try:
        stack.start()
        yield stack
    finally:
        stack.cleanup()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Attach the servers' logs to a failing test's report."""
    report = yield
    stack = item.funcargs.get("stack") if hasattr(item, "funcargs") else None
    if report.failed and stack is not None:
        report.sections.append(("stack logs", stack.logs()))
    return report
