"""Record a live KVM session into tsccourse/data/kvm_run.json (chapter 08's fallback).

Runs :func:`tsccourse.kvm_live.record_session` on this machine's ``/dev/kvm`` (root or
the ``kvm`` group; no network), checks the result with
:func:`tsccourse.kvm_checks.session_checks` and writes it only if every check that
applies holds. The file records the kernel release, the vendor module and the date with the
numbers, so a reader without ``/dev/kvm`` sees whose machine the run came from.

Usage::

    python tools/record_kvm_run.py [--out PATH] [--device /dev/kvm] [--print]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tsccourse import kvm_checks, kvm_live

DEFAULT_OUT = (
    Path(__file__).resolve().parent.parent / "tsccourse" / "data" / kvm_checks.RECORDED_SESSION
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the JSON")
    parser.add_argument("--device", default=kvm_live.KVM_DEVICE, help="the KVM device")
    parser.add_argument("--print", action="store_true", help="print the JSON, write nothing")
    args = parser.parse_args(argv)
    try:
        session = kvm_live.record_session(args.device)
    except kvm_live.KvmError as err:
        print(f"cannot record: {err}", file=sys.stderr)
        return 2
    checks = kvm_checks.session_checks(session)
    for check in checks:
        print(check, file=sys.stderr)
    if any(check.holds is False for check in checks):
        print("a check failed: nothing written", file=sys.stderr)
        return 1
    text = kvm_checks.session_to_json(session)
    if args.print:
        print(text, end="")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"wrote {args.out} ({session.kernel}, {session.vendor_module}, {session.date})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
