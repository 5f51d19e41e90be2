"""Benchmark 2: the overhead of the kit's training loop.

One epoch (training + validation pass) of the kit's fastai Learner with its EMA, snapshot-averaging and curriculum
callbacks, against a bare PyTorch loop over the same model (same initial weights), batches, loss and optimiser,
on the CPU. The two are timed alternately, best of `--repeat`. Target (issue 8): overhead at most 10%.
Usage: python bench/bench_training.py [--model resnet18] [--image-size 128] [--n-train 64] [--batch-size 16]
"""
import argparse, copy, tempfile, time
from pathlib import Path
import numpy as np, torch
from common import save_results

from biomass_kit.config import ExperimentConfig
from biomass_kit.synth import make_synthetic_competition
from biomass_kit.train import read_training_table, fold_learner, assign_folds, grams_of
from biomass_kit.callbacks import plain_batch

def bare_epoch(model, loss_func, train_dl, valid_dl, lr):
    "What a hand-written loop does: AdamW steps over the training batches, then predictions over the validation set."
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    model.train()
    for b in map(plain_batch, train_dl):
        loss = loss_func(model(b[0]), *b[1:])
        opt.zero_grad(); loss.backward(); opt.step()
    model.eval()
    with torch.no_grad(): return torch.cat([grams_of(model(b[0])) for b in map(plain_batch, valid_dl)])

def main(model:str='resnet18', image_size:int=128, n_train:int=64, batch_size:int=16, repeat:int=3, threads:int=None):
    if threads: torch.set_num_threads(threads)
    comp = make_synthetic_competition(Path(tempfile.mkdtemp())/'comp', n_train=n_train, n_test=2, image_size=(2*image_size, image_size), seed=0)
    cfg = ExperimentConfig(train_csv=str(comp/'train.csv'), model=model, pretrained=False, image_size=image_size, epochs=1,
                           batch_size=batch_size, metadata_mode='none', ema_decay=0.99, snapshot_count=2, curriculum=True,
                           cache_dir=tempfile.mkdtemp(), device='cpu', seed=0)
    table = read_training_table(cfg)
    valid_idx = np.flatnonzero(assign_folds(cfg, table).to_numpy() == cfg.val_fold)
    setup = fold_learner(cfg, table, valid_idx)
    learn = setup.learn
    start = copy.deepcopy(learn.model.state_dict())
    list(learn.dls.train); list(learn.dls.valid)  # fill the image cache: both loops then read the same decoded photos
    kit, bare = [], []
    for _ in range(repeat):
        learn.model.load_state_dict(start)
        t0 = time.perf_counter(); learn.fit(1, lr=cfg.lr); kit.append(time.perf_counter() - t0)
        learn.model.load_state_dict(start)
        t0 = time.perf_counter(); bare_epoch(learn.model, learn.loss_func, learn.dls.train, learn.dls.valid, cfg.lr)
        bare.append(time.perf_counter() - t0)
    r = dict(model=model, image_size=image_size, n_train=len(setup.train_idx), n_valid=len(valid_idx), batch_size=batch_size,
             kit_seconds=min(kit), bare_seconds=min(bare), overhead=min(kit)/min(bare) - 1, threads=torch.get_num_threads())
    print(f"one epoch, {r['n_train']} training + {r['n_valid']} validation photos, {model} at {image_size}px, batch {batch_size}, "
          f"{r['threads']} threads")
    print(f"kit Learner (EMA + snapshots + curriculum + metrics): {r['kit_seconds']:.2f} s; bare PyTorch loop: {r['bare_seconds']:.2f} s")
    print(f"overhead: {100*r['overhead']:+.1f}% (target <= 10%)")
    print(f"results: {save_results('training', r)}")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', default='resnet18', help='timm backbone (random weights)')
    p.add_argument('--image-size', type=int, default=128, help='input size in pixels')
    p.add_argument('--n-train', type=int, default=64, help='synthetic photos (a fifth are held out)')
    p.add_argument('--batch-size', type=int, default=16, help='images per batch')
    p.add_argument('--repeat', type=int, default=3, help='alternating timings; the best of each is kept')
    p.add_argument('--threads', type=int, help='torch threads (default: torch\'s)')
    main(**vars(p.parse_args()))
