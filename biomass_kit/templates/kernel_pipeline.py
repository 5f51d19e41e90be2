from biomass_kit.pipeline import run_pipeline
record = run_pipeline(PIPELINE)   # stages under /kaggle/working/pipeline, submission.csv in /kaggle/working
