"""Counts test results from meson's JUnit logs (one case per gtest case or
other test) plus checks run outside meson, and prints the closing line
"N passed, N failed, N skipped". Exits 1 if anything failed."""
import argparse
import sys
import xml.etree.ElementTree as ET


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("logs", nargs="+")
    ap.add_argument("--extra-pass", type=int, default=0)
    ap.add_argument("--extra-fail", type=int, default=0)
    ap.add_argument("--failed-trees", default="")
    args = ap.parse_args()

    passed, failed, skipped = args.extra_pass, args.extra_fail, 0
    for path in args.logs:
        try:
            root = ET.parse(path).getroot()
        except (OSError, ET.ParseError) as e:
            print(f"summarize: cannot read {path}: {e}", file=sys.stderr)
            failed += 1
            continue
        for case in root.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
                print(f"failed: {case.get('classname')}.{case.get('name')}")
            elif case.find("skipped") is not None:
                skipped += 1
            else:
                passed += 1
    # A crashed test binary may leave no case marked failed: trust meson.
    if args.failed_trees:
        with open(args.failed_trees) as f:
            trees = [t for t in f.read().split() if t]
        if trees and failed == args.extra_fail:
            failed += len(trees)
        for t in trees:
            print(f"failed: meson test in {t}")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
