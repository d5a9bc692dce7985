"""The `dmcert` command: `check`, `verify`, `keygen`, `load` and `serve` (design.md,
command-line contract).

Each subcommand's implementation lives in its own module and is imported only when that
subcommand runs, so `dmcert --help` stays fast. Every user error ends in one line on stderr
and the documented exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Callable, Sequence

from dmcert import __version__
from dmcert.errors import EXIT_INTERNAL, EXIT_SIGNAL_BASE, EXIT_USAGE, DmcertError

# subcommand -> "module:function" taking the parsed arguments and returning the exit code
_COMMANDS: dict[str, str | None] = {
    "serve": "dmcert.reference.server:serve_command",
    "check": "dmcert.suite.command:check_command",
    "verify": "dmcert.suite.verify:verify_command",
    "keygen": "dmcert.suite.signing:keygen_command",
    "load": "dmcert.load.command:load_command",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dmcert",
        description="Contract-conformance and load-test suite for the Datamingle "
        "integrations API v1.",
    )
    parser.add_argument("--version", action="version", version=f"dmcert {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_check(sub)
    _add_verify(sub)
    _add_keygen(sub)
    _add_load(sub)
    _add_serve(sub)
    return parser


def _add_target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        metavar="URL",
        help="deployment root, e.g. https://tenant.datamingle.ai; default: start the "
        "reference target on a free loopback port",
    )
    parser.add_argument("--keys", metavar="FILE", help="target profile (TOML keys file)")
    parser.add_argument(
        "--reports",
        metavar="DIR",
        help="where to write the reports (default: reports/<UTC timestamp>/)",
    )


CHECK_EXIT_CODES = """exit codes:
  0    the target conforms (every MUST holds; with --strict every SHOULD too)
  1    the target does not conform (a requirement failed, a MUST could not be
       verified (with --strict, any requirement), or the target stopped answering)
  2    usage or configuration error (bad option, keys file, a key the target rejects,
       an unwritable --reports directory)
  3    target unreachable, or it does not answer as this API
  4    internal error of dmcert (a crash or a collection error; never the target's fault)
  130  interrupted (SIGINT, Ctrl-C); 143 SIGTERM; 129 SIGHUP
An interrupted or crashed run never exits 0; its reports say INCOMPLETE."""


LOAD_EXIT_CODES = """exit codes:
  0    every SLO met (with --repeat, in every run)
  1    an SLO breached, or the run did not stop by itself
  2    usage or configuration error (bad option, keys file, SLO file, --key)
  3    target unreachable, or it does not answer as this API
  4    internal error of dmcert (never the target's fault)
  130  interrupted (SIGINT, Ctrl-C); 143 SIGTERM; 129 SIGHUP: Locust is stopped, the
       part that ran is reported (summary.json verdict "incomplete"), the data set is
       cleaned up. An interrupted run never exits 0."""


def _add_check(sub: argparse._SubParsersAction) -> None:
    check = sub.add_parser(
        "check",
        help="run the conformance suite against a target",
        epilog=CHECK_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_target_options(check)
    check.add_argument(
        "--read-only",
        action="store_true",
        help="send only GET, HEAD and OPTIONS (skips the tests that need more)",
    )
    check.add_argument("--strict", action="store_true", help="SHOULD requirements fail the run")
    check.add_argument("--quick", action="store_true", help="small example budget (CI smoke run)")
    check.add_argument("--seed", type=int, help="hypothesis seed, for a reproducible run")
    check.add_argument(
        "--max-examples", type=int, metavar="N", help="examples per schema-driven test"
    )
    check.add_argument(
        "-k", dest="select", metavar="EXPR", help="only tests matching this pytest expression"
    )
    check.add_argument(
        "--requirement",
        action="append",
        default=[],
        metavar="ID",
        help="only the tests naming this requirement (PAG-004) or area (PAG); repeatable; "
        "the report marks the run as partial",
    )
    check.add_argument(
        "--bundle",
        metavar="PATH",
        help="where to write the signed certification bundle (default: "
        "bundle.dmcert in the reports directory)",
    )
    check.add_argument(
        "--sign-key",
        metavar="FILE",
        help="Ed25519 private key (PEM, from dmcert keygen) that signs the bundle; without it "
        "a key made for the run signs it: integrity without identity",
    )
    check.add_argument(
        "--waivers",
        metavar="FILE",
        help="waivers TOML: known failures that do not fail the run until they expire",
    )


VERIFY_EXIT_CODES = """exit codes:
  0  the bundle is complete, unaltered and signed (by --public-key's key, if given)
  1  it is not: the first file or field that does not match is named
  2  usage error (no such file, not a dmcert bundle, unreadable public key)"""


def _add_verify(sub: argparse._SubParsersAction) -> None:
    verify = sub.add_parser(
        "verify",
        help="check a certification bundle's signature and files; print its verdict",
        epilog=VERIFY_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verify.add_argument("bundle", metavar="BUNDLE", help="a bundle.dmcert file")
    verify.add_argument(
        "--public-key",
        metavar="FILE",
        help="the signer's public key (PEM, FILE.pub from dmcert keygen); without it the "
        "key inside the bundle is used, which proves integrity, not identity",
    )


def _add_keygen(sub: argparse._SubParsersAction) -> None:
    keygen = sub.add_parser("keygen", help="make an Ed25519 key pair for signing bundles")
    keygen.add_argument(
        "file", metavar="FILE", help="private key path (mode 0600); the public key is FILE.pub"
    )


def _add_load(sub: argparse._SubParsersAction) -> None:
    load = sub.add_parser(
        "load",
        help="headless Locust run of one workload, with SLO gates",
        epilog=LOAD_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    load.add_argument(
        "workload",
        nargs="?",
        metavar="WORKLOAD",
        help="bulk_inventory, list_walk, lookup or mixed (see load/README.md)",
    )
    _add_target_options(load)
    load.add_argument(
        "--key",
        metavar="NAME",
        help="the profile's key that sends the workload's requests (default: the pass-through "
        "integrations.* key); a partner key's bulk_inventory batches use its mapping",
    )
    load.add_argument("--users", type=int, default=8, help="concurrent users (closed model)")
    load.add_argument("--spawn-rate", type=float, default=8.0, metavar="R", help="users/s")
    load.add_argument("--rate", metavar="N/s", help="open model: fixed arrival rate")
    load.add_argument(
        "--wait",
        default="0",
        metavar="S[-S]",
        help="closed model: seconds each user waits between requests, e.g. 0.5-2 (default 0)",
    )
    load.add_argument("--duration", default="60s", help="run time, e.g. 30s, 5m")
    load.add_argument(
        "--max-requests", type=int, metavar="N", help="stop after N requests (default 1,000,000)"
    )
    load.add_argument("--workers", type=int, default=0, metavar="N", help="local worker processes")
    load.add_argument(
        "--remote-workers",
        type=int,
        default=0,
        metavar="N",
        help="also wait for N workers started on other hosts (see load/README.md)",
    )
    load.add_argument(
        "--master-bind",
        default="127.0.0.1",
        metavar="HOST",
        help="address the Locust master listens on for workers (default 127.0.0.1)",
    )
    load.add_argument(
        "--master-port", type=int, metavar="PORT", help="Locust master port (default: a free one)"
    )
    load.add_argument("--slo", metavar="FILE", help="SLO TOML (default: load/slo.toml)")
    load.add_argument("--batch-size", type=int, default=500, help="rows per bulk POST (1-5000)")
    load.add_argument("--keep-data", action="store_true", help="keep the data set (no clean-up)")
    load.add_argument(
        "--repeat", type=int, default=1, metavar="N", help="run the workload N times (run-1 ...)"
    )
    load.add_argument(
        "--find-capacity",
        action="store_true",
        help="step the open-model rate (from --rate, each step --duration long) up, then bisect, "
        "to the highest rate at which every SLO holds",
    )
    load.add_argument(
        "--budget", default="5m", help="--find-capacity: total time for the steps (default 5m)"
    )
    load.add_argument("--label", metavar="TEXT", help="names the build under test in summary.json")
    load.add_argument(
        "--compare",
        nargs=2,
        metavar=("A", "B"),
        help="compare two reports (a summary.json or a folder of --repeat runs) instead of running",
    )
    load.add_argument(
        "--threshold", type=float, default=10.0, help="regression threshold in percent"
    )
    load.add_argument(
        "--force",
        action="store_true",
        help="--compare runs even when their workloads or data sets differ",
    )


def _add_serve(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser("serve", help="start the reference target")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8800)
    serve.add_argument(
        "--db", metavar="URL", help="database URL (default: fresh SQLite file in a temp dir)"
    )
    serve.add_argument("--keys-out", metavar="FILE", help="write a keys file with fresh keys")
    serve.add_argument(
        "--tls",
        action="store_true",
        help="serve HTTPS (TLS 1.2+, HSTS) with a certificate from a fresh local test CA; "
        "--keys-out also writes the CA certificate (FILE.ca.pem) and names it in the keys file",
    )
    serve.add_argument(
        "--order-identifier",
        default="external_order_id",
        choices=("external_order_id", "order_number"),
        help="field that /orders/{identifier}/ resolves",
    )
    serve.add_argument(
        "--partners",
        metavar="FILE",
        help="partners and their field mappings (TOML [partners.NAME] tables; a target profile "
        "holding them will do) instead of the shipped illustrative templates; --keys-out mints "
        "one partner key per partner",
    )
    serve.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME",
        help=argparse.SUPPRESS,  # deliberately broken variants, for dmcert's own tests
    )
    serve.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME",
        help=argparse.SUPPRESS,  # conformant choices where the docs are silent, for the same
    )
    serve.add_argument(
        "--parent-pid",
        type=int,
        metavar="PID",
        help="the process that started this one: stop serving when it ends (the embedded "
        "target of a dmcert run, so a run killed with SIGKILL leaves no server behind)",
    )


def _resolve(command: str) -> Callable[[argparse.Namespace], int] | None:
    target = _COMMANDS.get(command)
    if target is None:
        return None
    module_name, _, function_name = target.partition(":")
    return getattr(importlib.import_module(module_name), function_name)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    run = _resolve(args.command)
    if run is None:
        print(f"dmcert {args.command}: not implemented yet", file=sys.stderr)
        return EXIT_USAGE
    try:
        return run(args)
    except DmcertError as exc:
        print(f"dmcert {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        print(f"dmcert {args.command}: interrupted", file=sys.stderr)
        return EXIT_SIGNAL_BASE + getattr(exc, "signum", 2)
    except Exception:  # a defect of dmcert: say so, with the traceback to report it
        traceback.print_exc()
        print(f"dmcert {args.command}: internal error (a bug in dmcert)", file=sys.stderr)
        return EXIT_INTERNAL
