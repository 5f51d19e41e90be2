"""Benchmark 4: what the demo recipe learns in a fixed CPU budget, next to the baselines.

On a fixed synthetic set (fixed seed, hold-out split grouped by sampling date), the official weighted R² of the
`make demo` recipe, of the colour-statistics ridge and of the mean prediction, plus the CNN's score on the synthetic
test photos (hidden labels). Target (issue 8): the CNN clearly above both baselines.
Usage: python bench/bench_learning.py [--n-train 200] [--epochs E] [--seed 0]
"""
import argparse, tempfile
from common import save_results
from biomass_kit.train import run_demo

def main(n_train:int=200, n_test:int=40, epochs:int=None, seed:int=0):
    figures = run_demo(tempfile.mkdtemp(), n_train=n_train, n_test=n_test, epochs=epochs, seed=seed)
    print(f"CNN {figures['cnn_holdout']:.4f} vs colour ridge {figures['colour_ridge_holdout']:.4f} vs mean "
          f"{figures['mean_prediction_holdout']:.4f} (hold-out, official weighted R²) in {figures['seconds']:.0f} s")
    print(f"results: {save_results('learning', figures)}")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--n-train', type=int, default=200, help='synthetic training photos')
    p.add_argument('--n-test', type=int, default=40, help='synthetic test photos')
    p.add_argument('--epochs', type=int, help="epochs (default: the demo's)")
    p.add_argument('--seed', type=int, default=0, help='seed of the data and the run')
    main(**vars(p.parse_args()))
