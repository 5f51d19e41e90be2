"""Shared helpers of the benchmarks: one thread everywhere, timing, machine description, JSON results."""
import json, os, platform, time
from pathlib import Path

os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')
RESULTS = Path(__file__).resolve().parent/'results'

def single_thread():
    "Pin numpy/OpenCV/torch to one thread, so figures are per core."
    import cv2, torch
    cv2.setNumThreads(1); torch.set_num_threads(1)

def cpu_name() -> str:
    "The CPU's model name (from /proc/cpuinfo on Linux)."
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'): return line.split(':', 1)[1].strip()
    except OSError: pass
    return platform.processor() or platform.machine()

def load_average() -> list:
    "The 1, 5 and 15 minute load averages: how busy the machine was (other processes slow every figure alike)."
    return [round(x, 2) for x in os.getloadavg()]

def machine() -> dict:
    "What the figures were measured on."
    import torch
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return dict(cpu=cpu_name(), cores=os.cpu_count(), python=platform.python_version(), torch=torch.__version__, gpu=gpu,
                load_average=load_average())

# CPU seconds of this process (all its threads): on a machine shared with other jobs, the time this process was
# waiting for a core does not count, so single-threaded figures are per core whatever the load.
cpu_clock = time.process_time

def rate(fn, items, repeat:int=1, clock=cpu_clock) -> float:
    "Items per (CPU) second of calling `fn` on every item, best of `repeat` passes."
    best = float('inf')
    for _ in range(repeat):
        t0 = clock()
        for it in items: fn(it)
        best = min(best, clock() - t0)
    return len(items)/best

def epoch_rate(loader, clock=cpu_clock) -> float:
    "Items per (CPU) second of one pass over a DataLoader (items counted from the first element of each batch)."
    t0, n = clock(), 0
    for b in loader: n += len(b[0])
    return n/(clock() - t0)

def save_results(name:str, results:dict) -> Path:
    "Write `results` (plus the machine) to bench/results/<name>.json and return the path."
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS/f'{name}.json'
    path.write_text(json.dumps(dict(machine=machine(), **results), indent=2))
    return path
