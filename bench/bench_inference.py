"""Benchmark 3: prediction speed on CPU, images/s.

1. The model alone, on prepared input batches: PyTorch eager (inference mode) vs ONNX Runtime (the model exported by
   `biomass_kit.export`), at batch 1 and batch 16, same model, same inputs, same thread count.
2. The whole predictor (decode, prepare, model, average) on full-size synthetic photos for each TTA, and its cost
   relative to no TTA: what each transform costs per image.
Without --run-dir a freshly initialised model (no training, pretrained=False) is used: speed does not depend on the
weights. Both runtimes get `--threads` intra-op threads (default 1); figures are timed in CPU seconds of this process,
measurements interleaved over `--rounds` rounds and the best of each kept, so other jobs on the machine do not count.
Target (issue 8): ONNX Runtime at least 1.3x PyTorch eager. Results go to bench/results/inference.json.
Usage: python bench/bench_inference.py [--model resnet18] [--image-size 224] [--run-dir RUN] [--threads 1]
The default model at its size (a few CPU minutes; results in bench/results/inference_<model>_<size>.json):
  python bench/bench_inference.py --model efficientnet_b3 --image-size 352 --n-images 4 --rounds 1
"""
import argparse, contextlib, dataclasses, io, tempfile
from pathlib import Path
import numpy as np
from common import save_results, load_average, cpu_clock


def untrained_run(folder: Path, model: str, image_size: int, comp: Path) -> Path:
    "A run folder (best_model.pt, config.json, metadata_info.json, input_normalization.json) of an untrained model."
    from biomass_kit.config import ExperimentConfig
    from biomass_kit.core import save_json
    from biomass_kit.data import MetadataEncoder, read_train_csv, to_wide
    from biomass_kit.model import create_model, save_model
    from biomass_kit.train import input_normalization
    cfg = ExperimentConfig(model=model, pretrained=False, image_size=image_size, metadata_mode='none')
    encoder = MetadataEncoder().fit(to_wide(read_train_csv(comp/'train.csv')))
    net = create_model(cfg).eval()
    folder.mkdir(parents=True)
    save_model(net, folder/'best_model.pt'); cfg.to_json(folder/'config.json'); encoder.save(folder/'metadata_info.json')
    save_json(input_normalization(cfg, net, encoder), folder/'input_normalization.json')
    return folder

def pinned_onnx_member(path, threads: int):
    "The kit's ONNX member (`infer.onnx_member`) with its session on `threads` intra-op threads (the kit leaves ONNX Runtime's default, one per core)."
    import onnxruntime as ort
    from biomass_kit.infer import onnx_member
    member = onnx_member(path, providers=['CPUExecutionProvider'])
    if member.layout.n_metadata: raise SystemExit(f"{path}: takes metadata; pinning its threads is not supported here")
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    session = ort.InferenceSession(str(path), options, providers=['CPUExecutionProvider'])
    return dataclasses.replace(member, forward=lambda x, metadata: session.run(['grams'], {'image': np.ascontiguousarray(x, dtype=np.float32)})[0])

def best_rates(jobs: dict, rounds: int) -> dict:
    "Items per CPU second of each `name: (fn, n_items)` job, the jobs interleaved over `rounds` rounds, best of each."
    best = dict.fromkeys(jobs, 0.0)
    for _ in range(rounds):
        for name, (fn, n) in jobs.items():
            t0 = cpu_clock(); fn()
            best[name] = max(best[name], n/(cpu_clock() - t0))
    return best

def model_rates(torch_member, onnx_member, batch: int, n_batches: int, rounds: int) -> dict:
    "Images/s of the model alone, PyTorch eager vs ONNX Runtime, on the same random prepared batch."
    x = np.random.default_rng(0).standard_normal((batch, *torch_member.layout.input_shape)).astype(np.float32)
    def job(member):
        def run():
            for _ in range(n_batches): member.forward_views(x, None, ('identity',))
        return run, batch*n_batches
    members = dict(pytorch_eager=torch_member, onnxruntime=onnx_member)
    for m in members.values(): m.forward_views(x, None, ('identity',))     # warm-up
    out = best_rates({name: job(m) for name, m in members.items()}, rounds)
    out['onnx_vs_torch'] = out['onnxruntime']/out['pytorch_eager']
    return out

def tta_rates(predictors: dict, wide, image_dir, rounds: int, ttas) -> dict:
    "Images/s of each whole predictor for each TTA, and the cost per image relative to no TTA."
    from biomass_kit.tta import parse_tta
    for p in predictors.values(): p.predict_raw(wide.iloc[:2], image_dir=image_dir)   # warm-up
    jobs = {(name, tta): ((lambda p=p, tta=tta: p.predict_raw(wide, image_dir=image_dir, tta=tta, batch_size=16)), len(wide))
            for name, p in predictors.items() for tta in ttas}
    best = best_rates(jobs, rounds)
    rates = {name: {tta: dict(passes=parse_tta(tta).n_passes, images_per_s=best[name, tta]) for tta in ttas} for name in predictors}
    for r in rates.values():
        for t in r.values(): t['cost_vs_none'] = r['none']['images_per_s']/t['images_per_s']
    return rates

def main(model='resnet18', image_size=224, run_dir=None, threads=1, n_images=16, rounds=2, photo_size=(2000, 1000)):
    import torch
    from biomass_kit.data import read_test_csv, to_wide
    from biomass_kit.export import export_model
    from biomass_kit.infer import Predictor, load_member, model_dirs
    from biomass_kit.synth import make_synthetic_competition
    torch.set_num_threads(threads)
    tmp = Path(tempfile.mkdtemp())
    # quality 96 (4:4:4): 2.5-3.5 MB per 2000x1000 photo, the weight of the real ones
    comp = make_synthetic_competition(tmp/'comp', n_train=8, n_test=n_images, image_size=photo_size, seed=0, jpeg_quality=96)
    model_dir = model_dirs(run_dir)[0] if run_dir else untrained_run(tmp/'run', model, image_size, comp)
    with contextlib.redirect_stdout(io.StringIO()): onnx_file = export_model(model_dir, tmp/'onnx'/'model.onnx', 'onnx')
    tm, om = load_member(model_dir, 'cpu'), pinned_onnx_member(onnx_file, threads)
    layout, load_before = tm.layout, load_average()
    print(f"model {model_dir}: input {layout.input_shape}, {threads} thread(s) for both runtimes, CPU time; load average {load_before}")
    results = dict(model=model if not run_dir else str(model_dir), input_shape=list(layout.input_shape), threads=threads,
                   rounds=rounds, clock='process CPU time', load_average_before=load_before, model_only={})
    for batch in (1, 16):
        r = model_rates(tm, om, batch, n_batches=max(2, 32//batch), rounds=rounds + 1)
        results['model_only'][f'batch_{batch}'] = r
        print(f"[model only, batch {batch:2d}] PyTorch eager {r['pytorch_eager']:.1f} img/s, ONNX Runtime {r['onnxruntime']:.1f} img/s "
              f"({r['onnx_vs_torch']:.2f}x, target >= 1.3)")
    results['target_met'] = all(r['onnx_vs_torch'] >= 1.3 for r in results['model_only'].values())
    wide = to_wide(read_test_csv(comp/'test.csv'))
    from biomass_kit.tta import tta_choices   # the TTAs the model's training geometry allows (crops are refused)
    results['tta'] = tta_rates(dict(pytorch=Predictor([tm]), onnxruntime=Predictor([om])), wide, comp, rounds, tta_choices(layout))
    for name, rates in results['tta'].items():
        print(f"[whole predictor, {name}, {n_images} photos of {photo_size[0]}x{photo_size[1]}] " +
              ', '.join(f"{t} {r['images_per_s']:.1f} img/s ({r['cost_vs_none']:.1f}x)" for t, r in rates.items()))
    name = 'inference' if run_dir is None and (model, image_size) == ('resnet18', 224) else f"inference_{Path(run_dir).name if run_dir else model}_{image_size}"
    print(f"results: {save_results(name, results)}")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', default='resnet18', help='timm backbone of the untrained model')
    p.add_argument('--image-size', type=int, default=224, help='its input size')
    p.add_argument('--run-dir', help='time this trained run instead (a model without metadata input)')
    p.add_argument('--threads', type=int, default=1, help='intra-op threads of both runtimes')
    p.add_argument('--n-images', type=int, default=16, help='full-size synthetic photos for the whole-predictor timings')
    p.add_argument('--rounds', type=int, default=2, help='interleaved rounds; the best of each measurement is kept')
    a = p.parse_args()
    main(a.model, a.image_size, a.run_dir, a.threads, a.n_images, a.rounds)
