"""Errors a user can cause, each carrying the exit code the command-line contract gives it."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_INTERNAL = 4  # a crash of dmcert itself or of the suite's collection: never the target's fault
EXIT_SIGNAL_BASE = 128  # interrupted by signal N: 128 + N (130 SIGINT, 143 SIGTERM, 129 SIGHUP)


class DmcertError(Exception):
    """An error reported to the user as one line, ending the run with `exit_code`."""

    exit_code = EXIT_USAGE


class UsageError(DmcertError):
    """Bad arguments, a missing or malformed keys file, an invalid option value."""

    exit_code = EXIT_USAGE


class UnreachableError(DmcertError):
    """The target is down, refuses the connection, or does not answer as this API."""

    exit_code = EXIT_UNREACHABLE
