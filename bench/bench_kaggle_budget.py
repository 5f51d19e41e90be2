"""Benchmark 5: the Kaggle budget of the offline submission notebook, from measured speed.

The default model (`ExperimentConfig()`: efficientnet_b3 at 352 px, metadata as auxiliary targets; random weights,
saved as `biomass-kit train` saves it) with the default TTA (`ExperimentConfig().tta`), on full-size synthetic
2000x1000 photos of real weight, predicted in batches through the kit's predictor (`infer.Predictor`):
- CPU, measured: `budget.measure_images_per_sec` (the speed `biomass-kit kaggle push-submit --run-dir` measures:
  `biomass-kit predict` wall clock, setup subtracted), turned into the notebook's time for 850 test images by
  `budget.estimate_runtime` (which adds 3 min of setup) and checked against Kaggle's 9 h by `budget.runtime_report`.
  Wall clock on a shared machine: the load average is printed with it. Also the per-core figure (one thread, CPU
  time), at the default batch of 16 and at --batch-size 1.
- T4-class GPU, an ESTIMATE (no GPU here): the predictor decodes and prepares every photo on the CPU in the main
  thread (the notebook passes no --num-workers), then runs the model on the GPU. Per image:
  CPU-side seconds (measured here on one thread in CPU time, by timing the model calls inside the same predictor run
  and taking them out) + GPU forward seconds, estimated from published throughput (see T4_* below) scaled by FLOPs.
Usage: python bench/bench_kaggle_budget.py [--n-images 16] [--batch-size 16]
"""
import argparse, tempfile, time
from pathlib import Path
import numpy as np, torch
from common import save_results, load_average, cpu_clock, single_thread

from biomass_kit.config import ExperimentConfig
from biomass_kit.data import MetadataEncoder, read_test_csv, to_wide
from biomass_kit.infer import Predictor, MODEL_FILE, METADATA_FILE
from biomass_kit.budget import measure_images_per_sec, estimate_runtime, runtime_report, TEST_IMAGES, KAGGLE_LIMIT_S
from biomass_kit.model import create_model, save_model
from biomass_kit.spec import TARGETS
from biomass_kit.synth import make_synthetic_competition
from biomass_kit.loaders import read_training_table

# The GPU forward estimate. NVIDIA DeepLearningExamples, PyTorch/Classification/ConvNets READMEs
# (github.com/NVIDIA/DeepLearningExamples/tree/master/PyTorch/Classification/ConvNets/{resnet50v1.5,efficientnet}),
# "Inference performance" tables, pytorch-21.03 NGC container, mixed precision, batch 64 (where both GPUs are past
# the small-batch latency floor):
#   resnet50v1.5/README.md:  ResNet-50 v1.5 (224 px)       NVIDIA T4: 1165 img/s   V100 16GB: 2984 img/s
#   efficientnet/README.md:  EfficientNet-B4 (380 px)      V100 16GB:  809 img/s
# -> EfficientNet-B4 on a T4 ~ 809 * 1165/2984 = 316 img/s (the T4/V100 ratio of ResNet-50 applied to EfficientNet-B4),
# then scaled to the kit's model by the FLOPs ratio of timm's efficientnet_b4 at 380 px to the kit's model, both
# counted here with torch.utils.flop_counter.
T4_OVER_V100 = 1165/2984
B4_V100_IMG_S = 809
B4_SIZE = 380

def default_run(folder:Path, n_images:int) -> tuple:
    "A synthetic competition of full-size photos, and a run folder with the default model (random weights)."
    comp = make_synthetic_competition(folder/'comp', n_train=8, n_test=n_images, image_size=(2000, 1000), seed=0, jpeg_quality=96)
    cfg = ExperimentConfig(train_csv=str(comp/'train.csv'), pretrained=False)
    table = read_training_table(cfg)
    encoder = MetadataEncoder().fit(table)
    model = create_model(cfg, metadata_info=encoder.to_dict(), train_targets=table[list(TARGETS)])
    run = folder/'run'
    run.mkdir()
    save_model(model, run/MODEL_FILE)
    encoder.save(run/METADATA_FILE)
    return cfg, comp, run, model

class TimedMember:
    "A predictor member whose model calls are timed (wall and CPU seconds); everything else is the member's."
    def __init__(self, member): self.member, self.wall, self.cpu = member, 0.0, 0.0
    def __getattr__(self, name): return getattr(self.member, name)
    def forward_views(self, x, metadata, views):
        w, c = time.perf_counter(), cpu_clock()
        out = self.member.forward_views(x, metadata, views)
        self.wall += time.perf_counter() - w; self.cpu += cpu_clock() - c
        return out

def predictor_split(run, comp, tta, batch_size) -> dict:
    "Seconds per image of the kit's batch prediction, and how much of it is the model (CPU time and wall clock)."
    predictor = Predictor.from_runs(run, device='cpu')
    timed = TimedMember(predictor.members[0])
    predictor.members = [timed]
    wide = to_wide(read_test_csv(comp/'test.csv'))
    kw = dict(image_dir=comp, tta=tta, batch_size=batch_size)
    predictor.predict(wide.head(2), **kw)                  # warm-up: first calls allocate and pick kernels
    timed.wall = timed.cpu = 0.0
    w, c = time.perf_counter(), cpu_clock()
    predictor.predict(wide, **kw)
    n = len(wide)
    wall, cpu = (time.perf_counter() - w)/n, (cpu_clock() - c)/n
    return dict(n_images=n, wall_per_image=wall, cpu_per_image=cpu, model_wall_per_image=timed.wall/n,
                model_cpu_per_image=timed.cpu/n, cpu_side_cpu_per_image=cpu - timed.cpu/n)

def gflops(model, input_shape) -> float:
    "GFLOPs of one forward pass of one image (torch's FLOP counter: 2 per multiply-add)."
    from torch.utils.flop_counter import FlopCounterMode
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter: model(torch.zeros(1, *input_shape))
    return counter.get_total_flops()/1e9

def t4_forward_images_per_sec(model, cfg) -> dict:
    "Estimated T4 forward throughput of the kit's model (see T4_* above)."
    import timm
    kit = gflops(model.eval(), (3, cfg.image_size, 2*cfg.image_size))   # one whole photo: two square views, or one 2:1 view
    b4 = gflops(timm.create_model('efficientnet_b4', pretrained=False).eval(), (3, B4_SIZE, B4_SIZE))
    b4_t4 = B4_V100_IMG_S*T4_OVER_V100
    return dict(kit_gflops=kit, b4_gflops=b4, b4_t4_img_s=b4_t4, images_per_sec=b4_t4*b4/kit)

def minutes(ips) -> float: return estimate_runtime(ips, TEST_IMAGES)/60

def main(n_images:int=16, batch_size:int=16):
    cfg0 = ExperimentConfig()
    tta = cfg0.tta
    folder = Path(tempfile.mkdtemp())
    cfg, comp, run, model = default_run(folder, n_images)
    load_before = load_average()
    print(f"default model {cfg.model} at {cfg.image_size} px (random weights, metadata_mode {cfg.metadata_mode}), TTA {tta!r}, "
          f"batch {batch_size}, {n_images} synthetic 2000x1000 photos; {torch.get_num_threads()} torch threads; load average {load_before}")
    ips_cpu, how = measure_images_per_sec(run, tta=tta, n_images=n_images)
    print(f"[CPU, measured] {ips_cpu:.2f} images/s ({how})")
    print(f"[CPU, measured] {runtime_report(ips_cpu, TEST_IMAGES, 'this machine, wall clock')}")
    single_thread()   # from here on one thread: CPU time is then core-seconds (with more, idle threads spin and count)
    split = predictor_split(run, comp, tta, batch_size)
    per_core_ips = 1/split['cpu_per_image']
    print(f"[CPU, per core] {split['cpu_per_image']*1000:.0f} CPU-ms per image = {split['cpu_side_cpu_per_image']*1000:.0f} ms "
          f"decoding and preparing + {split['model_cpu_per_image']*1000:.0f} ms in the model -> {per_core_ips:.2f} images/s "
          f"per core, {minutes(per_core_ips):.1f} min on one core")
    b1 = predictor_split(run, comp, tta, 1)
    print(f"[CPU, per core, --batch-size 1] {b1['cpu_per_image']*1000:.0f} CPU-ms per image ({b1['model_cpu_per_image']*1000:.0f} ms "
          f"in the model) -> {1/b1['cpu_per_image']:.2f} images/s per core, {minutes(1/b1['cpu_per_image']):.1f} min on one core")
    gpu = t4_forward_images_per_sec(model, cfg)
    t4_per_image = split['cpu_side_cpu_per_image'] + 1/gpu['images_per_sec']
    ips_t4 = 1/t4_per_image
    slow_gpu = 1/(split['cpu_side_cpu_per_image'] + 3/gpu['images_per_sec'])
    print(f"[T4, estimate] model forward ~{gpu['images_per_sec']:.0f} images/s (EfficientNet-B4 at {B4_SIZE} px ~{gpu['b4_t4_img_s']:.0f} "
          f"images/s on a T4 from NVIDIA's published figures, x {gpu['b4_gflops']:.1f}/{gpu['kit_gflops']:.1f} GFLOPs); "
          f"per image {split['cpu_side_cpu_per_image']*1000:.0f} ms CPU-side + {1000/gpu['images_per_sec']:.1f} ms GPU "
          f"-> {ips_t4:.1f} images/s")
    print(f"[T4, estimate] {runtime_report(ips_t4, TEST_IMAGES, 'T4 estimate')}: {TEST_IMAGES/ips_t4:.0f} s of prediction; "
          f"with a GPU 3x slower than estimated {TEST_IMAGES/slow_gpu:.0f} s")
    r = dict(model=cfg.model, image_size=cfg.image_size, metadata_mode=cfg.metadata_mode, tta=tta, batch_size=batch_size,
             n_images=n_images, test_images=TEST_IMAGES, kaggle_limit_s=KAGGLE_LIMIT_S, setup_s=estimate_runtime(1.0, n_images=0),
             cpu_measured=dict(images_per_sec=ips_cpu, how=how, minutes=minutes(ips_cpu), load_average=load_before),
             cpu_per_core=dict(images_per_sec=per_core_ips, minutes=minutes(per_core_ips), **split),
             cpu_per_core_batch_1=dict(images_per_sec=1/b1['cpu_per_image'], minutes=minutes(1/b1['cpu_per_image']), **b1),
             t4_estimate=dict(images_per_sec=ips_t4, minutes=minutes(ips_t4), prediction_seconds=TEST_IMAGES/ips_t4,
                              prediction_seconds_if_gpu_3x_slower=TEST_IMAGES/slow_gpu,
                              gpu_forward=gpu, t4_over_v100=T4_OVER_V100, b4_v100_img_s=B4_V100_IMG_S,
                              how="CPU-side time per image measured here (CPU time) + GPU forward from NVIDIA DeepLearningExamples "
                                  "published throughput (T4/V100 ratio of ResNet-50 applied to EfficientNet-B4, AMP, batch 64), "
                                  "scaled by FLOPs to the kit's model"))
    print(f"results: {save_results('kaggle_budget', r)}")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--n-images', type=int, default=16, help='full-size synthetic test photos to time')
    p.add_argument('--batch-size', type=int, default=16, help='photos per batch (biomass-kit predict default: 16)')
    main(**vars(p.parse_args()))
