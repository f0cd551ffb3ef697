#!/usr/bin/python3
"""One DCGAN training step in PyTorch (CPU), the reference for gankit's benchmark.

Same topology, batch, optimizer and amount of work as bench/dcgan-step.ts:
  G = dense(100 -> 7*7*128, no bias) - BN - ReLU - reshape - convT(128->64, k4 s2, no bias) - BN
      - ReLU - convT(64->1, k4 s2) - tanh
  D = conv(1->64, k4 s2) - LeakyReLU(0.2) - conv(64->128, k4 s2) - LeakyReLU(0.2) - flatten
      - dense(1)
  Adam(2e-4, betas=(0.5, 0.999)) for each; one D update (real + fake, sigmoid cross-entropy on
  logits) then one G update (non-saturating), G forward once per update, D's weight gradients
  not computed in the G update.

Run with Debian's python3 and python3-torch. Prints one JSON object on stdout.
Usage: pytorch_dcgan_step.py [--threads 2] [--warmup 3] [--steps 10] [--extra-s 20]
"""

import argparse
import json
import platform
import statistics
import time

QUIET_CORES = 0.1


def loaded_blas():
    """Paths of the BLAS libraries mapped into this process (to show which one is used)."""
    libs = set()
    try:
        with open('/proc/self/maps') as maps:
            for line in maps:
                path = line.split()[-1]
                if 'blas' in path or 'lapack' in path:
                    libs.add(path)
    except OSError:
        pass
    return sorted(libs)


def cpu_busy_ticks():
    """Busy clock ticks of all CPUs (from /proc/stat), or None."""
    try:
        with open('/proc/stat') as stat:
            f = [int(x) for x in stat.readline().split()[1:]]
        return sum(f) - f[3] - f[4]
    except (OSError, ValueError, IndexError):
        return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--steps', type=int, default=10)
    parser.add_argument('--batch', type=int, default=64)
    parser.add_argument('--extra-s', type=float, default=20.0)
    args = parser.parse_args()

    try:
        import torch
        from torch import nn
    except ImportError as e:
        print(json.dumps({'ok': False, 'reason': f'PyTorch is not importable: {e}'}))
        return

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    n, latent, width = args.batch, 100, 64

    # 'same' padding of TF for k4 s2 is 1 on each side; the transposed convs double the size
    g = nn.Sequential(
        nn.Linear(latent, 7 * 7 * 2 * width, bias=False),
        nn.BatchNorm1d(7 * 7 * 2 * width, eps=1e-3, momentum=0.01),
        nn.ReLU(),
        nn.Unflatten(1, (2 * width, 7, 7)),
        nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False),
        nn.BatchNorm2d(width, eps=1e-3, momentum=0.01),
        nn.ReLU(),
        nn.ConvTranspose2d(width, 1, 4, 2, 1),
        nn.Tanh(),
    )
    d = nn.Sequential(
        nn.Conv2d(1, width, 4, 2, 1),
        nn.LeakyReLU(0.2),
        nn.Conv2d(width, 2 * width, 4, 2, 1),
        nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(7 * 7 * 2 * width, 1),
    )
    for m in list(g.modules()) + list(d.modules()):
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-7)
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-7)
    bce = nn.BCEWithLogitsLoss()
    real = torch.rand(n, 1, 28, 28) * 2 - 1
    ones = torch.ones(n, 1)
    zeros = torch.zeros(n, 1)

    def step():
        z = torch.randn(n, latent)
        # D update
        with torch.no_grad():
            fake = g(z)
        opt_d.zero_grad(set_to_none=True)
        d_loss = bce(d(real), ones) + bce(d(fake), zeros)
        d_loss.backward()
        opt_d.step()
        # G update: no gradient for D's weights
        for p in d.parameters():
            p.requires_grad_(False)
        opt_g.zero_grad(set_to_none=True)
        g_loss = bce(d(g(z)), ones)
        g_loss.backward()
        opt_g.step()
        for p in d.parameters():
            p.requires_grad_(True)
        return d_loss.item(), g_loss.item()

    for _ in range(args.warmup):
        step()
    # Like the TypeScript side: on a shared machine keep timing (up to --extra-s more seconds)
    # until --steps steps ran while other processes used under 0.1 of a core.
    times, others = [], []
    losses = (0.0, 0.0)
    t_start = time.perf_counter()
    while len(times) < args.steps or (
        sum(1 for o in others if o is not None and o < QUIET_CORES) < args.steps
        and time.perf_counter() - t_start < args.extra_s
    ):
        busy0, own0, t0 = cpu_busy_ticks(), time.process_time(), time.perf_counter()
        losses = step()
        busy1, own1, t1 = cpu_busy_ticks(), time.process_time(), time.perf_counter()
        times.append((t1 - t0) * 1000)
        # CPU that other processes used meanwhile, in cores (clock ticks are 1/100 s)
        others.append(None if busy0 is None or busy1 is None
                      else max(0.0, ((busy1 - busy0) / 100 - (own1 - own0)) / (t1 - t0)))
    quiet = [t for t, o in zip(times, others) if o is not None and o < QUIET_CORES]
    quiet_median = len(quiet) >= min(5, args.steps)

    g.eval()
    infer = []
    with torch.no_grad():
        for _ in range(args.warmup):
            g(torch.randn(n, latent))
        for _ in range(args.steps):
            z = torch.randn(n, latent)
            t0 = time.perf_counter()
            g(z)
            infer.append((time.perf_counter() - t0) * 1000)

    try:
        import resource
        max_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    except ImportError:
        max_rss_kb = None

    print(json.dumps({
        'ok': True,
        'torch': torch.__version__,
        'python': platform.python_version(),
        'threads': torch.get_num_threads(),
        'mkldnn': torch.backends.mkldnn.is_available(),
        'blas': loaded_blas(),
        'stepMs': times,
        'others': others,
        'quiet': len(quiet),
        'quietMedian': quiet_median,
        'medianStepMs': statistics.median(quiet if quiet_median else times),
        'inferMs': infer,
        'medianInferMs': statistics.median(infer),
        'losses': losses,
        'maxRssKb': max_rss_kb,
    }))


if __name__ == '__main__':
    main()
