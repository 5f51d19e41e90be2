"""GPU check (issue 16): the kit's CUDA paths measured on a real GPU, in one run.

Every measurement runs in its own try/except: a failure is recorded (error and traceback summary) in the JSON and the
others go on. Random-init weights only (no downloads). In order of value:
1. train: one AdamW training step of the kit's whole model (`create_model` of a recipe's configuration, two views,
   random targets, `BiomassLoss`): photos/s and peak `torch.cuda.max_memory_allocated`, for ViT-S/14 DINOv2 at 518 px
   per half and ViT-L/16 DINOv3 at 1024 px per half; fp16 (autocast + GradScaler, as fastai's MixedPrecision) vs bf16
   vs fp32; gradient checkpointing on/off; batch 1, 2, 4 photos. From the peaks: the largest batch that fits a 16 GB
   card (T4/P100), DERIVED from these figures by a linear fit of peak memory over batch (not measured on such a card).
2. loop: the kit's fastai Learner (`train.fold_learner`: EMA, snapshots, curriculum, clipping, metrics, MixedPrecision)
   vs a bare PyTorch loop (AdamW, the same autocast and GradScaler) on the same model, weights and batches, resnet18 at
   224 px per half, synthetic photos; one-epoch fits, best of each, wall clock with CUDA synchronised.
3. predict: a tiny run trained on CUDA by `train.train`, then `Predictor` fp16 vs fp32 on CUDA (and CPU): max abs
   difference in grams and photos/s; ONNX Runtime's providers (the CUDA one timed if listed).
4. decode: the kit's CPU loader (`images.load_image`) vs `torchvision.io.decode_jpeg(device='cuda')` (nvJPEG) on
   full-size 2000x1000 synthetic photos, photos/s.
5. cuda_cells: the `#| cuda` cells of nbs/24_finetune and nbs/31_infer (31's is item 3's comparison), GpuAugment on a
   CUDA batch, and a DDP step with the nccl backend (world size 1).
Items 1 and 4 fall back to plain timm/torch when the kit (fastai) cannot be imported.
Usage: python bench/gpu_check.py [--out DIR] [--only train,loop,...] [--budget 300]
       python bench/gpu_check.py --smoke   # CPU, tiny sizes: checks the script itself, figures meaningless
Writes DIR/gpu_check.json (default bench/gpu/) and prints a Markdown table.
"""
import argparse, contextlib, io, json, os, platform, sys, tempfile, time, traceback
from pathlib import Path

T0 = time.time()
R = {'started': time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime()), 'items': {}}

def log(*a): print(f"[{time.time()-T0:6.1f}s]", *a, flush=True)

def error_record(e) -> dict:
    "The error's type and message, and the last frames of its traceback."
    tb = traceback.format_exception(type(e), e, e.__traceback__)
    return {'error': f"{type(e).__name__}: {str(e)[:600]}", 'traceback': ''.join(tb)[-2500:]}

def attempt(store:dict, key:str, fn, *args, **kwargs):
    "Run `fn`, store its result (a dict) or its error under `store[key]`; never raises."
    t = time.time()
    try: out = fn(*args, **kwargs)
    except BaseException as e:
        if isinstance(e, KeyboardInterrupt): raise
        out = error_record(e); log(f"FAILED {key}: {out['error'][:300]}")
    if isinstance(out, dict): out.setdefault('seconds', round(time.time() - t, 2))
    if 'error' in out and isinstance(store.get(key), dict): store[key].update(out)   # keep what a failing item measured before
    else: store[key] = out
    return out

def sync():
    import torch
    if torch.cuda.is_available(): torch.cuda.synchronize()

def kit_import_status() -> dict:
    "Whether the kit and its fastai/albumentations stack import here (the device may lack them)."
    st = {}
    for mod in ('fastcore', 'fastai', 'albumentations', 'biomass_kit.model', 'biomass_kit.loaders', 'biomass_kit.runs', 'biomass_kit.train', 'biomass_kit.finetune', 'biomass_kit.infer'):
        try: __import__(mod); st[mod] = 'ok'
        except BaseException as e: st[mod] = f"{type(e).__name__}: {e}"
    return st

def machine() -> dict:
    import torch
    m = {'python': platform.python_version(), 'torch': torch.__version__, 'cuda_available': torch.cuda.is_available()}
    for mod in ('timm', 'torchvision', 'onnxruntime', 'fastai', 'albumentations'):
        try: m[mod] = __import__(mod).__version__
        except BaseException as e: m[mod] = f"missing ({type(e).__name__})"
    if torch.cuda.is_available():
        p = torch.cuda.get_device_properties(0)
        m.update(gpu=torch.cuda.get_device_name(0), gpu_memory_gib=round(p.total_memory/2**30, 1),
                 capability=f"{p.major}.{p.minor}", cuda=torch.version.cuda, cudnn=torch.backends.cudnn.version())
    m['cpu_count'] = os.cpu_count()
    return m

# ---------------------------------------------------------------- 1. training step throughput and peak memory
def resolve_model(name:str) -> tuple:
    "`name` if this timm has it, else the closest ViT-L/16 it has, and a note saying so."
    import timm
    if name in timm.list_models(): return name, None
    for alt in ('vit_large_patch16_dinov3', 'vit_large_patch16_rope_224', 'vit_large_patch16_224'):
        if alt in timm.list_models(): return alt, f"{name} is not in timm {timm.__version__}; measured {alt} instead"
    raise RuntimeError(f"no ViT-L/16 in timm {timm.__version__}")

def build_train_model(name:str, size:int, recipe:str, use_kit:bool, device):
    "The kit's whole model of `recipe` with `name` at `size` per half (random init), its loss, and whether it is the kit's."
    import torch, numpy as np
    if use_kit:
        from biomass_kit.finetune import recipe_config
        from biomass_kit.model import create_model
        from biomass_kit.losses import BiomassLoss
        from biomass_kit.spec import TARGETS
        cfg = recipe_config(recipe).replace(model=name, pretrained=False, weights=None, image_size=size, metadata_mode='none',
                                            two_view=True, grad_checkpointing=False)
        y = np.random.default_rng(0).gamma(2.0, 20.0, size=(32, len(TARGETS)))
        try:   # initialise on the GPU (a ViT-L takes a minute on a few CPU cores); on CPU if that fails
            with device: model = create_model(cfg, train_targets=y).to(device)
        except Exception as e:
            log(f"create_model on {device} failed ({type(e).__name__}: {e}); building on CPU")
            model = create_model(cfg, train_targets=y).to(device)
        return model, BiomassLoss.from_config(cfg, model), cfg.to_dict()
    import timm
    model = timm.create_model(name, pretrained=False, num_classes=5, img_size=size).to(device)
    class TwoViews(torch.nn.Module):   # plain stand-in: views through one backbone, mean of the views
        def __init__(self, m): super().__init__(); self.m = m
        def forward(self, x): return {'grams': self.m(x.flatten(0, 1)).reshape(x.shape[0], 2, -1).mean(1).float().exp()}
    return TwoViews(model), (lambda out, y: ((out['grams'].log1p() - y.log1p())**2).mean()), {'model': name, 'plain_timm': True}

def set_checkpointing(model, on:bool, use_kit:bool):
    if use_kit:
        from biomass_kit.finetune import set_grad_checkpointing
        return set_grad_checkpointing(model, on)
    model.m.set_grad_checkpointing(on)

def train_step_figures(model, loss_fn, precision:str, batch:int, size:int, device, target_seconds:float=1.0) -> dict:
    "Photos/s of AdamW training steps (autocast `precision`; GradScaler for fp16) and the peak memory of them."
    import torch
    torch.cuda.empty_cache(); torch.cuda.reset_peak_memory_stats()
    base = torch.cuda.memory_allocated()
    dtype = {'fp16': torch.float16, 'bf16': torch.bfloat16, 'fp32': None}[precision]
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5)
    scaler = torch.amp.GradScaler('cuda', enabled=precision == 'fp16')
    x = torch.randn(batch, 2, 3, size, size, device=device)
    y = torch.rand(batch, 5, device=device)*100
    model.train()
    def step():
        with torch.autocast('cuda', dtype=dtype or torch.float32, enabled=dtype is not None):
            loss = loss_fn(model(x), y)
        scaler.scale(loss).backward(); scaler.step(opt); scaler.update(); opt.zero_grad(set_to_none=True)
        return loss
    try:
        t = time.perf_counter(); loss = step(); sync(); first = time.perf_counter() - t
        t = time.perf_counter(); step(); sync(); second = time.perf_counter() - t
        n = int(max(2, min(10, target_seconds/max(second, 1e-3))))
        t = time.perf_counter()
        for _ in range(n): loss = step()
        sync(); dt = (time.perf_counter() - t)/n
        return {'photos_per_s': round(batch/dt, 2), 'views_per_s': round(2*batch/dt, 2), 'seconds_per_step': round(dt, 4),
                'peak_gib': round(torch.cuda.max_memory_allocated()/2**30, 3),
                'peak_reserved_gib': round(torch.cuda.max_memory_reserved()/2**30, 3),
                'model_weights_gib': round(base/2**30, 3), 'timed_steps': n, 'first_step_s': round(first, 3),
                'loss_finite': bool(torch.isfinite(loss).item())}
    finally:
        del opt, scaler, x, y
        for p in model.parameters(): p.grad = None
        torch.cuda.empty_cache()

def fits_16gb(rows:dict, limit_gib:float) -> dict:
    "Per (precision, checkpointing): the largest batch whose peak, fitted linearly over the measured batches, is under `limit_gib`."
    import numpy as np
    out = {}
    for key in sorted({k.rsplit('_b', 1)[0] for k in rows}):
        pts = [(int(k.rsplit('_b', 1)[1]), v['peak_gib']) for k, v in rows.items() if k.rsplit('_b', 1)[0] == key and 'peak_gib' in v]
        if len(pts) < 2: out[key] = {'note': f'{len(pts)} measured batch(es): no fit'}; continue
        b, m = np.array(pts, dtype=float).T
        slope, icpt = np.polyfit(b, m, 1)
        best = int((limit_gib - icpt)//slope) if slope > 0 else None
        out[key] = {'gib_per_photo': round(float(slope), 3), 'gib_at_zero': round(float(icpt), 3),
                    'largest_batch_16gb': max(best, 0) if best is not None else None}
    return out

def item_train(args, use_kit:bool, device) -> dict:
    import torch
    res = R['items']['train'] = {'what': "one AdamW step of the whole kit model (two views, BiomassLoss, random init), photos/s and peak allocated",
           'kit_model': use_kit, 'limit_16gb_gib': args.limit_16gb,
           'limit_16gb_note': f"a 16 GB T4/P100 exposes ~14.6-15.9 GiB; {args.limit_16gb} GiB of allocations leaves room for the CUDA context and fragmentation; DERIVED from H200 peaks, not measured on such a card (a T4 has no flash attention: memory-efficient SDPA; bf16 is not available on T4/P100)",
           'models': {}}
    specs = [('vit_small_patch14_dinov2', args.size_s, 'dinov2_base_halves_518'),
             ('vit_large_patch16_dinov3', args.size_l, 'dinov3_large_halves_1024')]
    deadline = T0 + args.train_budget
    for name, size, recipe in specs:
        entry = res['models'].setdefault(f"{name}@{size}", {'recipe': recipe, 'size_per_half': size, 'rows': {}})
        if time.time() > deadline: entry['skipped'] = 'time budget of item 1 spent'; continue
        try:
            real, note = resolve_model(name)
            if note: entry['note'] = note; log(note)
            model, loss_fn, cfg = build_train_model(real, size, recipe, use_kit, device)
            entry.update(timm_name=real, params_m=round(sum(p.numel() for p in model.parameters())/1e6, 1),
                         config={k: cfg.get(k) for k in ('model', 'view_fusion', 'head', 'interval_bins', 'two_view', 'drop_path') if k in cfg})
        except BaseException as e:
            entry.update(error_record(e)); log(f"FAILED building {name}: {entry['error'][:300]}"); continue
        for precision in args.precisions:
            for ckpt in (True, False):
                try: set_checkpointing(model, ckpt, use_kit)
                except BaseException as e: entry['rows'][f"{precision}_ckpt{int(ckpt)}"] = error_record(e); continue
                for batch in args.batches:
                    key = f"{precision}_ckpt{int(ckpt)}_b{batch}"
                    if time.time() > deadline: entry['rows'][key] = {'skipped': 'time budget of item 1 spent'}; continue
                    try:
                        r = train_step_figures(model, loss_fn, precision, batch, size, device)
                        log(f"train {name} {size}px {key}: {r['photos_per_s']} photos/s, peak {r['peak_gib']} GiB")
                    except torch.cuda.OutOfMemoryError as e:
                        r = {'oom': True, 'error': str(e)[:300]}; log(f"train {name} {key}: OOM")
                        torch.cuda.empty_cache()
                    except BaseException as e:
                        r = error_record(e); log(f"FAILED train {name} {key}: {r['error'][:300]}")
                    entry['rows'][key] = r
                    if r.get('oom'): break
        entry['derived_16gb'] = fits_16gb({k: v for k, v in entry['rows'].items() if '_b' in k}, args.limit_16gb)
        del model; torch.cuda.empty_cache()
        write(R, Path(args.out))   # what is measured survives a timeout
    return res

# ---------------------------------------------------------------- 2. fastai loop vs bare loop
def synthetic(folder:Path, n_train:int, n_test:int, wh:tuple, seed:int=0) -> Path:
    from biomass_kit.synth import make_synthetic_competition
    with contextlib.redirect_stdout(io.StringIO()):
        return make_synthetic_competition(folder, n_train=n_train, n_test=n_test, image_size=wh, seed=seed)

def item_loop(args, tmp:Path) -> dict:
    import copy, numpy as np, torch
    from fastai.callback.core import Callback
    from biomass_kit.config import ExperimentConfig
    from biomass_kit.loaders import read_training_table
    from biomass_kit.train import fold_learner, grams_of
    from biomass_kit.loaders import assign_folds
    from biomass_kit.callbacks import plain_batch
    s = args.loop_size
    comp = synthetic(tmp/'loop', args.loop_n, 2, (2*s, s))
    cfg = ExperimentConfig(train_csv=str(comp/'train.csv'), model='resnet18', pretrained=False, image_size=s, epochs=2, batch_size=16,
                           metadata_mode='none', ema_decay=0.99, snapshot_count=2, curriculum=True, cache_dir=str(tmp/'loop-cache'),
                           device='cuda' if torch.cuda.is_available() else 'cpu', seed=0, num_workers=args.workers)
    table = read_training_table(cfg)
    valid_idx = np.flatnonzero(assign_folds(cfg, table).to_numpy() == cfg.val_fold)
    learn = fold_learner(cfg, table, valid_idx).learn
    class WallEpochs(Callback):
        order = 1000
        def before_fit(self): self.seconds = []
        def before_epoch(self): sync(); self.t0 = time.perf_counter()
        def after_epoch(self): sync(); self.seconds.append(time.perf_counter() - self.t0)
    clock = WallEpochs(); learn.add_cb(clock)
    start = copy.deepcopy(learn.model.state_dict())
    list(learn.dls.train); list(learn.dls.valid)   # fill the image cache
    amp = learn.dls.device.type == 'cuda'
    def kit_fit(n):
        learn.model.load_state_dict(start)
        with learn.no_bar(), learn.no_logging(), contextlib.redirect_stdout(io.StringIO()):
            sync(); t = time.perf_counter(); learn.fit(n, lr=cfg.lr); sync()
        return time.perf_counter() - t, list(clock.seconds)
    def bare_epoch():
        model = learn.model; model.load_state_dict(start)
        opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        scaler = torch.amp.GradScaler('cuda', enabled=amp)
        sync(); t = time.perf_counter(); model.train()
        for b in map(plain_batch, learn.dls.train):
            with torch.autocast('cuda', dtype=torch.float16, enabled=amp): loss = learn.loss_func(model(b[0]), *b[1:])
            opt.zero_grad(); scaler.scale(loss).backward(); scaler.step(opt); scaler.update()
        model.eval()
        with torch.no_grad(), torch.autocast('cuda', dtype=torch.float16, enabled=amp):
            torch.cat([grams_of(model(b[0])).float() for b in map(plain_batch, learn.dls.valid)])
        sync(); return time.perf_counter() - t
    kit, bare = [], []
    for i in range(args.loop_repeat):
        for which in (('kit', 'bare') if i % 2 == 0 else ('bare', 'kit')):
            if which == 'kit': kit += kit_fit(1)[1]
            else: bare.append(bare_epoch())
    fit_s, fit_epochs = kit_fit(2)
    r = {'model': 'resnet18', 'size_per_half': s, 'n_train': int(len(table) - len(valid_idx)), 'n_valid': int(len(valid_idx)),
         'batch_size': 16, 'num_workers': args.workers, 'steps_per_epoch': len(learn.dls.train), 'clock': 'wall, CUDA synchronised',
         'amp_both': 'fp16' if amp else 'off', 'kit_epochs_s': [round(x, 3) for x in kit], 'bare_epochs_s': [round(x, 3) for x in bare],
         'kit_epoch_s': round(min(kit), 3), 'bare_epoch_s': round(min(bare), 3), 'overhead': round(min(kit)/min(bare) - 1, 4),
         'one_time_s_per_fit': round(fit_s - sum(fit_epochs), 3),
         'kit_callbacks': [type(c).__name__ for c in learn.cbs]}
    log(f"loop: kit {r['kit_epoch_s']} s vs bare {r['bare_epoch_s']} s per epoch: overhead {100*r['overhead']:+.1f}%")
    return r

# ---------------------------------------------------------------- 3. predictor fp16 vs fp32, ONNX Runtime
def item_predict(args, tmp:Path) -> dict:
    import numpy as np, torch
    from biomass_kit.config import ExperimentConfig
    from biomass_kit.train import train
    from biomass_kit.infer import Predictor
    from biomass_kit.data import read_test_csv, to_wide
    s, cuda = args.predict_size, torch.cuda.is_available()
    comp = synthetic(tmp/'pred', args.predict_n_train, args.predict_n_test, (2*s, s), seed=1)
    cfg = ExperimentConfig(train_csv=str(comp/'train.csv'), model='resnet18', pretrained=False, image_size=s, epochs=2, batch_size=8,
                           device='cuda' if cuda else 'cpu', snapshot_count=0, ema_decay=0.0, curriculum=False, metadata_mode='none',
                           output_dir=str(tmp/'runs'), n_folds=1, num_workers=args.workers)
    t = time.time()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()): run = train(cfg)
    r = {'model': 'resnet18', 'size_per_half': s, 'trained_on': cfg.device, 'train_s': round(time.time() - t, 2),
         'n_test_photos': args.predict_n_test}
    log(f"predict: tiny run trained on {cfg.device} in {r['train_s']} s")
    wide = to_wide(read_test_csv(comp/'test.csv'))
    def timed(pred):
        pred.predict_raw(wide.iloc[:4], image_dir=comp)   # warm-up
        sync(); t = time.perf_counter(); p = pred.predict_raw(wide, image_dir=comp); sync()
        return p, len(wide)/(time.perf_counter() - t)
    preds = {}
    for label, device, fp16 in (('cuda_fp32', 'cuda', False), ('cuda_fp16', 'cuda', True), ('cpu_fp32', 'cpu', False)):
        if device == 'cuda' and not cuda: continue
        try:
            p, rate = timed(Predictor.from_runs(run, device=device, fp16=fp16))
            preds[label] = p; r[f'{label}_photos_per_s'] = round(rate, 2)
        except BaseException as e: r[label] = error_record(e)
    if 'cuda_fp32' in preds and 'cuda_fp16' in preds:
        g32, g16 = preds['cuda_fp32'], preds['cuda_fp16']
        r['max_abs_diff_fp16_vs_fp32_g'] = float(np.abs(g16 - g32).max()); r['max_abs_grams_fp32'] = float(np.abs(g32).max())
        r['nb31_cuda_cell_fp16_within_1pct'] = bool(np.abs(g16 - g32).max() <= 1e-2*np.abs(g32).max())
    if 'cuda_fp32' in preds and 'cpu_fp32' in preds:
        r['max_abs_diff_cuda_vs_cpu_fp32_g'] = float(np.abs(preds['cuda_fp32'] - preds['cpu_fp32']).max())
        r['nb31_cuda_cell_cuda_vs_cpu_within_0.1pct'] = bool(np.abs(preds['cuda_fp32'] - preds['cpu_fp32']).max() <= 1e-3*np.abs(preds['cuda_fp32']).max())
    try:
        import onnxruntime as ort
        r['onnxruntime_providers'] = ort.get_available_providers()
        if 'CUDAExecutionProvider' in r['onnxruntime_providers']:
            from biomass_kit.export import export_model
            from biomass_kit.infer import onnx_predictor
            with contextlib.redirect_stdout(io.StringIO()): path = export_model(run)
            po = onnx_predictor(path) if 'providers' not in onnx_predictor.__code__.co_varnames else onnx_predictor(path, providers=['CUDAExecutionProvider'])
            p, rate = timed(po)
            r['onnx_cuda_photos_per_s'] = round(rate, 2)
            if 'cuda_fp32' in preds: r['max_abs_diff_onnx_vs_torch_fp32_g'] = float(np.abs(p - preds['cuda_fp32']).max())
        else: r['onnx_cuda'] = 'not timed: onnxruntime here has no CUDAExecutionProvider'
    except BaseException as e: r['onnx'] = error_record(e)
    return r

# ---------------------------------------------------------------- 4. decoding: CPU loader vs nvJPEG
def item_decode(args, tmp:Path, use_kit:bool) -> dict:
    import numpy as np, torch, torchvision
    from torchvision.io import decode_jpeg, read_file
    wh = tuple(args.photo_size)
    if use_kit: folder = synthetic(tmp/'decode', args.decode_n, 1, wh, seed=2)/'train'
    else:   # plain stand-in: noisy photos written by OpenCV at the same size
        import cv2
        folder = tmp/'decode'; folder.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(0)
        for i in range(args.decode_n):
            img = cv2.GaussianBlur(rng.integers(0, 255, (wh[1], wh[0], 3), dtype=np.uint8), (5, 5), 0)
            cv2.imwrite(str(folder/f'{i}.jpg'), img, [cv2.IMWRITE_JPEG_QUALITY, 95])
    files = sorted(folder.glob('*.jpg'))[:args.decode_n]
    r = {'photos': len(files), 'photo_size': f"{wh[0]}x{wh[1]}", 'mean_file_mb': round(np.mean([f.stat().st_size for f in files])/1e6, 2),
         'synthetic_by': 'biomass_kit.synth' if use_kit else 'opencv noise'}
    load_wh = (2*args.size_s, args.size_s)   # the load size of the ViT-S recipe: two 518 px halves
    if use_kit:
        from biomass_kit.images import load_image
        for label, size in (('kit_cpu_full', None), (f'kit_cpu_{load_wh[0]}x{load_wh[1]}', load_wh)):
            load_image(files[0], size)
            t = time.perf_counter()
            for f in files: load_image(f, size)
            r[f'{label}_photos_per_s'] = round(len(files)/(time.perf_counter() - t), 2)
        r['kit_cpu_threads'] = 'one process, one photo at a time (per-core figure)'
    if torch.cuda.is_available():
        datas = [read_file(str(f)) for f in files]
        decode_jpeg(datas[0], device='cuda'); sync()
        t = time.perf_counter()
        for d in datas: decode_jpeg(d, device='cuda')
        sync(); r['nvjpeg_one_by_one_photos_per_s'] = round(len(files)/(time.perf_counter() - t), 2)
        t = time.perf_counter(); out = decode_jpeg(datas, device='cuda'); sync()
        r['nvjpeg_batched_photos_per_s'] = round(len(files)/(time.perf_counter() - t), 2)
        t = time.perf_counter()
        for f in files:
            img = decode_jpeg(read_file(str(f)), device='cuda')
            torch.nn.functional.interpolate(img[None].float(), size=(load_wh[1], load_wh[0]), mode='bilinear', antialias=True)
        sync(); r[f'nvjpeg_read_decode_resize_{load_wh[0]}x{load_wh[1]}_photos_per_s'] = round(len(files)/(time.perf_counter() - t), 2)
        if use_kit:   # the same pixels? nvJPEG vs the kit's full-size CPU decode
            ref = torch.from_numpy(load_image(files[0])).permute(2, 0, 1)
            r['nvjpeg_vs_cpu_mean_abs_diff'] = round(float((out[0].cpu().float() - ref.float()).abs().mean()), 3)
    return r

# ---------------------------------------------------------------- 5. the `#| cuda` cells, GpuAugment, DDP
def item_cuda_cells(args) -> dict:
    import torch
    res = {}
    cuda = torch.cuda.is_available()
    dev = 'cuda' if cuda else 'cpu'   # cpu: --smoke only (gloo instead of nccl)
    def nb24():
        from fastcore.test import test_eq
        from biomass_kit.config import ExperimentConfig
        from biomass_kit.finetune import precision_callback
        test_eq(precision_callback(ExperimentConfig(), torch.device('cuda')).amp_mode.value, 'fp16')
        test_eq(precision_callback(ExperimentConfig(precision='fp32'), torch.device('cuda')), None)
        return {'passed': True, 'bf16_amp_mode': precision_callback(ExperimentConfig(precision='bf16'), torch.device('cuda')).amp_mode.value}
    if cuda: attempt(res, 'nb24_precision_callback', nb24)
    def gpu_augment():
        from fastai.torch_core import TensorImage
        from biomass_kit.loaders import GpuAugment
        aug = GpuAugment(args.size_s, max_rotate=10.)
        x = TensorImage(torch.rand(8, 2, 3, args.size_s, args.size_s, device=dev))
        aug(x, split_idx=0); sync()
        t = time.perf_counter()
        for _ in range(5): y = aug(x, split_idx=0)
        sync(); dt = (time.perf_counter() - t)/5
        return {'shape_kept': tuple(y.shape) == tuple(x.shape), 'device': str(y.device), 'changed': bool((y != x).any()),
                'batch': '8 photos x 2 views', 'size': args.size_s, 'photos_per_s': round(8/dt, 1)}
    attempt(res, 'gpu_augment_cuda', gpu_augment)
    def ddp():
        import torch.distributed as dist
        from torch.nn.parallel import DistributedDataParallel as DDP
        os.environ.setdefault('MASTER_ADDR', '127.0.0.1'); os.environ.setdefault('MASTER_PORT', '29517')
        dist.init_process_group('nccl' if cuda else 'gloo', rank=0, world_size=1)
        try:
            from biomass_kit.model import create_model
            from biomass_kit.finetune import set_grad_checkpointing
            from biomass_kit.callbacks import unwrap_model
            model = create_model(model='resnet18', pretrained=False, image_size=64, metadata_mode='none').to(dev)
            net = DDP(model, device_ids=[0] if cuda else None)
            set_grad_checkpointing(net)   # through the DDP wrapper, as the kit does
            opt = torch.optim.AdamW(net.parameters(), lr=1e-3)
            scaler = torch.amp.GradScaler('cuda', enabled=cuda)
            x = torch.rand(4, 2, 3, 64, 64, device=dev)
            w0 = next(model.parameters()).detach().clone()
            with torch.autocast('cuda', dtype=torch.float16, enabled=cuda): loss = net(x)['grams'].float().mean()
            scaler.scale(loss).backward(); scaler.step(opt); scaler.update()
            t = torch.ones(1, device=dev); dist.all_reduce(t)
            return {'backend': dist.get_backend(), 'world_size': dist.get_world_size(), 'all_reduce': float(t.item()),
                    'step_changed_weights': bool((next(model.parameters()) != w0).any()), 'unwrap_ok': unwrap_model(net) is model}
        finally: dist.destroy_process_group()
    attempt(res, 'ddp_nccl_world1', ddp)
    return res

# ---------------------------------------------------------------- report
def fmt(v, unit=''): return '—' if v is None else f"{v}{unit}"

def markdown(R:dict) -> str:
    m = R.get('machine', {})
    lines = [f"GPU check on **{m.get('gpu', 'no GPU')}** ({m.get('gpu_memory_gib', '?')} GiB), torch {m.get('torch')}, timm {m.get('timm')}, "
             f"CUDA {m.get('cuda')}, Python {m.get('python')}; {R.get('started')}", '',
             '| item | setting | figure |', '| --- | --- | --- |']
    tr = R['items'].get('train', {})
    for mname, e in (tr.get('models') or {}).items():
        if 'error' in e or 'skipped' in e: lines.append(f"| 1 train | {mname} | {'FAILED: ' + e['error'][:150] if 'error' in e else 'skipped: ' + e['skipped']} |"); continue
        for key, v in e['rows'].items():
            if 'photos_per_s' in v: fig = f"{v['photos_per_s']} photos/s ({v['seconds_per_step']} s/step), peak {v['peak_gib']} GiB"
            elif v.get('oom'): fig = 'OOM'
            elif 'skipped' in v: fig = f"skipped ({v['skipped']})"
            else: fig = f"FAILED: {v.get('error', '')[:150]}"
            lines.append(f"| 1 train | {e.get('timm_name', mname)} {e['size_per_half']} px x2 views, {key.replace('_ckpt1', ' ckpt').replace('_ckpt0', ' no-ckpt').replace('_b', ', batch ')} | {fig} |")
        for key, d in (e.get('derived_16gb') or {}).items():
            lines.append(f"| 1 derived 16 GB | {e.get('timm_name', mname)} {e['size_per_half']} px, {key.replace('_ckpt1', ' ckpt').replace('_ckpt0', ' no-ckpt')} | "
                         f"largest batch ≈ {fmt(d.get('largest_batch_16gb'))} ({fmt(d.get('gib_per_photo'))} GiB/photo + {fmt(d.get('gib_at_zero'))} GiB; derived from H200 peaks, limit {tr.get('limit_16gb_gib')} GiB) |")
    for key, label in (('loop', '2 loop'), ('predict', '3 predict'), ('decode', '4 decode')):
        v = R['items'].get(key)
        if v is None: continue
        if 'error' in v or 'skipped' in v: lines.append(f"| {label} | | {'FAILED: ' + v['error'][:200] if 'error' in v else 'skipped: ' + v['skipped']} |"); continue
        if key == 'loop':
            lines.append(f"| {label} | resnet18 {v['size_per_half']} px x2, batch 16, {v['n_train']} photos, AMP {v['amp_both']} | kit {v['kit_epoch_s']} s vs bare {v['bare_epoch_s']} s per epoch: **{100*v['overhead']:+.1f}%** (+{v['one_time_s_per_fit']} s once per fit) |")
        elif key == 'predict':
            lines.append(f"| {label} | resnet18 {v['size_per_half']} px x2, {v['n_test_photos']} photos, whole Predictor | fp32 {fmt(v.get('cuda_fp32_photos_per_s'))} vs fp16 {fmt(v.get('cuda_fp16_photos_per_s'))} photos/s (CPU {fmt(v.get('cpu_fp32_photos_per_s'))}); max abs diff fp16 vs fp32 {fmt(v.get('max_abs_diff_fp16_vs_fp32_g'))} g of max {fmt(v.get('max_abs_grams_fp32'))} g; cuda vs cpu fp32 {fmt(v.get('max_abs_diff_cuda_vs_cpu_fp32_g'))} g |")
            lines.append(f"| {label} | ONNX Runtime providers | {v.get('onnxruntime_providers')}; {v.get('onnx_cuda', '')}{fmt(v.get('onnx_cuda_photos_per_s'), ' photos/s (CUDA EP)') if 'onnx_cuda_photos_per_s' in v else ''} |")
        else:
            rates = ', '.join(f"{k.removesuffix('_photos_per_s')} {x}" for k, x in v.items() if k.endswith('_photos_per_s'))
            lines.append(f"| {label} | {v['photos']} photos {v['photo_size']}, {v['mean_file_mb']} MB | photos/s: {rates} |")
    cells = R['items'].get('cuda_cells') or {}
    if 'error' in cells or 'skipped' in cells: cells = {'all': cells}
    for k, v in cells.items():
        if not isinstance(v, dict): continue
        lines.append(f"| 5 cuda | {k} | {'FAILED: ' + v['error'][:200] if 'error' in v else json.dumps({a: b for a, b in v.items() if a != 'seconds'})} |")
    return '\n'.join(lines)

def write(R:dict, out:Path):
    R['total_seconds'] = round(time.time() - T0, 1)
    out.mkdir(parents=True, exist_ok=True)
    tmp = out/'gpu_check.json.tmp'; tmp.write_text(json.dumps(R, indent=1, default=str)); tmp.replace(out/'gpu_check.json')
    try: (out/'gpu_check.md').write_text(markdown(R) + '\n')
    except BaseException as e: log(f"markdown failed: {type(e).__name__}: {e}")

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', default=os.environ.get('OUT') or str(Path(__file__).parent/'gpu'), help='folder for gpu_check.json and gpu_check.md')
    p.add_argument('--only', default='train,loop,predict,decode,cuda_cells', help='comma-separated items, in the order to run')
    p.add_argument('--smoke', action='store_true', help='CPU check of the script: tiny sizes, small models; figures meaningless')
    p.add_argument('--train-budget', type=float, default=200, help='seconds from the start after which item 1 skips its remaining settings')
    p.add_argument('--limit-16gb', type=float, default=14.0, help='GiB of allocations a 16 GB card is taken to allow')
    a = p.parse_args()
    a.size_s, a.size_l, a.batches, a.precisions = 518, 1024, (1, 2, 4), ('fp16', 'bf16', 'fp32')
    a.loop_size, a.loop_n, a.loop_repeat, a.workers = 224, 96, 3, 4
    a.predict_size, a.predict_n_train, a.predict_n_test, a.decode_n, a.photo_size = 224, 40, 32, 16, (2000, 1000)
    if a.smoke:
        a.size_s, a.size_l, a.batches, a.precisions = 56, 64, (1, 2), ('fp32',)
        a.loop_size, a.loop_n, a.loop_repeat, a.workers = 32, 24, 1, 0
        a.predict_size, a.predict_n_train, a.predict_n_test, a.decode_n, a.photo_size = 32, 16, 6, 3, (400, 200)
    os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')
    import torch
    R['machine'] = machine(); R['args'] = {k: v for k, v in vars(a).items()}
    R['kit_import'] = kit_import_status()
    use_kit = all(v == 'ok' for v in R['kit_import'].values())
    log('machine', json.dumps(R['machine'])); log('kit import', json.dumps(R['kit_import']))
    cuda = torch.cuda.is_available()
    if not cuda and not a.smoke: log('no CUDA device: run with --smoke on CPU'); write(R, Path(a.out)); return 1
    device = torch.device('cuda' if cuda else 'cpu')
    if not cuda:   # smoke: let the CUDA-only helpers run on CPU
        torch.cuda.empty_cache = lambda: None; torch.cuda.reset_peak_memory_stats = lambda *x: None
        torch.cuda.memory_allocated = torch.cuda.max_memory_allocated = torch.cuda.max_memory_reserved = lambda *x: 0
    tmp = Path(tempfile.mkdtemp(prefix='gpu_check_'))
    items = {'train': lambda: item_train(a, use_kit, device), 'loop': lambda: item_loop(a, tmp),
             'predict': lambda: item_predict(a, tmp), 'decode': lambda: item_decode(a, tmp, use_kit),
             'cuda_cells': lambda: item_cuda_cells(a)}
    for name in a.only.split(','):
        if name in ('loop', 'predict', 'cuda_cells') and not use_kit:
            R['items'][name] = {'error': 'not run: the kit does not import here (see kit_import)'}; continue
        log(f"== item {name}")
        attempt(R['items'], name, items[name])
        write(R, Path(a.out))   # after every item: what was measured survives a later crash or timeout
    try: md = markdown(R)
    except BaseException as e: md = f"(table failed: {type(e).__name__}: {e}; see the JSON)"
    print('\n' + md, flush=True)
    write(R, Path(a.out)); log(f"wrote {Path(a.out)/'gpu_check.json'}")
    return 0

if __name__ == '__main__': sys.exit(main())
