"""Run `nbdev-test` on every notebook under nbs/ (two at a time) and end with one line `N passed, N failed`.

Each notebook runs in its own `nbdev-test` process, so one failure names its notebook and the count is per notebook.
Cells flagged `#| realdata` parse the excerpts of the real competition files (`../shared/real-schema`, or the folder
in `$BIOMASS_REAL_SCHEMA`): they run when the excerpts are found, and are skipped otherwise, with one line that says
how many cells were skipped and why (a clone of the repository never has the excerpts: they are not ours to ship).
Usage: python tools/run_nbtests.py [NOTEBOOK ...]   (default: every nbs/*.ipynb)
"""
import json, os, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

root = Path(__file__).resolve().parent.parent
nbtest = Path(sys.executable).parent/'nbdev-test'

REAL_FLAG = 'realdata'

def real_schema_found() -> bool:
    "True where the real-file excerpts are found (an error if `$BIOMASS_REAL_SCHEMA` names no folder)."
    from biomass_kit.core import BiomassKitError, InputError
    from biomass_kit.testing import real_schema_dir
    try: real_schema_dir(); return True
    except InputError: raise
    except BiomassKitError: return False

def flagged_cells(nb:Path, flag:str=REAL_FLAG) -> int:
    "How many code cells of `nb` carry the test flag `#| flag`."
    cells = json.loads(nb.read_text())['cells']
    return sum(c['cell_type'] == 'code' and any(l.strip() == f'#| {flag}' for l in c['source']) for c in cells)

def run_one(nb, flags=''):
    t0 = time.time()
    r = subprocess.run([str(nbtest), str(nb), '--flags', flags], cwd=root, capture_output=True, text=True)
    return nb, r.returncode == 0 and 'Success.' in r.stdout, time.time()-t0, r.stdout + r.stderr

def main(args):
    nbs = [Path(a) for a in args] or sorted(p for p in (root/'nbs').glob('*.ipynb') if not p.name.startswith(('_', '.')))
    workers = int(os.environ.get('NBTEST_WORKERS', '2'))
    results, real = [], real_schema_found()
    with ThreadPoolExecutor(workers) as ex:
        for nb, ok, secs, out in ex.map(lambda nb: run_one(nb, REAL_FLAG if real else ''), nbs):
            print(f"{'PASS' if ok else 'FAIL'} {nb.name} ({secs:.0f}s)", flush=True)
            if not ok: print(out[-6000:], flush=True)
            results.append(ok)
    n_real = sum(map(flagged_cells, nbs))
    if not real and n_real:
        print(f"skipped {n_real} cells flagged '#| {REAL_FLAG}' in {sum(flagged_cells(nb) > 0 for nb in nbs)} notebooks: "
              "the real-file excerpts (../shared/real-schema, or $BIOMASS_REAL_SCHEMA) are not here")
    elif n_real: print(f"ran the {n_real} cells flagged '#| {REAL_FLAG}' against the real-file excerpts")
    n_pass = sum(results)
    print(f"{n_pass} passed, {len(results)-n_pass} failed")
    return 0 if n_pass == len(results) and results else 1

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
