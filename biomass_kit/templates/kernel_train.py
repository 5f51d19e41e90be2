import subprocess, tempfile
from pathlib import Path
from biomass_kit.config import ExperimentConfig
from biomass_kit.core import default_data_dir, default_output_dir
data, out = default_data_dir(), default_output_dir()   # /kaggle/input/csiro-biomass and /kaggle/working
cache = Path(tempfile.gettempdir())/'biomass-kit-cache'  # resized photos: every epoch after the first skips the decode; not kernel output
config = ExperimentConfig.from_dict(CONFIG).replace(
    train_csv=str(data/'train.csv'), test_csv=str(data/'test.csv'), sample_submission=str(data/'sample_submission.csv'),
    image_dir=str(data), output_dir=str(out), cache_dir=str(cache))
config.to_json(out/'kaggle_config.json')
subprocess.run(['biomass-kit', 'train', '--config', str(out/'kaggle_config.json')], check=True)
