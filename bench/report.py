"""The benchmark table in Markdown, from bench/results/*.json (what `make bench` wrote): `python bench/report.py`."""
import json, sys
from pathlib import Path
from common import RESULTS

def load(name:str):
    path = RESULTS/f'{name}.json'
    return json.loads(path.read_text()) if path.is_file() else None

def met(ok) -> str: return '—' if ok is None else ('**met**' if ok else '**not met**')
def row(*cells) -> str: return '| ' + ' | '.join(str(c) for c in cells) + ' |'

IMAGE_TARGETS = 'cold ≥ 1.5× naive, ≤ 1.25× the decode bound; warm ≥ 10× naive'

def image_rows(r) -> list:
    "One row per (size, augmentation policy): the three ratios of the kit's loader, each with its verdict."
    if r is None: return [row('1 image pipeline', 'not run', IMAGE_TARGETS, '—')]
    out = []
    for name, s in r['settings'].items():
        ref, label = s['references_images_per_sec'], name.replace('px', ' px').replace('_', ' ')
        for policy, p in s['policies'].items():
            ips, cpu, m = p['images_per_sec'], p['cpu_only'], p['targets_met']
            figure = (f"img/s per core: naive ({p['naive_augmentation']} augmentation) {p['naive_images_per_sec']:.1f}, decode bound {ref['bound']:.1f}, "
                      f"kit loader cold {ips['cold']:.1f}, "
                      f"warm {ips['warm']:.1f} → cold **{p['cold_vs_naive']:.2f}×** naive, bound/cold **{p['bound_vs_cold']:.2f}×**, "
                      f"warm **{p['warm_vs_naive']:.1f}×** naive (CPU-only run {cpu['cold_vs_naive']:.2f}×, {cpu['bound_vs_cold']:.2f}×, "
                      f"{cpu['warm_vs_naive']:.1f}×; ceiling of any decoding loader {p['ceiling_vs_naive']:.2f}× naive)")
            verdict = ', '.join(f"{what} {met(m[key])}" for what, key in (('cold', 'cold_vs_naive'), ('bound', 'bound_vs_cold'), ('warm', 'warm_vs_naive')))
            if p.get('augments_on_device') and not r['machine']['gpu']: verdict += ' (CPU side only: the augmentation\'s GPU time is not measured)'
            out.append(row(f'1 image pipeline, {label}, policy {policy}', figure, IMAGE_TARGETS, verdict))
    return out

def training_rows() -> list:
    runs = [json.loads(p.read_text()) for p in sorted(RESULTS.glob('training*.json'))]
    if not runs: return [row('2 training loop overhead', 'not run', '≤ 10%', '—')]
    return [row(f"2 training loop overhead, {r['model']} {r['image_size']} px, batch {r['batch_size']}",
                f"kit {r['kit_epoch_seconds']:.2f} s vs bare {r['bare_epoch_seconds']:.2f} s per epoch: **{100*r['overhead']:+.1f}%** "
                f"(+ {r['one_time_seconds']:.1f} s once per fit = {100*r['one_time_share_of_default_run']:.1f}% of a "
                f"{r['default_epochs']}-epoch run)", '≤ 10%', met(r['target_met'])) for r in runs]

def inference_rows() -> list:
    runs = [json.loads(p.read_text()) for p in sorted(RESULTS.glob('inference*.json'))]
    if not runs: return [row('3 inference: ONNX Runtime vs PyTorch eager', 'not run', '≥ 1.3×', '—')]
    return [line for r in runs for line in inference_run_rows(r)]

def inference_run_rows(r) -> list:
    what = f"{r['model']} {r['input_shape'][-1]} px, {r['threads']} thread(s)"
    out = [row(f'3 inference, model only, {what}, batch {b.split("_")[1]}',
               f"ONNX Runtime {m['onnxruntime']:.1f} vs PyTorch eager {m['pytorch_eager']:.1f} img/s: **{m['onnx_vs_torch']:.2f}×**",
               '≥ 1.3×', met(m['onnx_vs_torch'] >= 1.3)) for b, m in r['model_only'].items()]
    for name, rates in r['tta'].items():
        costs = ', '.join(f"{t} {v['cost_vs_none']:.2f}×" for t, v in rates.items() if t != 'none')
        out.append(row(f'3 inference, whole predictor ({name}), {what}, TTA cost per image vs none',
                       f"none {rates['none']['images_per_s']:.1f} img/s; {costs}", 'report', '—'))
    return out

def learning_rows(r) -> list:
    if r is None: return [row('4 learning (demo recipe)', 'not run', 'clearly above both baselines', '—')]
    return [row(f"4 learning: demo recipe, {r['n_train']} synthetic photos ({r['n_valid']} held out), {r['cpu_seconds']:.0f} CPU s",
                f"official weighted R² CNN **{r['cnn_holdout']:.3f}** vs colour ridge {r['colour_ridge_holdout']:.3f} vs "
                f"mean {r['mean_prediction_holdout']:.3f} (CNN on the test photos {r['cnn_test']:.3f})",
                'clearly above both (> +0.05)', met(r['target_met']))]

def budget_rows(r) -> list:
    if r is None: return [row('5 Kaggle budget', 'not run', 'fits in 9 h', '—')]
    what = f"{r['model']} {r['image_size']} px, TTA {r['tta']}, {r['test_images']} test photos"
    cpu, core, t4 = r['cpu_measured'], r['cpu_per_core'], r['t4_estimate']
    limit = r['kaggle_limit_s']/60
    return [row(f'5 Kaggle budget, CPU (this machine, measured), {what}',
                f"{cpu['images_per_sec']:.2f} img/s wall → **{cpu['minutes']:.1f} min** with setup "
                f"({core['images_per_sec']:.2f} img/s per core from CPU time → {core['minutes']:.1f} min on one core; "
                f"{r['cpu_per_core_batch_1']['minutes']:.1f} min with --batch-size 1)",
                'fits in 9 h', met(cpu['minutes'] <= limit)),
            row(f'5 Kaggle budget, T4-class GPU (**estimate**), {what}',
                f"~{t4['images_per_sec']:.0f} img/s → **~{t4['minutes']:.1f} min** with setup "
                f"({1000*core['cpu_side_cpu_per_image']:.0f} ms CPU decode per photo measured + "
                f"{1000/t4['gpu_forward']['images_per_sec']:.1f} ms GPU forward estimated)", 'fits in 9 h', met(t4['minutes'] <= limit))]

def machine_line() -> str:
    results = {p.stem: json.loads(p.read_text()) for p in sorted(RESULTS.glob('*.json'))}
    if not results: return 'No results yet: run `make bench`.'
    m = next(iter(results.values()))['machine']
    loads = ', '.join(f"{n} {r['machine']['load_average'][0]:.1f}" for n, r in results.items() if 'load_average' in r['machine'])
    gpu = m['gpu'] or 'no GPU (none was available, so there are no GPU rows)'
    return (f"Measured on {m['cpu']}, {m['cores']} cores, {gpu}; Python {m['python']}, torch {m['torch']}. The machine was shared "
            f"with other jobs (1-minute load average at the end of each benchmark: {loads}), which is why every figure is a "
            f"ratio measured side by side in one run, timed in CPU seconds of the process where it says per core.")

def report() -> str:
    lines = [row('benchmark', 'figure (side by side, same run)', 'target (issue 8)', 'verdict'), row(*['---']*4),
             *image_rows(load('images')), *training_rows(), *inference_rows(), *learning_rows(load('learning')),
             *budget_rows(load('kaggle_budget'))]
    return '\n'.join(lines) + '\n\n' + machine_line() + '\n'

if __name__ == '__main__':
    sys.stdout.write(report())
