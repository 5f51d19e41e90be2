"""`make bench`: run every bench/bench_*.py in turn (each prints its figures and writes bench/results/<name>.json),
then print the Markdown table of all results (bench/report.py)."""
import subprocess, sys
from pathlib import Path

here = Path(__file__).resolve().parent
failed = []
for script in sorted(here.glob('bench_*.py')):
    print(f"\n=== {script.name} ===", flush=True)
    if subprocess.run([sys.executable, str(script)], cwd=here.parent).returncode: failed.append(script.name)
print("\n=== results (bench/report.py) ===", flush=True)
subprocess.run([sys.executable, str(here/'report.py')], cwd=here.parent)
if failed: sys.exit(f"benchmarks that failed: {', '.join(failed)}")
