"""Run notebooks and keep the outputs that teach: figures, tables, short printed results.

The notebooks are the documentation, so a reader should see what a cell shows without running it. This runs each
notebook with `nbdev-test --save` (the cells flagged `#| realdata` do not run: outputs of the real files must not be
committed), then trims what it saved:
- no outputs for `#| hide` and `#| export` cells (tests and library code show nothing a reader needs);
- no progress bars, widgets or stderr (warnings, logs);
- printed text cut to its first and last lines; temporary and checkout paths shortened, so a rerun changes little;
- figures scaled down to at most `MAX_WIDTH` pixels wide (JPEG where a PNG of photos would be large);
then `nbdev-clean` removes volatile metadata. Prints each notebook's size; one over `MAX_KB` is reported.
Usage: python tools/save_outputs.py [--no-run] [NOTEBOOK ...]   (default: every nbs/*.ipynb; --no-run: trim the saved outputs only)
"""
import base64, io, json, re, subprocess, sys
from pathlib import Path

from make_readme import directives   # tools/, beside this script

root = Path(__file__).resolve().parent.parent
bin_dir = Path(sys.executable).parent
MAX_LINES, MAX_WIDTH, MAX_KB, MAX_PNG_KB = 40, 720, 400, 96
NOISE_MIME = ('application/vnd.jupyter.widget-view+json',)
TEMP = re.compile(r"(/private)?/(tmp|var/folders)/[\w./-]*?tmp\w+")

def flags(cell:dict) -> set:
    "The `#| ` directives of a code cell (`hide`, `export`, ...), read as the README renderer reads them."
    return set(directives(''.join(cell['source'])))

def shorten_paths(text:str) -> str:
    "Temporary folders as `/tmp/…`, the checkout as `.`, so that outputs do not change with where they ran."
    return TEMP.sub('/tmp/…', text).replace(str(root) + '/', '').replace(str(root), '.')

def cut_lines(lines:list, keep:int=MAX_LINES) -> list:
    "At most `keep` lines: the first ones and the last few, with a line saying how many were left out."
    if len(lines) <= keep: return lines
    head, tail = lines[:keep - 8], lines[-7:]
    return head + [f"… ({len(lines) - len(head) - len(tail)} lines left out)\n"] + tail

def small_image(b64:str, max_width:int=MAX_WIDTH) -> tuple:
    "A base64 PNG scaled down to `max_width` pixels wide, as (mime, base64): a JPEG when the PNG is over `MAX_PNG_KB`."
    from PIL import Image
    img = Image.open(io.BytesIO(base64.b64decode(b64)))
    if img.width > max_width: img = img.resize((max_width, round(img.height*max_width/img.width)), Image.LANCZOS)
    buf = io.BytesIO(); img.convert('RGB').quantize(256).save(buf, 'PNG', optimize=True)   # plots: 256 colours are plenty
    if buf.tell() <= MAX_PNG_KB*1024: return 'image/png', base64.b64encode(buf.getvalue()).decode()
    buf = io.BytesIO(); img.convert('RGB').save(buf, 'JPEG', quality=80, optimize=True)   # photos: PNG does not compress them
    return 'image/jpeg', base64.b64encode(buf.getvalue()).decode()

def is_progress(out:dict) -> bool:
    "fastprogress / tqdm bars, as HTML or as text."
    html = ''.join(out.get('data', {}).get('text/html', ''))
    return '<progress' in html or 'progress-bar' in html

def keep_output(out:dict) -> dict | None:
    "The output trimmed as described above, or None to drop it."
    kind = out['output_type']
    if kind == 'error' or (kind == 'stream' and out['name'] == 'stderr'): return None
    if kind == 'stream':
        out['text'] = cut_lines(shorten_paths(''.join(out['text'])).splitlines(True))
        return out if ''.join(out['text']).strip() else None
    data = out.get('data', {})
    if is_progress(out) or any(m in data for m in NOISE_MIME): return None
    for mime in list(data):
        if mime == 'image/png':
            new_mime, data[new_mime] = small_image(''.join(data.pop(mime)))
            if new_mime != mime: out.get('metadata', {}).pop(mime, None)
        elif mime.startswith('text/'):
            text = shorten_paths(''.join(data[mime]))
            data[mime] = cut_lines(text.splitlines(True), 200 if mime == 'text/html' else MAX_LINES)
    return out

def trim(nb:dict) -> dict:
    "The notebook with only the outputs that teach."
    for cell in nb['cells']:
        if cell['cell_type'] != 'code': continue
        if flags(cell) & {'hide', 'export', 'exporti', 'exports'}: cell['outputs'] = []
        else: cell['outputs'] = [o for o in map(keep_output, cell.get('outputs', [])) if o is not None]
    return nb

def save_outputs(nb_path:Path, run:bool=True) -> bool:
    "Run one notebook (unless `run` is False), keep its trimmed outputs; False when it failed (the notebook is left as it was)."
    r = subprocess.run([str(bin_dir/'nbdev-test'), str(nb_path), '--save'], cwd=root, capture_output=True, text=True) if run else None
    if r is not None and r.returncode != 0:
        print(f"FAIL {nb_path.name}: not saved\n{(r.stdout + r.stderr)[-3000:]}", flush=True)
        return False
    nb = trim(json.loads(nb_path.read_text()))
    nb_path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
    subprocess.run([str(bin_dir/'nbdev-clean'), '--fname', str(nb_path)], cwd=root, check=True)
    kb = nb_path.stat().st_size/1024
    n = sum(bool(c.get('outputs')) for c in nb['cells'] if c['cell_type'] == 'code')
    print(f"saved {nb_path.name}: {n} cells with outputs, {kb:.0f} KB" + (f" (over {MAX_KB} KB)" if kb > MAX_KB else ''), flush=True)
    return True

def main(args:list) -> int:
    run = '--no-run' not in args
    nbs = [Path(a).resolve() for a in args if a != '--no-run'] or sorted((root/'nbs').glob('[0-9]*.ipynb')) + [root/'nbs'/'index.ipynb']
    return 0 if all([save_outputs(nb, run) for nb in nbs]) else 1

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
