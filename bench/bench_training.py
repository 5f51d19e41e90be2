"""Benchmark 2: the overhead of the kit's training loop.

The kit's fastai Learner (`train.fold_learner`: EMA, snapshot averaging, curriculum sampling, gradient clipping and the
eleven whole-set metrics, as `biomass-kit train` builds it) against a bare PyTorch loop (AdamW steps over the same
batches, then predictions over the validation set) with the same model object and initial weights, the same
DataLoaders (photos cached beforehand, so both read the same decoded arrays), the same loss and learning rate.
- per-epoch overhead: one-epoch fits of each loop, `--repeat` of each in the order kit, bare, bare, kit, ... (a load
  that drifts favours neither); best kit epoch / best bare epoch - 1. Target (issue 8): <= 10%.
- one-time cost per fit: then one kit fit of `--epochs` epochs, minus its epochs (EMA copy at the start; at the end the
  snapshot scoring, averaging of the snapshots, BatchNorm recalibration pass and re-scoring), also given as a share of
  a default-length run.
Timed in CPU seconds of this process (one torch thread by default), so other jobs on the machine do not count.
Usage: python bench/bench_training.py [--model resnet18] [--image-size 128] [--n-train 100] [--batch-size 16]
The default (resnet18 at 128 px) is the cheap worst case: the overhead is per step and per parameter, the compute per
pixel, so a small input makes it look largest. The default model at its size, as in the README (a few CPU minutes):
  python bench/bench_training.py --model efficientnet_b3 --image-size 352 --n-train 50 --repeat 2
(results in bench/results/training_<model>_<size>.json)
"""
import argparse, copy, tempfile, time
from pathlib import Path
import numpy as np, torch
from fastai.callback.core import Callback
from common import save_results, load_average, cpu_clock

from biomass_kit.config import ExperimentConfig
from biomass_kit.synth import make_synthetic_competition
from biomass_kit.loaders import read_training_table
from biomass_kit.train import fold_learner, grams_of
from biomass_kit.loaders import assign_folds
from biomass_kit.callbacks import plain_batch

class EpochClock(Callback):
    "CPU seconds of every epoch of a fit, from its start to the end of every callback's `after_epoch`."
    order = 1000
    def before_fit(self): self.seconds = []
    def before_epoch(self): self.t0 = cpu_clock()
    def after_epoch(self): self.seconds.append(cpu_clock() - self.t0)

def bare_fit(model, loss_func, train_dl, valid_dl, lr, wd, epochs) -> list:
    "What a hand-written loop does: AdamW steps over the training batches, then predictions over the validation set."
    opt, seconds = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=wd), []
    for _ in range(epochs):
        t0 = cpu_clock()
        model.train()
        for b in map(plain_batch, train_dl):
            loss = loss_func(model(b[0]), *b[1:])
            opt.zero_grad(); loss.backward(); opt.step()
        model.eval()
        with torch.no_grad(): torch.cat([grams_of(model(b[0])) for b in map(plain_batch, valid_dl)])
        seconds.append(cpu_clock() - t0)
    return seconds

def main(model:str='resnet18', image_size:int=128, n_train:int=100, batch_size:int=16, epochs:int=2, repeat:int=4, threads:int=1):
    torch.set_num_threads(threads)
    comp = make_synthetic_competition(Path(tempfile.mkdtemp())/'comp', n_train=n_train, n_test=2, image_size=(2*image_size, image_size), seed=0)
    cfg = ExperimentConfig(train_csv=str(comp/'train.csv'), model=model, pretrained=False, image_size=image_size, epochs=epochs,
                           batch_size=batch_size, metadata_mode='none', ema_decay=0.99, snapshot_count=2, curriculum=True,
                           cache_dir=tempfile.mkdtemp(), device='cpu', seed=0)
    table = read_training_table(cfg)
    valid_idx = np.flatnonzero(assign_folds(cfg, table).to_numpy() == cfg.val_fold)
    setup = fold_learner(cfg, table, valid_idx)
    learn, clock = setup.learn, EpochClock()
    learn.add_cb(clock)
    start = copy.deepcopy(learn.model.state_dict())
    list(learn.dls.train); list(learn.dls.valid)  # fill the image cache: both loops then read the same decoded photos
    load_before = load_average()

    def kit_fit(epochs):
        learn.model.load_state_dict(start)
        with learn.no_bar(), learn.no_logging():
            t0 = cpu_clock(); learn.fit(epochs, lr=cfg.lr)
        return cpu_clock() - t0, clock.seconds

    def bare_epoch():
        learn.model.load_state_dict(start)
        return bare_fit(learn.model, learn.loss_func, learn.dls.train, learn.dls.valid, cfg.lr, cfg.weight_decay, 1)[0]

    kit_epochs, bare_epochs = [], []
    for i in range(repeat):   # one-epoch fits in the order kit, bare, bare, kit, ...: a drifting load favours neither
        for loop in (('kit', 'bare') if i % 2 == 0 else ('bare', 'kit')):
            if loop == 'kit': kit_epochs += kit_fit(1)[1]
            else: bare_epochs.append(bare_epoch())
    fit_seconds, fit_epochs = kit_fit(epochs)   # a longer fit: the snapshot average and BatchNorm recalibration run at its end
    one_time = fit_seconds - sum(fit_epochs)
    kit_epoch, bare_epoch = min(kit_epochs), min(bare_epochs)
    default_epochs = ExperimentConfig().epochs
    r = dict(model=model, image_size=image_size, n_train=len(setup.train_idx), n_valid=len(valid_idx), batch_size=batch_size,
             steps_per_epoch=len(learn.dls.train), threads=threads, epochs=epochs, repeat=repeat, clock='process CPU time',
             kit_epoch_seconds=kit_epoch, bare_epoch_seconds=bare_epoch, overhead=kit_epoch/bare_epoch - 1,
             kit_epochs=kit_epochs, bare_epochs=bare_epochs, one_time_seconds=one_time,
             one_time_share_of_default_run=one_time/(default_epochs*bare_epoch), default_epochs=default_epochs,
             load_average_before=load_before)
    r['target_met'] = r['overhead'] <= 0.10
    print(f"{r['n_train']} training + {r['n_valid']} validation photos, {model} at {image_size}px, batch {batch_size} "
          f"({r['steps_per_epoch']} steps/epoch), {threads} torch thread(s), CPU time; load average {load_before}")
    print(f"one epoch: kit Learner (EMA + snapshots + curriculum + clipping + metrics) {kit_epoch:.2f} s, "
          f"bare PyTorch loop {bare_epoch:.2f} s (best of {len(kit_epochs)} one-epoch fits each)")
    print(f"per-epoch overhead: {100*r['overhead']:+.1f}% (target <= 10%)")
    print(f"one-time cost per fit (EMA copy, snapshot scoring/averaging, BatchNorm recalibration): {one_time:.2f} s "
          f"= {100*r['one_time_share_of_default_run']:.1f}% of a default {default_epochs}-epoch run")
    name = 'training' if (model, image_size) == ('resnet18', 128) else f'training_{model}_{image_size}'
    print(f"results: {save_results(name, r)}")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', default='resnet18', help='timm backbone (random weights)')
    p.add_argument('--image-size', type=int, default=128, help='input size in pixels')
    p.add_argument('--n-train', type=int, default=100, help='synthetic photos (about a fifth are held out)')
    p.add_argument('--batch-size', type=int, default=16, help='images per batch')
    p.add_argument('--epochs', type=int, default=2, help='epochs of the fit that measures the one-time cost (2: the snapshot average and BN recalibration run)')
    p.add_argument('--repeat', type=int, default=4, help='one-epoch fits of each loop (ABBA order); the best of each is kept')
    p.add_argument('--threads', type=int, default=1, help='torch threads (figures are CPU seconds over all of them)')
    main(**vars(p.parse_args()))
