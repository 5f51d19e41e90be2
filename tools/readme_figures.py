"""The README's figures, from what `make demo` wrote: photos of its synthetic competition with their grams, and its
run's learning curves and predictions against the truth. Every figure is what the code gives; rerun after `make demo`
whenever the demo's figures change (`make readme-figures`).
Usage: python tools/readme_figures.py [DEMO_OUTPUT]   (default: demo_output/)
"""
import shutil, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
images = root/'nbs'/'images'

def photos_figure(data_dir:Path, out:Path, n:int=6):
    "`n` training photos of a synthetic competition, lightest to heaviest, titled with their targets (`analysis.plot_image_grid`)."
    import matplotlib; matplotlib.use('Agg')
    from biomass_kit.data import read_train_csv, to_wide
    from biomass_kit.analysis import plot_image_grid
    fig = plot_image_grid(to_wide(read_train_csv(data_dir/'train.csv')), data_dir, n=n, ncols=3, size=(400, 200))
    fig.savefig(out, format='jpeg', dpi=80, pil_kwargs=dict(quality=80))

def main(args:list) -> int:
    from biomass_kit.core import load_json
    demo = Path(args[0]) if args else root/'demo_output'
    scores = demo/'demo_scores.json'
    if not scores.is_file(): sys.exit(f"{scores}: not found; run `make demo` first")
    run_dir = Path(load_json(scores)['run_dir'])
    images.mkdir(exist_ok=True)
    photos_figure(demo/'data', images/'demo_photos.jpg')
    for name in ('learning_curves', 'pred_vs_true'): shutil.copyfile(run_dir/f'{name}.png', images/f'demo_{name}.png')
    print(f"wrote {images}/demo_photos.jpg, demo_learning_curves.png, demo_pred_vs_true.png from {run_dir}")
    return 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
