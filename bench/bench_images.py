"""Benchmark 1: 2000x1000 JPEGs of real weight -> augmented, normalised training batches, images/s on one core.

Compares, on the same files, at the same sizes, in one run (rounds interleaved, best of each kept):
- naive:    a plain PyTorch Dataset/DataLoader: PIL full decode, PIL resize, the same albumentations pipeline,
            NumPy normalisation to float in the Dataset, default collation (what a notebook usually does); for the
            'gpu' policy, which augments on the device, the naive side runs the default policy's CPU albumentations
            (the same kinds of operations: flips, rotation, lighting);
- bound:    the decode-only lower bound: libjpeg's reduced-size decode (PIL draft) at the kit's load size, nothing else;
- kit cold: the kit's real training DataLoader (`loaders.biomass_dataloaders`: ReadPhoto -> AugmentedViews -> uint8
            batch), first epoch: reduced decode, resize, fill the resized-image cache, augment, collate;
- kit warm: the same DataLoader's next epoch, reading the resized-image cache.
The kit's loader hands uint8 batches to the training device, where its batch transforms (fastai IntToFloatTensor +
Normalize, and with the 'gpu' policy the augmentation) run: on a GPU run that is GPU work, so the loader is timed
without them and their CPU cost (what a CPU-only run pays) is timed separately, on the same batches, and reported
beside it. Each kit row is measured for three augmentation policies: the config's default (albumentations on the
CPU), 'd4' (the demo's: flips and quarter-turns only) and 'gpu' (fastai's augmentations on the batch's device). Also timed, to show where the time goes: PIL's full decode, and the kit's decode + resize (`load_image`).
Everything runs on one thread and is timed in CPU seconds of this process, so figures are images/s per core and
other jobs on the machine do not count (they still slow every pipeline alike through shared caches).
Targets (issue 8), on each policy's loader: cold >= 1.5x naive and within 1.25x of the bound; warm >= 10x
naive. The ceiling of any loader that decodes every photo, bound/naive, is printed with them.
Usage: python bench/bench_images.py [--n-images 16] [--batch-size 4] [--rounds 2] [--train-csv data/csiro-biomass/train.csv]
"""
import argparse, tempfile
from pathlib import Path
import numpy as np, torch
from PIL import Image
from fasttransform import Pipeline
from common import single_thread, rate, epoch_rate, save_results, load_average, cpu_clock

from biomass_kit.config import ExperimentConfig
from biomass_kit.images import IMAGENET_MEAN, IMAGENET_STD, get_transforms, load_image
from biomass_kit.synth import make_synthetic_competition
from biomass_kit.loaders import read_training_table, sample_table, biomass_dataloaders, load_size, ReadPhoto

SETTINGS = {'352px': dict(image_size=352, two_view=False), '1024px_per_half': dict(image_size=1024, two_view=True)}
POLICIES = (ExperimentConfig().augmentation_policy, 'd4', 'gpu')   # the config's default first
DEVICE_POLICIES = {'gpu': 'default'}   # policies that augment on the device -> the CPU albumentations of their naive counterpart
def naive_augmentation(policy:str) -> str:
    "The CPU albumentations of a policy's naive counterpart: its own, or for a device policy the CPU one of the same kinds."
    return DEVICE_POLICIES.get(policy, policy)
REFERENCES = (*(f'naive_{a}' for a in dict.fromkeys(map(naive_augmentation, POLICIES))), 'bound', 'full_decode', 'kit_decode')

class NaivePhotos(torch.utils.data.Dataset):
    "The usual notebook Dataset: PIL decodes the whole JPEG and resizes, albumentations augments, NumPy normalises."
    def __init__(self, paths, size, tfm, two_view):
        self.paths, self.size, self.tfm, self.two_view = paths, size, tfm, two_view
        self.mean, self.std = np.array(IMAGENET_MEAN, np.float32), np.array(IMAGENET_STD, np.float32)
    def __len__(self): return len(self.paths)
    def tensor(self, view):
        x = self.tfm(image=np.asarray(view.resize(self.size, Image.BILINEAR)))['image']
        return ((x.astype(np.float32)/255 - self.mean)/self.std).transpose(2, 0, 1)
    def __getitem__(self, i):
        img = Image.open(self.paths[i]).convert('RGB')
        w, h = img.size
        views = [img.crop((0, 0, w//2, h)), img.crop((w - w//2, 0, w, h))] if self.two_view else [img]
        x = np.stack([self.tensor(v) for v in views])
        return torch.from_numpy(x if self.two_view else x[0]), torch.zeros(5)

def bound_item(path, size):
    "The least any loader must do: decode the JPEG at the smallest libjpeg scale covering `size`."
    with Image.open(path) as im:
        im.draft('RGB', size); im.load()

def full_decode_item(path):
    with Image.open(path) as im: im.load()

def kit_train_loader(csv, image_size, two_view, batch_size, policy):
    "The training DataLoader `biomass-kit train` builds, every photo a training photo, with an on-disk cache."
    cfg = ExperimentConfig(train_csv=str(csv), image_size=image_size, two_view=two_view, batch_size=batch_size,
                           augmentation_policy=policy, cache_dir=tempfile.mkdtemp(), metadata_mode='none', device='cpu',
                           num_workers=0, pretrained=False)
    dls = biomass_dataloaders(cfg, sample_table(cfg, read_training_table(cfg)), valid_idx=[], device='cpu')
    cache = next(t for t in dls.train_ds.tls[0].tfms if isinstance(t, ReadPhoto)).cache
    return cfg, dls.train, cache

def kit_epoch(loader) -> tuple:
    "Images per CPU second of one pass of the kit's loader (decode, augment, collate to uint8), and of its batch transforms alone."
    to_float = loader.after_batch           # IntToFloatTensor (+ GpuAugment) + Normalize: run on the training device
    loader.after_batch = Pipeline([])
    try:
        t0 = cpu_clock(); batches = list(loader); loading = cpu_clock() - t0
    finally: loader.after_batch = to_float
    t0 = cpu_clock()
    to_float.split_idx = loader.dataset.split_idx   # as the loader sets it when it iterates: GpuAugment is training-only
    for b in batches: to_float(b)
    n = sum(len(b[0]) for b in batches)
    return n/loading, n/(cpu_clock() - t0)

def reference_rate(name, paths, size, view, two_view, batch_size) -> float:
    "Images/s of one reference pipeline, one pass."
    if name.startswith('naive_'):
        tfm = get_transforms(name.removeprefix('naive_'), view, train=True, seed=0)
        dl = torch.utils.data.DataLoader(NaivePhotos(paths, (view, view), tfm, two_view), batch_size=batch_size,
                                         shuffle=True, drop_last=True, num_workers=0)
        return epoch_rate(dl)
    if name == 'bound': return rate(lambda p: bound_item(p, size), paths)
    if name == 'full_decode': return rate(full_decode_item, paths)
    return rate(lambda p: load_image(p, size), paths)   # kit_decode

def kit_rates(loader, cache) -> dict:
    "Loader and batch-transform images/s of a cold epoch (empty cache) then a warm one (every photo cached)."
    cache.clear()   # creating the DataLoader decoded (and cached) one photo: start empty
    cold, cold_float = kit_epoch(loader)
    warm, warm_float = kit_epoch(loader)
    return dict(cold=cold, warm=warm, to_float=max(cold_float, warm_float))

def cpu_total(loader_rate, to_float_rate) -> float:
    "Images/s when the batch transforms run on the CPU too (a CPU-only run)."
    return 1/(1/loader_rate + 1/to_float_rate)

def summarise(ref:dict, kit:dict, policy:str) -> dict:
    "Ratios of one policy's kit figures to the references, on the loader (GPU run) and with the float batches (CPU run)."
    total = {k: cpu_total(kit[k], kit['to_float']) for k in ('cold', 'warm')}
    naive = ref[f'naive_{naive_augmentation(policy)}']
    r = dict(images_per_sec=kit, cpu_only_images_per_sec=total, naive_augmentation=naive_augmentation(policy),
             augments_on_device=policy in DEVICE_POLICIES,
             naive_images_per_sec=naive, ceiling_vs_naive=ref['bound']/naive,
             cold_vs_naive=kit['cold']/naive, bound_vs_cold=ref['bound']/kit['cold'], warm_vs_naive=kit['warm']/naive,
             cpu_only=dict(cold_vs_naive=total['cold']/naive, bound_vs_cold=ref['bound']/total['cold'],
                           warm_vs_naive=total['warm']/naive))
    r['targets_met'] = dict(cold_vs_naive=r['cold_vs_naive'] >= 1.5, bound_vs_cold=r['bound_vs_cold'] <= 1.25,
                            warm_vs_naive=r['warm_vs_naive'] >= 10)
    return r

def report(name, size, ref, policies):
    "Print one setting's figures."
    ms = lambda ips: 1000/ips
    print(f"[{name}] decoded at {size[0]}x{size[1]}; ms per image on one core: full PIL decode {ms(ref['full_decode']):.0f}, "
          f"reduced decode (bound) {ms(ref['bound']):.0f}, kit decode+resize {ms(ref['kit_decode']):.0f}, "
          + ', '.join(f"naive with {k.removeprefix('naive_')} augmentation {ms(v):.0f}" for k, v in ref.items() if k.startswith('naive_')))
    for policy, r in policies.items():
        k, t = r['images_per_sec'], r['cpu_only']
        print(f"[{name}] kit, policy {policy}: loader ms per image cold {ms(k['cold']):.1f}, warm {ms(k['warm']):.1f}; "
              f"batch transforms (uint8 -> {'augmented, ' if policy == 'gpu' else ''}normalised float, on the training device) {ms(k['to_float']):.1f}")
        print(f"[{name}] kit, policy {policy} (vs naive with {r['naive_augmentation']} augmentation; ceiling of any decoding loader "
              f"{r['ceiling_vs_naive']:.2f}x): cold/naive {r['cold_vs_naive']:.2f}x (target >= 1.5), bound/cold {r['bound_vs_cold']:.2f}x "
              f"(target <= 1.25), warm/naive {r['warm_vs_naive']:.1f}x (target >= 10); CPU-only run (batch transforms on the CPU): "
              f"cold/naive {t['cold_vs_naive']:.2f}x, bound/cold {t['bound_vs_cold']:.2f}x, warm/naive {t['warm_vs_naive']:.1f}x")

def main(n_images:int=16, batch_size:int=4, rounds:int=2, train_csv:str=None):
    single_thread()
    if n_images % batch_size: raise SystemExit(f"--n-images {n_images}: use a multiple of --batch-size {batch_size} (the training loader drops a partial batch)")
    tmp = Path(tempfile.mkdtemp())
    if train_csv:   # the first photos of a real training CSV, paths made absolute
        import pandas as pd
        long = pd.read_csv(train_csv)
        keep = long[long.image_path.isin(long.image_path.drop_duplicates().head(n_images))].copy()
        keep['image_path'] = [str(Path(train_csv).resolve().parent/p) for p in keep.image_path]
        csv = tmp/'train.csv'
        keep.to_csv(csv, index=False)
    else:  # quality 96 (4:4:4) gives 2.5-3.5 MB per photo, the weight of the real ones (2.3-3.6 MB)
        csv = make_synthetic_competition(tmp/'comp', n_train=n_images, n_test=1, image_size=(2000, 1000), seed=0, jpeg_quality=96)/'train.csv'
    load_before = load_average()
    results = dict(n_images=n_images, batch_size=batch_size, rounds=rounds, threads=1, policies=list(POLICIES), settings={})
    for name, s in SETTINGS.items():
        loaders = {pol: kit_train_loader(csv, s['image_size'], s['two_view'], batch_size, pol) for pol in POLICIES}
        cfg, loader, _ = loaders[POLICIES[0]]
        paths = sorted(set(loader.dataset.items['image_file']))
        if name == '352px':
            mb = [Path(p).stat().st_size/2**20 for p in paths]
            sizes = {Image.open(p).size for p in paths}
            print(f"{len(paths)} JPEGs {', '.join(f'{w}x{h}' for w, h in sizes)}, {min(mb):.2f}-{max(mb):.2f} MB (mean {np.mean(mb):.2f} MB); "
                  f"one thread, CPU time; load average {load_before}")
            results.update(file_mb=dict(min=min(mb), max=max(mb), mean=float(np.mean(mb))), image_sizes=sorted(sizes))
        size, view = load_size(cfg), s['image_size']
        ref, kit = dict.fromkeys(REFERENCES, 0.0), {pol: dict(cold=0.0, warm=0.0, to_float=0.0) for pol in POLICIES}
        for _ in range(rounds):
            for p in REFERENCES: ref[p] = max(ref[p], reference_rate(p, paths, size, view, s['two_view'], batch_size))
            for pol, (_, loader, cache) in loaders.items():
                kit[pol] = {k: max(v, kit[pol][k]) for k, v in kit_rates(loader, cache).items()}
        policies = {pol: summarise(ref, kit[pol], pol) for pol in POLICIES}
        results['settings'][name] = dict(load_size=list(size), references_images_per_sec=ref, policies=policies)
        report(name, size, ref, policies)
    results['load_average_before'] = load_before
    print(f"results: {save_results('images', results)}")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--n-images', type=int, default=16, help='number of 2000x1000 photos to time')
    p.add_argument('--batch-size', type=int, default=4, help='photos per batch (kit and naive loaders)')
    p.add_argument('--rounds', type=int, default=2, help='interleaved rounds; the best of each pipeline is kept')
    p.add_argument('--train-csv', help="time the first photos of this train.csv (e.g. the real competition's) instead of synthetic ones")
    main(**vars(p.parse_args()))
