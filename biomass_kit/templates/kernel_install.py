# Install biomass_kit from the attached library dataset (biomass-kit kaggle push-lib), without internet.
# --no-deps: Kaggle's image already has torch, timm, fastai and albumentations; see the dataset's description.
import glob, os, subprocess, sys
KAGGLE_ROOT = os.environ.get('KAGGLE_ROOT', '/kaggle')
found = sorted(glob.glob(f'{KAGGLE_ROOT}/input/**/biomass_kit-*.whl', recursive=True))
if not found: raise SystemExit('attach the biomass-kit library dataset (biomass-kit kaggle push-lib) to this notebook')
lib = os.path.dirname(found[-1])
extras = [w for w in sorted(glob.glob(f'{lib}/*.whl')) if not os.path.basename(w).startswith('biomass_kit-')]
subprocess.run([sys.executable, '-m', 'pip', 'install', '--no-index', '--no-deps', '--quiet',
                '--find-links', lib, 'biomass-kit', *extras], check=True)
import importlib; importlib.invalidate_caches()
import biomass_kit; print('biomass_kit', biomass_kit.__version__, 'from', lib)
