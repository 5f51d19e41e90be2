"""`make bench`: run every bench/bench_*.py in turn; each prints its figures and writes bench/results/<name>.json."""
import subprocess, sys
from pathlib import Path

here = Path(__file__).resolve().parent
failed = []
for script in sorted(here.glob('bench_*.py')):
    print(f"\n=== {script.name} ===", flush=True)
    if subprocess.run([sys.executable, str(script)], cwd=here.parent).returncode: failed.append(script.name)
if failed: sys.exit(f"benchmarks that failed: {', '.join(failed)}")
