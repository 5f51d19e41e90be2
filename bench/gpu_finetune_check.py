"""The CUDA-only paths of the fine-tuning options, checked once on a GPU (issue 15's untested parts, issue 16's method).

1. `create_model` inside `with torch.device('cuda')` (it used to fail converting a CUDA tensor to numpy).
2. One end-to-end `train()` on CUDA of a ViT-S/14 DINOv2 (random init) on a synthetic competition with every fine-tuning
   option at once: two halves + the whole photo, the proportions head, bf16, gradient checkpointing, two stages, layer
   decay, warm-up, accumulation, 2 folds and a full fit, and `--auto-batch` under a GPU memory cap that makes the
   configured batch run out of memory (so it must halve). Records the score, the batch it chose and the submission check.
3. `--compile` on CUDA: a compiled model's output against the eager one.

Each item runs in its own `try`; the JSON (`gpu_finetune_check.json`) and the log record any failure with its traceback.
Usage: python bench/gpu_finetune_check.py [--out DIR] [--smoke]   (--smoke: CPU, tiny sizes, checks the script only)
"""
import argparse, contextlib, io, json, os, sys, tempfile, time, traceback
from pathlib import Path
os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')
import torch

T0 = time.time()
def log(*a): print(f"[{time.time()-T0:6.1f}s]", *a, flush=True)

def attempt(results:dict, key:str, fn, *args):
    log(f"== {key}")
    try: results[key] = fn(*args)
    except Exception as e:
        results[key] = {'error': f"{type(e).__name__}: {e}", 'traceback': traceback.format_exc()[-4000:]}
    log(key, json.dumps(results[key])[:1500])

def subclass_under_autocast(device:str) -> dict:
    "A conv with a bias on fastai's TensorImage under bf16 autocast, as the batches reach the model, against a plain tensor."
    from fastai.torch_core import TensorImage
    conv, x, r = torch.nn.Conv2d(3, 8, 3).to(device), torch.randn(2, 3, 16, 16, device=device), {}
    for name, inp in (('plain', x), ('TensorImage', TensorImage(x))):
        try:
            with torch.autocast(device, dtype=torch.bfloat16): r[name] = str(conv(inp).dtype)
        except RuntimeError as e: r[name] = f"RuntimeError: {e}"
    return r

def model_on_device_context(device:str) -> dict:
    from biomass_kit.config import ExperimentConfig
    from biomass_kit.model import create_model
    import numpy as np
    cfg = ExperimentConfig(model='vit_small_patch14_dinov2', pretrained=False, image_size=56, two_view=True, interval_bins=7, metadata_mode='none')
    with torch.device(device): m = create_model(cfg, train_targets=np.random.default_rng(0).gamma(2, 10, (20, 5)).cumsum(1))
    return {'ok': True, 'parameter_device': str(next(m.parameters()).device)}

def end_to_end(device:str, smoke:bool, tmp:Path) -> dict:
    from biomass_kit.config import ExperimentConfig
    from biomass_kit.synth import make_synthetic_competition
    from biomass_kit.train import train
    from biomass_kit.submission import check_submission
    import pandas as pd
    data = make_synthetic_competition(tmp/'data', 24 if smoke else 96, 8 if smoke else 32, (224, 112) if smoke else (1024, 512), seed=0)
    cap = None
    if device == 'cuda':
        total = torch.cuda.get_device_properties(0).total_memory
        cap = 3.0 * 2**30    # a 3 GiB card: a batch of 48 photos (3 views each) at 224 px does not fit
        torch.cuda.set_per_process_memory_fraction(cap / total)
    cfg = ExperimentConfig(train_csv=str(data/'train.csv'), test_csv=str(data/'test.csv'),
                           sample_submission=str(data/'sample_submission.csv'), output_dir=str(tmp/'runs'),
                           model='vit_small_patch14_dinov2', pretrained=False, image_size=56 if smoke else 224,
                           two_view=True, views='halves+whole', head='proportions', precision='bf16',
                           grad_checkpointing=True, freeze_epochs=1, unfreeze_blocks=2, layer_decay=0.8, warmup_epochs=1,
                           epochs=3, batch_size=8 if smoke else 48, grad_accum=2, auto_batch=True, n_folds=2,
                           full_fit=True, num_workers=0 if smoke else 4, device=device, seed=0)
    out = io.StringIO()
    t = time.time()
    with contextlib.redirect_stdout(out): run = train(cfg)
    lines = out.getvalue().splitlines()
    summary = json.loads((run/'run_summary.json').read_text())
    sub = pd.read_csv(run/'submission.csv')
    return {'seconds': round(time.time() - t, 1), 'memory_cap_gib': None if cap is None else cap / 2**30,
            'auto_batch_lines': [l for l in lines if '--auto-batch' in l],
            'score': summary.get('score'), 'submission_from': summary.get('submission_from'),
            'submission_problems': check_submission(sub, pd.read_csv(data/'test.csv')),
            'peak_gib': round(torch.cuda.max_memory_allocated() / 2**30, 2) if device == 'cuda' else None,
            'last_lines': lines[-6:]}

def compiled_vs_eager(device:str) -> dict:
    from biomass_kit.config import ExperimentConfig
    from biomass_kit.model import create_model
    from biomass_kit.finetune import compile_model
    import numpy as np
    cfg = ExperimentConfig(model='vit_small_patch14_dinov2', pretrained=False, image_size=112, two_view=True, metadata_mode='none')
    m = create_model(cfg, train_targets=np.random.default_rng(0).gamma(2, 10, (20, 5))).to(device).eval()
    x = torch.randn(4, 3, 112, 224, device=device)
    with torch.no_grad(): ref = m(x)['grams']
    t = time.time()
    compile_model(m)
    with torch.no_grad(): out = m(x)['grams']
    first = time.time() - t
    return {'max_abs_diff_grams': float((out - ref).abs().max()), 'first_call_seconds': round(first, 1)}

def dtype_diagnosis(device:str, smoke:bool, tmp:Path) -> dict:
    "Which combination of options gives the patch embedding a low-precision input outside autocast: one fit of one batch each."
    from biomass_kit.config import ExperimentConfig
    from biomass_kit.synth import make_synthetic_competition
    from biomass_kit.loaders import read_training_table
    from biomass_kit.train import fold_learner
    data = make_synthetic_competition(tmp/'diag', 16, 4, (224, 112), seed=0)
    base = dict(train_csv=str(data/'train.csv'), model='vit_small_patch14_dinov2', pretrained=False, image_size=56,
                two_view=True, epochs=1, batch_size=4, n_folds=2, num_workers=0, device=device, seed=0, metadata_mode='none')
    combos = {'fp16': dict(precision='fp16'), 'bf16': dict(precision='bf16'),
              'bf16+ckpt': dict(precision='bf16', grad_checkpointing=True),
              'bf16+whole': dict(precision='bf16', views='halves+whole'),
              'bf16+auto_batch': dict(precision='bf16', auto_batch=True),
              'fp16+auto_batch': dict(precision='fp16', auto_batch=True),
              'bf16+head_proportions': dict(precision='bf16', head='proportions'),
              'bf16+two_stage': dict(precision='bf16', freeze_epochs=1, unfreeze_blocks=2),
              'bf16+layer_decay': dict(precision='bf16', layer_decay=0.8)}
    out = {}
    for name, kw in combos.items():
        seen, r = [], {}
        try:
            cfg = ExperimentConfig(**base, **kw)
            table = read_training_table(cfg)
            hook = None
            def pre(mod, args): seen.append((str(args[0].dtype), type(args[0]).__name__, torch.is_autocast_enabled(device) if device == 'cuda' else None))
            s = fold_learner(cfg, table, range(8, 16))
            hook = s.learn.model.backbone.patch_embed.proj.register_forward_pre_hook(pre)
            with contextlib.redirect_stdout(io.StringIO()): s.learn.fit(1, 1e-4)
            r['ok'] = True
        except Exception as e: r['error'] = f"{type(e).__name__}: {str(e)[:300]}"
        r['patch_embed_inputs'] = sorted(set(map(str, seen)))
        out[name] = r
        log('diag', name, json.dumps(r))
    return out

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', default=os.environ.get('OUT') or str(Path(__file__).parent/'gpu'), help='folder for gpu_finetune_check.json')
    p.add_argument('--smoke', action='store_true', help='CPU, tiny sizes: checks the script; figures meaningless')
    p.add_argument('--only-diagnosis', action='store_true', help='only the dtype diagnosis (one batch per combination of options)')
    args = p.parse_args()
    device = 'cpu' if args.smoke or not torch.cuda.is_available() else 'cuda'
    results = {'device': torch.cuda.get_device_name(0) if device == 'cuda' else 'cpu', 'torch': torch.__version__}
    with tempfile.TemporaryDirectory() as tmp:
        attempt(results, 'dtype_diagnosis', dtype_diagnosis, device, args.smoke, Path(tmp))
        if args.only_diagnosis:
            Path(args.out).mkdir(parents=True, exist_ok=True)
            (Path(args.out)/'gpu_finetune_diagnosis.json').write_text(json.dumps(results, indent=1, default=str)); return
        attempt(results, 'subclass_under_autocast', subclass_under_autocast, device)
        attempt(results, 'model_under_device_context', model_on_device_context, device)
        attempt(results, 'end_to_end', end_to_end, device, args.smoke, Path(tmp))
        if device == 'cuda': torch.cuda.set_per_process_memory_fraction(1.0)
        if not args.smoke: attempt(results, 'compile', compiled_vs_eager, device)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out)/'gpu_finetune_check.json').write_text(json.dumps(results, indent=1, default=str))
    log('done')

if __name__ == '__main__': main()
