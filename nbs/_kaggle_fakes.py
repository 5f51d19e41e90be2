"""Test helpers of the Kaggle notebooks (40_kaggle, 43_kaggle_data, 44_budget, 45_kernels, 35_pipeline): a fake Kaggle API server on
loopback, the environment of a user whose kaggle client talks to it, small archives, and a simulated offline Kaggle
session (`unshare -n`). Test fixtures, not library code:
the notebooks import them with `from _kaggle_fakes import ...` (nbs/ is their working folder)."""
import contextlib, io, itertools, json, os, stat, subprocess, sys, tempfile, threading, zipfile
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

FAKE_KEY = 'fake-kaggle-key-0123456789'  # a dummy key: the tests check it never reaches anything pushed

class FakeKaggle:
    "A loopback stand-in for the Kaggle API: records every call, answers like Kaggle, fails a route on request."
    def __init__(self):
        self.calls, self.files, self.blobs, self.fail = [], {}, {}, {}
        self.datasets, self.kernel_states, self._n = set(), [], itertools.count(1)
        self.server = ThreadingHTTPServer(('127.0.0.1', 0), self._handler())
        self.url = f'http://127.0.0.1:{self.server.server_port}'
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self): self.server.shutdown(); self.server.server_close()
    def sent(self, method): return [body for route, body, _ in self.calls if route.endswith('/' + method)]
    def uploaded(self): return {b['name']: b.get('data') for b in self.blobs.values()}

    def answer(self, route, body):
        method = route.split('/')[-1]
        if method in self.fail: return self.fail[method]
        if method == 'DownloadDataFiles': return 302, f"/files/{body['competitionName']}.zip"
        if method == 'DownloadLeaderboard': return 302, f"/files/{body['competitionName']}-leaderboard.zip"
        if method == 'StartBlobUpload':
            tok = f'blob{next(self._n)}'
            self.blobs[tok] = dict(name=body['name'])
            return 200, dict(token=tok, createUrl=f'http://localhost/upload/{tok}')
        if method == 'GetDatasetStatus':
            found = f"{body['ownerSlug']}/{body['datasetSlug']}" in self.datasets
            return (200, dict(status='READY')) if found else (404, dict(code=404, message='Dataset not found'))
        if method in ('CreateDataset', 'CreateDatasetVersion'):
            ref = f"{body['ownerSlug']}/{body.get('slug') or body.get('datasetSlug')}"
            self.datasets.add(ref)
            return 200, dict(ref=ref, url=f'http://localhost/datasets/{ref}', status='ok')
        if method == 'SaveKernel':
            return 200, dict(ref=body['slug'], url=f"http://localhost/code/{body['slug']}", versionNumber=3)
        if method == 'GetKernelSessionStatus':
            return 200, dict(status=self.kernel_states.pop(0) if self.kernel_states else 'COMPLETE')
        if method == 'ListKernelSessionOutput':
            return 200, dict(files=[dict(fileName=p.split('/output/', 1)[1], url=f'http://localhost{p}')
                                    for p in self.files if p.startswith('/output/')], log='[]')
        return 404, dict(code=404, message=f'the fake Kaggle has no route {route}')

    def _handler(fake):
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args): pass
            def reply(self, code, body=b'', ctype='application/json', headers=()):
                self.send_response(code)
                for k, v in headers: self.send_header(k, v)
                self.send_header('Content-Type', ctype); self.send_header('Content-Length', str(len(body)))
                self.end_headers(); self.wfile.write(body)
            def body(self): return self.rfile.read(int(self.headers.get('Content-Length') or 0))
            def do_POST(self):
                path = urlsplit(self.path).path   # proxied requests carry an absolute URL
                route, body = path.removeprefix('/api/v1/'), json.loads(self.body() or b'{}')
                fake.calls.append((route, body, dict(self.headers)))
                code, ans = fake.answer(route, body)
                if code == 302: return self.reply(302, headers=[('Location', ans)])
                self.reply(code, json.dumps(ans).encode())
            def do_PUT(self):
                tok = urlsplit(self.path).path.rsplit('/', 1)[-1]
                if 'PUT' in fake.fail: return self.reply(fake.fail['PUT'][0])
                fake.blobs[tok]['data'] = self.body(); self.reply(200, b'{}')
            def do_GET(self):
                path = urlsplit(self.path).path
                if path not in fake.files: return self.reply(404, b'{"code": 404, "message": "no such file"}')
                self.reply(200, fake.files[path], 'application/octet-stream')
        return Handler

@contextlib.contextmanager
def fake_kaggle_env(fake, **changes):
    "Environment of a user with dummy credentials whose kaggle client talks to `fake`; `changes` set (or, as None, remove) variables."
    home = tempfile.mkdtemp()
    env = dict(HOME=home, KAGGLE_CONFIG_DIR=f'{home}/.kaggle', KAGGLE_USERNAME='tester', KAGGLE_KEY=FAKE_KEY,
               KAGGLE_API_ENVIRONMENT='LOCALHOST', HTTP_PROXY=fake.url, http_proxy=fake.url,
               KAGGLE_API_TOKEN=None, NO_PROXY=None, no_proxy=None, KAGGLE_KERNEL_RUN_TYPE=None)
    env.update(changes)
    with mock.patch.dict(os.environ, {k: v for k, v in env.items() if v is not None}):
        for k in [k for k, v in env.items() if v is None]: os.environ.pop(k, None)
        yield home

def make_zip(path, members:dict, links:dict={}):
    "A zip at `path` holding `members` (name -> data) and symbolic `links` (name -> target)."
    with zipfile.ZipFile(path, 'w') as z:
        for name, data in members.items(): z.writestr(name, data)
        for name, target in links.items():
            info = zipfile.ZipInfo(name); info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, target)
    return path

def tiny_wheel(out, name='tinyextra', version='1.0'):
    "A minimal valid wheel of a module `name` with `VALUE = 42`, to stand in for an --extra dependency."
    path = Path(out)/f'{name}-{version}-py3-none-any.whl'
    info = f'{name}-{version}.dist-info'
    with zipfile.ZipFile(path, 'w') as z:
        z.writestr(f'{name}.py', 'VALUE = 42\n')
        z.writestr(f'{info}/METADATA', f'Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n')
        z.writestr(f'{info}/WHEEL', 'Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n')
        z.writestr(f'{info}/RECORD', '')
    return path

def captured(f, *args, **kwargs):
    "What `f(*args, **kwargs)` printed."
    out = io.StringIO()
    with contextlib.redirect_stdout(out): f(*args, **kwargs)
    return out.getvalue()

def kaggle_cli(*args):
    "Run the `kaggle` command of this environment, as a user would, in a subprocess."
    return subprocess.run([str(Path(sys.executable).parent/'kaggle'), *map(str, args)], env=dict(os.environ),
                          capture_output=True, text=True, timeout=120)

# --- A simulated Kaggle session, offline (45_kernels, 35_pipeline) ---
import shutil

def _isolator() -> list:
    "The prefix that runs a command with no network: `unshare -n` (root), else `unshare -rn` (user namespace), else none."
    for prefix in (['unshare', '-n'], ['unshare', '-rn']):
        if shutil.which('unshare') and subprocess.run([*prefix, 'true'], capture_output=True).returncode == 0: return prefix
    print("WARNING: cannot isolate the network here (no unshare); the offline tests run with the network reachable")
    return []

ISOLATE = _isolator()
def offline(cmd:list) -> list: return [*ISOLATE, *cmd]

def kaggle_layout(root, lib=None, data=None, weights=None):
    "A simulated /kaggle tree under `root`: the library dataset, the competition data, and a weights dataset."
    from biomass_kit.core import COMPETITION_SLUG
    root = Path(root)
    (root/'working').mkdir(parents=True, exist_ok=True)
    if lib: shutil.copytree(lib, root/'input'/'biomass-kit-lib')
    if data: shutil.copytree(data, root/'input'/COMPETITION_SLUG)
    if weights: shutil.copytree(weights, root/'input'/'biomass-kit-weights')
    return root

def run_offline_python(code:str, kaggle:Path, site:Path, timeout=300):
    "Run `code` like a Kaggle notebook cell would: KAGGLE_ROOT set, no network, pip installing into `site`."
    site.mkdir(parents=True, exist_ok=True)   # like site-packages: there before Python starts
    (kaggle/'tmp').mkdir(exist_ok=True)       # the kernel's own temp folder (its image cache), not this machine's /tmp
    env = {k: v for k, v in os.environ.items() if not k.startswith(('KAGGLE_', 'PIP_', 'PYTHONPATH'))}
    env.update(KAGGLE_ROOT=str(kaggle), KAGGLE_KERNEL_RUN_TYPE='Batch', PIP_TARGET=str(site), PYTHONPATH=str(site), TMPDIR=str(kaggle/'tmp'),
               PIP_NO_CACHE_DIR='1', PATH=f"{site/'bin'}:{env['PATH']}", NO_ALBUMENTATIONS_UPDATE='1')
    return subprocess.run(offline([sys.executable, '-c', code]), env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=kaggle/'working')

def run_notebook_offline(nb_path:Path, kaggle:Path, site:Path, timeout=600):
    "Execute the notebook `nb_path` like a Kaggle session: offline, under KAGGLE_ROOT=`kaggle`, installing into `site`."
    code = ("from execnb.shell import CaptureShell\n"
            f"CaptureShell().execute({str(nb_path)!r}, {str(nb_path.with_suffix('.run.ipynb'))!r}, exc_stop=True)")
    r = run_offline_python(code, kaggle, site, timeout=timeout)
    if r.returncode: print(r.stdout[-3000:], r.stderr[-6000:])
    return r
