"""Run `nbdev-test` on every notebook under nbs/ (two at a time) and end with one line `N passed, N failed`.

Each notebook runs in its own `nbdev-test` process, so one failure names its notebook and the count is per notebook.
Usage: python tools/run_nbtests.py [NOTEBOOK ...]   (default: every nbs/*.ipynb)
"""
import os, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

root = Path(__file__).resolve().parent.parent
nbtest = Path(sys.executable).parent/'nbdev-test'

def run_one(nb):
    t0 = time.time()
    r = subprocess.run([str(nbtest), str(nb)], cwd=root, capture_output=True, text=True)
    return nb, r.returncode == 0 and 'Success.' in r.stdout, time.time()-t0, r.stdout + r.stderr

def main(args):
    nbs = [Path(a) for a in args] or sorted(p for p in (root/'nbs').glob('*.ipynb') if not p.name.startswith(('_', '.')))
    workers = int(os.environ.get('NBTEST_WORKERS', '2'))
    results = []
    with ThreadPoolExecutor(workers) as ex:
        for nb, ok, secs, out in ex.map(run_one, nbs):
            print(f"{'PASS' if ok else 'FAIL'} {nb.name} ({secs:.0f}s)", flush=True)
            if not ok: print(out[-6000:], flush=True)
            results.append(ok)
    n_pass = sum(results)
    print(f"{n_pass} passed, {len(results)-n_pass} failed")
    return 0 if n_pass == len(results) and results else 1

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
