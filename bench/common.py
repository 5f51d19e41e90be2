"""Shared helpers of the benchmarks: one thread everywhere, timing, machine description, JSON results."""
import json, os, platform, time
from pathlib import Path

os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')
RESULTS = Path(__file__).resolve().parent/'results'

def single_thread():
    "Pin numpy/OpenCV/torch to one thread, so figures are per core."
    import cv2, torch
    cv2.setNumThreads(1); torch.set_num_threads(1)

def machine() -> dict:
    "What the figures were measured on."
    import torch
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return dict(cpu=platform.processor() or platform.machine(), cores=os.cpu_count(), python=platform.python_version(),
                torch=torch.__version__, gpu=gpu)

def rate(fn, items, repeat:int=1) -> float:
    "Items per second of calling `fn` on every item, best of `repeat` passes."
    best = float('inf')
    for _ in range(repeat):
        t0 = time.perf_counter()
        for it in items: fn(it)
        best = min(best, time.perf_counter() - t0)
    return len(items)/best

def save_results(name:str, results:dict) -> Path:
    "Write `results` (plus the machine) to bench/results/<name>.json and return the path."
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS/f'{name}.json'
    path.write_text(json.dumps(dict(machine=machine(), **results), indent=2))
    return path
