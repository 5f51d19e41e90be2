"""Benchmark 1: 2000x1000 JPEGs of real weight -> augmented training tensors, images/s on one core.

Compares, on the same files in one run:
- naive:   PIL full decode, PIL resize, albumentations, normalise (what a notebook usually does);
- bound:   the decode-only lower bound: libjpeg's reduced-size decode (PIL draft) and nothing else;
- kit:     biomass_kit's loader, cold (reduced decode + resize + augment + normalise);
- warm:    biomass_kit's loader reading its resized-image cache (every epoch after the first).
Targets (issue 8): cold >= 1.5x naive and within 1.25x of the bound; warm >= 10x naive.
Usage: python bench/bench_images.py [--n-images N] [--image-dir DIR]
"""
import argparse, tempfile, time
from pathlib import Path
import numpy as np
from PIL import Image
from common import single_thread, rate, save_results

from biomass_kit.images import load_image, ImageCache, get_transforms, prepare_views, image_to_chw, split_halves
from biomass_kit.synth import make_synthetic_competition

def naive_item(path, size, tfm, two_view):
    img = Image.open(path).convert('RGB')
    if two_view:
        w, h = img.size
        views = [img.crop((0, 0, w//2, h)), img.crop((w - w//2, 0, w, h))]
    else: views = [img]
    out = [image_to_chw(tfm(image=np.asarray(v.resize(size, Image.BILINEAR)))['image']) for v in views]
    return np.stack(out) if two_view else out[0]

def bound_item(path, load_size):
    with Image.open(path) as im:
        im.draft('RGB', load_size); im.load()
        return im

def kit_item(path, load_size, tfm, two_view, cache=None):
    return prepare_views(load_image(path, load_size, cache=cache), tfm, two_view=two_view)

def main(n_images:int=16, image_dir:str=None):
    single_thread()
    if image_dir: paths = sorted(Path(image_dir).glob('*.jpg'))[:n_images]
    else:
        comp = make_synthetic_competition(Path(tempfile.mkdtemp())/'comp', n_train=n_images, n_test=1, image_size=(2000, 1000), seed=0)
        paths = sorted((comp/'train').glob('*.jpg'))
    mb = [p.stat().st_size/2**20 for p in paths]
    print(f"{len(paths)} JPEGs 2000x1000, {min(mb):.2f}-{max(mb):.2f} MB (mean {np.mean(mb):.2f} MB)")
    results = dict(n_images=len(paths), file_mb=dict(min=min(mb), max=max(mb), mean=float(np.mean(mb))), settings={})
    for name, view, two_view in [('352px', 352, False), ('1024px_per_half', 1024, True)]:
        load_size = (2*view, view) if two_view else (view, view)
        tfm = get_transforms('default', view, train=True, seed=0)
        cache = ImageCache(tempfile.mkdtemp())
        r = dict(naive=rate(lambda p: naive_item(p, (view, view), tfm, two_view), paths),
                 bound=rate(lambda p: bound_item(p, load_size), paths),
                 kit_cold=rate(lambda p: kit_item(p, load_size, tfm, two_view, cache), paths))
        r['kit_warm'] = rate(lambda p: kit_item(p, load_size, tfm, two_view, cache), paths, repeat=2)
        r.update(cold_vs_naive=r['kit_cold']/r['naive'], bound_vs_cold=r['bound']/r['kit_cold'], warm_vs_naive=r['kit_warm']/r['naive'])
        results['settings'][name] = r
        print(f"[{name}] images/s on one core: naive {r['naive']:.1f}, decode bound {r['bound']:.1f}, "
              f"kit cold {r['kit_cold']:.1f}, kit warm {r['kit_warm']:.1f}")
        print(f"[{name}] cold/naive {r['cold_vs_naive']:.2f}x (target >= 1.5), bound/cold {r['bound_vs_cold']:.2f}x "
              f"(target <= 1.25), warm/naive {r['warm_vs_naive']:.1f}x (target >= 10)")
    print(f"results: {save_results('images', results)}")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--n-images', type=int, default=16, help='number of 2000x1000 photos to time')
    p.add_argument('--image-dir', help='time these JPEGs instead of synthetic ones')
    main(**vars(p.parse_args()))
