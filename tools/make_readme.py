"""Render nbs/index.ipynb to README.md (markdown cells as they are, code cells as ```python blocks with their text
outputs; cells marked `#| hide` are left out, `#| echo: false` shows only the output). Image links relative to
nbs/ (`images/x.png`) are rewritten to be relative to the repository's root.

nbdev's own `nbdev-readme` does the same through Quarto, which this project's machines cannot install (the
quarto-cli wheel downloads its binary from GitHub at install time). `--check` exits 1 when README.md is stale.
"""
import json, re, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
_directive = re.compile(r'^\s*#\|\s*([\w-]+)\s*:?\s*(.*)$')

def directives(src):
    return {m[1]: m[2].strip() for line in src.splitlines() if (m := _directive.match(line))}

def cell_text(cell):
    src = ''.join(cell['source'])
    if cell['cell_type'] == 'markdown': return src.strip()
    d = directives(src)
    if 'hide' in d or 'default_exp' in d or d.get('include') == 'false': return ''
    code = '\n'.join(l for l in src.splitlines() if not _directive.match(l)).strip()
    outs = []
    for o in cell.get('outputs', []):
        txt = o.get('text') or o.get('data', {}).get('text/plain')
        if txt: outs.append(''.join(txt).rstrip())
    parts = [] if d.get('echo') == 'false' else [f"```python\n{code}\n```"]
    if outs: parts.append("```\n" + '\n'.join(outs) + "\n```")
    return '\n\n'.join(parts)

def render(nb_path=root/'nbs'/'index.ipynb'):
    nb = json.loads(Path(nb_path).read_text())
    text = '\n\n'.join(t for t in map(cell_text, nb['cells']) if t) + '\n'
    return text.replace('](images/', '](nbs/images/')   # figures beside the notebook, seen from the repository's root

if __name__ == '__main__':
    text, readme = render(), root/'README.md'
    if '--check' in sys.argv:
        if not readme.exists() or readme.read_text() != text:
            sys.exit("README.md is not what nbs/index.ipynb renders to: run `make readme` and commit both")
    else: readme.write_text(text)
