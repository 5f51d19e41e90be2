"""Benchmark: prediction speed on CPU, images/s.

1. The model alone, on prepared input batches: PyTorch eager (inference mode) vs ONNX Runtime (the model exported by
   `biomass_kit.export`), at batch 1 and batch 16, same model, same inputs, same thread count.
2. The whole predictor (decode, prepare, model, average) on synthetic photos for each TTA, and its cost relative to
   no TTA: what each transform costs per image.
Without --run-dir a freshly initialised model (no training, pretrained=False) is used: speed does not depend on the
weights. Results go to bench/results/inference.json.
Usage: python bench/bench_inference.py [--model resnet18] [--image-size 224] [--run-dir RUN] [--threads N]
"""
import argparse, contextlib, io, tempfile, time
from pathlib import Path
import numpy as np
from common import save_results

TTAS = ('none', 'hflip', 'vflip', 'flips', 'd4', 'halves', 'grid2x2')

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

def model_rates(torch_member, onnx_member, batch: int, n_batches: int) -> dict:
    "Images/s of the model alone, PyTorch eager vs ONNX Runtime, on the same random prepared batch."
    x = np.random.default_rng(0).standard_normal((batch, *torch_member.layout.input_shape)).astype(np.float32)
    out = {}
    for name, member in (('pytorch_eager', torch_member), ('onnxruntime', onnx_member)):
        member.forward_views(x, None, ('identity',))                     # warm-up
        t0 = time.perf_counter()
        for _ in range(n_batches): member.forward_views(x, None, ('identity',))
        out[name] = batch*n_batches/(time.perf_counter() - t0)
    out['onnx_vs_torch'] = out['onnxruntime']/out['pytorch_eager']
    return out

def tta_rates(predictor, wide, image_dir) -> dict:
    "Images/s of the whole predictor for each TTA, and the cost per image relative to no TTA."
    from biomass_kit.tta import parse_tta
    predictor.predict_raw(wide.iloc[:2], image_dir=image_dir)            # warm-up
    rates = {}
    for tta in TTAS:
        t0 = time.perf_counter()
        predictor.predict_raw(wide, image_dir=image_dir, tta=tta, batch_size=16)
        rates[tta] = dict(passes=parse_tta(tta).n_passes, images_per_s=len(wide)/(time.perf_counter() - t0))
    for r in rates.values(): r['cost_vs_none'] = rates['none']['images_per_s']/r['images_per_s']
    return rates

def main(model='resnet18', image_size=224, run_dir=None, threads=None, n_images=32, photo_size=(1000, 500)):
    import torch
    from biomass_kit.data import read_test_csv, to_wide
    from biomass_kit.export import export_model, onnx_member
    from biomass_kit.infer import Predictor, load_member, model_dirs
    from biomass_kit.synth import make_synthetic_competition
    if threads: torch.set_num_threads(threads)
    tmp = Path(tempfile.mkdtemp())
    comp = make_synthetic_competition(tmp/'comp', n_train=8, n_test=n_images, image_size=photo_size, seed=0)
    model_dir = model_dirs(run_dir)[0] if run_dir else untrained_run(tmp/'run', model, image_size, comp)
    with contextlib.redirect_stdout(io.StringIO()): onnx_file = export_model(model_dir, tmp/'onnx'/'model.onnx', 'onnx')
    tm, om = load_member(model_dir, 'cpu'), onnx_member(onnx_file, providers=['CPUExecutionProvider'])
    layout = tm.layout
    print(f"model {model_dir}: input {layout.input_shape}, {torch.get_num_threads()} torch threads, CPU")
    results = dict(model=str(model_dir), input_shape=list(layout.input_shape), torch_threads=torch.get_num_threads(), model_only={})
    for batch in (1, 16):
        r = model_rates(tm, om, batch, n_batches=max(2, 32//batch))
        results['model_only'][f'batch_{batch}'] = r
        print(f"[model only, batch {batch:2d}] PyTorch eager {r['pytorch_eager']:.1f} img/s, ONNX Runtime {r['onnxruntime']:.1f} img/s "
              f"({r['onnx_vs_torch']:.2f}x)")
    wide = to_wide(read_test_csv(comp/'test.csv'))
    results['tta'] = {}
    for name, predictor in (('pytorch', Predictor([tm])), ('onnxruntime', Predictor([om]))):
        rates = tta_rates(predictor, wide, comp)
        results['tta'][name] = rates
        print(f"[whole predictor, {name}, {n_images} photos of {photo_size[0]}x{photo_size[1]}] " +
              ', '.join(f"{t} {r['images_per_s']:.1f} img/s ({r['cost_vs_none']:.1f}x)" for t, r in rates.items()))
    print(f"results: {save_results('inference', results)}")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--model', default='resnet18'); p.add_argument('--image-size', type=int, default=224)
    p.add_argument('--run-dir'); p.add_argument('--threads', type=int); p.add_argument('--n-images', type=int, default=32)
    a = p.parse_args()
    main(a.model, a.image_size, a.run_dir, a.threads, a.n_images)
