"""Benchmark 4: what the demo recipe learns in a fixed CPU budget, next to the baselines.

On a fixed synthetic set (fixed seed, hold-out split grouped by sampling date), the official weighted R² of the
`make demo` recipe (`demo.run_demo`: `demo.demo_config`, its epochs), of the colour-statistics ridge and of the mean
prediction, plus the CNN's score on the synthetic test photos (hidden labels). Its CPU budget is the recipe's:
the CPU seconds the run took are reported with it. Target (issue 8): the CNN clearly above both baselines.
Usage: python bench/bench_learning.py [--n-train 200] [--epochs E] [--seed 0]
"""
import argparse, tempfile, time
from common import save_results, load_average, cpu_clock
import fastai.callback.progress  # registers ProgressCallback in defaults.callbacks: import it before taking it out
from fastai.learner import defaults
from biomass_kit.demo import run_demo

def main(n_train:int=200, n_test:int=40, epochs:int=None, seed:int=0):
    # no progress bars in the log (the Recorder then prints one plain line per epoch); nothing else changes
    defaults.callbacks = [cb for cb in defaults.callbacks if cb.__name__ != 'ProgressCallback']
    load_before, t0 = load_average(), cpu_clock()
    figures = run_demo(tempfile.mkdtemp(), n_train=n_train, n_test=n_test, epochs=epochs, seed=seed)
    figures.update(cpu_seconds=round(cpu_clock() - t0, 1), load_average_before=load_before)
    best_baseline = max(figures['colour_ridge_holdout'], figures['mean_prediction_holdout'])
    figures.update(margin_over_best_baseline=figures['cnn_holdout'] - best_baseline,
                   target_met=figures['cnn_holdout'] > best_baseline + 0.05)  # "clearly": by more than 0.05 R²
    print(f"CNN {figures['cnn_holdout']:.4f} vs colour ridge {figures['colour_ridge_holdout']:.4f} vs mean "
          f"{figures['mean_prediction_holdout']:.4f} (hold-out, official weighted R²); CNN on the test photos "
          f"{figures['cnn_test']:.4f}; {figures['cpu_seconds']:.0f} CPU s, {figures['seconds']:.0f} s wall (load average {load_before})")
    print(f"CNN minus the best baseline: {figures['margin_over_best_baseline']:+.4f} (target: clearly above, > +0.05)")
    print(f"results: {save_results('learning', figures)}")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--n-train', type=int, default=200, help='synthetic training photos')
    p.add_argument('--n-test', type=int, default=40, help='synthetic test photos')
    p.add_argument('--epochs', type=int, help="epochs (default: the demo's)")
    p.add_argument('--seed', type=int, default=0, help='seed of the data and the run')
    main(**vars(p.parse_args()))
