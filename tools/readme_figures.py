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
    "The first `n` training photos of a synthetic competition, titled with their five targets in grams."
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from biomass_kit.data import read_train_csv, to_wide
    from biomass_kit.images import load_image
    from biomass_kit.spec import TARGETS
    from biomass_kit.loaders import grams_title
    wide = to_wide(read_train_csv(data_dir/'train.csv')).head(n)
    fig, axs = plt.subplots((n + 1)//2, 2, figsize=(10, 1.9*((n + 1)//2)))
    for ax, (_, row) in zip(axs.flat, wide.iterrows()):
        ax.imshow(load_image(data_dir/row.image_path, (400, 200))); ax.axis('off')
        ax.set_title(grams_title(row[list(TARGETS)].to_numpy(float)), fontsize=8)
    fig.tight_layout(); fig.savefig(out, format='jpeg', dpi=80, pil_kwargs=dict(quality=80)); plt.close(fig)

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
