"""Load run of the hub route: 30 students open the course at once on a real JupyterHub (127.0.0.1).

    python benchmarks/bench_hub.py                 # 30 students, each also runs lesson 01
    python benchmarks/bench_hub.py --users 10 --no-lesson

Each student logs in through the website's nbgitpuller link, waits for a server, for the pull,
for JupyterLab on lesson 01 ("ready"), then (unless --no-lesson) runs lesson 01 in a kernel
(tools/hub_check.py does it all and stops every process it started). Prints p50/p95/max of each
time and the memory per student; writes benchmarks/results/hub.json. A benchmark, not a test:
the times depend on the machine and on what else runs on it.
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import hub_check  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--no-lesson", action="store_true")
    args = parser.parse_args(argv)
    if not 1 <= args.users <= 200:
        raise ValueError(f"--users must be between 1 and 200, got {args.users}")
    report = hub_check.check(args.users, lesson=not args.no_lesson)
    failed = [s["user"] for s in report["students"] if s.get("failures")]
    print(f"hub load run: {args.users} students at once, wall {report['wall_s']} s, "
          f"lesson 01 failed for {len(failed)}")
    for key, v in report["summary"].items():
        print(f"  {key:14s} " + "  ".join(f"{k} {x}" for k, x in v.items()))
    out = ROOT / "benchmarks" / "results" / "hub.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))
    print(f"wrote {out.relative_to(ROOT)}")
    if failed:
        sys.exit(f"lesson 01 failed for {failed}")


if __name__ == "__main__":
    main()
