import subprocess, tempfile
from biomass_kit.core import default_data_dir, default_output_dir, kaggle_root
from biomass_kit.kaggle_data import find_model_dirs
data, out = default_data_dir(), default_output_dir()   # /kaggle/input/csiro-biomass and /kaggle/working
models = find_model_dirs(kaggle_root()/'input', unpack_to=tempfile.mkdtemp())
if USE_ONNX: models = [m for m in models if any(m.glob('*.onnx'))]
if not models: raise SystemExit('attach the weights (biomass-kit kaggle push-weights, or the training kernel) to this notebook')
print('models:', *models, sep='\n  ')
model_args = [a for m in models for a in (('--onnx', str(sorted(m.glob('*.onnx'))[0])) if USE_ONNX else ('--run-dir', str(m)))]
subprocess.run(['biomass-kit', 'predict', *model_args, '--test-csv', str(data/'test.csv'), '--image-dir', str(data),
                '--tta', TTA, '--out', str(out/'submission.csv')], check=True)
subprocess.run(['biomass-kit', 'check-submission', str(out/'submission.csv'), '--sample', str(data/'test.csv')], check=True)
