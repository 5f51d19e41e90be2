"""Test helpers of 42_analysis and 42_explore: two made-up runs' out-of-fold predictions over a training table, written
as a training run writes them (run A: wide, noisy, overestimating Tasmania; run B: long format, closer to the truth).
Test fixtures, not library code: the notebooks import them with `from _explore_fakes import ...` (nbs/ is their
working folder)."""
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from biomass_kit.spec import TARGETS
from biomass_kit.runs import OOF_FILE, pred_columns

def fake_oof(wide, noise, seed, tas_bias=1.0):
    "Out-of-fold predictions: the truth times log-normal noise (and `tas_bias` on Tasmanian photos), in four folds."
    rng = np.random.default_rng(seed)
    y = wide[list(TARGETS)].to_numpy()
    pred = y * np.exp(rng.normal(0, noise, y.shape)) * np.where(wide['State'] == 'Tas', tas_bias, 1.0)[:, None]
    return pd.DataFrame({'image_id': wide['image_id'], 'fold': np.arange(len(wide)) % 4, **{t: y[:, i] for i, t in enumerate(TARGETS)},
                         **{f"pred_{t}": pred[:, i] for i, t in enumerate(TARGETS)},
                         **{f"raw_{t}": pred[:, i] - 0.5 for i, t in enumerate(TARGETS)}})  # as training writes it: raw = before repair

def fake_runs(wide):
    "(runs folder, run A, run B, A's OOF table, B's OOF table): A's file wide as training writes it, B's long."
    runs = Path(tempfile.mkdtemp())
    run_a, run_b = runs/'run-a', runs/'run-b'
    run_a.mkdir(); run_b.mkdir()
    oof_a, oof_b = fake_oof(wide, 0.3, 1, tas_bias=1.6), fake_oof(wide, 0.1, 2)
    oof_a.to_csv(run_a/OOF_FILE, index=False)
    long_b = oof_b.melt(id_vars=['image_id', 'fold'], value_vars=pred_columns(), var_name='target_name', value_name='prediction')
    long_b['target_name'] = long_b['target_name'].str.removeprefix('pred_')
    long_b.assign(sample_id=long_b['image_id'] + '__' + long_b['target_name']).drop(columns='image_id').to_csv(run_b/OOF_FILE, index=False)
    return runs, run_a, run_b, oof_a, oof_b
