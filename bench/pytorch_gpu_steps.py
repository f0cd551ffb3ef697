#!/usr/bin/python3
"""PyTorch's side of gankit's GPU benchmark (`pnpm bench:gpu`): the same two training steps
as bench/dcgan-step.ts and bench/srgan-step.ts, on CUDA (or any torch device).

  dcgan: batch 64, 28x28x1, the DCGAN of bench/pytorch_dcgan_step.py, Adam(2e-4, 0.5).
  srgan: Ledig et al. 2017: SRResNet (9x9 conv + PReLU, B residual blocks conv-BN-PReLU-conv-BN,
         conv-BN + long skip, log2(scale) x [conv to 4x filters, pixel shuffle, PReLU], 9x9 conv,
         tanh), the 8-conv discriminator with dense 1024, VGG19 features at conv5_4 after its
         ReLU (random weights, frozen), content MSE + 1e-3 adversarial, Adam(1e-4, 0.9, 0.999).
         One D update (G's output without gradient), then one G update.

float32 throughout: TF32 is off unless --tf32 (WebGPU computes in float32). Prints one JSON
object on stdout. Usage: pytorch_gpu_steps.py [--device cuda] [--steps 10] [--warmup 3]
  [--sr-batch 16] [--sr-hr 96] [--sr-scale 4] [--sr-filters 64] [--sr-blocks 16] [--tf32]
"""

import argparse
import json
import math
import statistics
import time


def build_dcgan(nn, width=64, latent=100):
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
    return g, d


def build_srgan(nn, torch, filters, blocks, scale, hr):
    def bn(c):
        return nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)

    class Residual(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(
                nn.Conv2d(filters, filters, 3, 1, 1, bias=False), bn(filters), nn.PReLU(filters),
                nn.Conv2d(filters, filters, 3, 1, 1, bias=False), bn(filters))

        def forward(self, x):
            return x + self.body(x)

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = nn.Sequential(nn.Conv2d(3, filters, 9, 1, 4), nn.PReLU(filters))
            self.blocks = nn.Sequential(*[Residual() for _ in range(blocks)])
            self.post = nn.Sequential(nn.Conv2d(filters, filters, 3, 1, 1, bias=False), bn(filters))
            up = []
            for _ in range(int(math.log2(scale))):
                up += [nn.Conv2d(filters, 4 * filters, 3, 1, 1), nn.PixelShuffle(2), nn.PReLU(filters)]
            self.up = nn.Sequential(*up)
            self.tail = nn.Conv2d(filters, 3, 9, 1, 4)

        def forward(self, x):
            h = self.head(x)
            h = h + self.post(self.blocks(h))
            return torch.tanh(self.tail(self.up(h)))

    layers, c_in = [], 3
    for i in range(8):
        c = 64 * 2 ** (i // 2)
        layers += [nn.Conv2d(c_in, c, 3, 1 if i % 2 == 0 else 2, 1, bias=(i == 0))]
        if i > 0:
            layers += [bn(c)]
        layers += [nn.LeakyReLU(0.2)]
        c_in = c
    side = hr // 16
    layers += [nn.Flatten(), nn.Linear(512 * side * side, 1024), nn.LeakyReLU(0.2), nn.Linear(1024, 1)]
    d = nn.Sequential(*layers)

    # VGG19 up to conv5_4 and its ReLU (torchvision's features[:36])
    vgg, c_in = [], 3
    for v in [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M',
              512, 512, 512, 512]:
        if v == 'M':
            vgg.append(nn.MaxPool2d(2))
        else:
            vgg += [nn.Conv2d(c_in, v, 3, 1, 1), nn.ReLU()]
            c_in = v
    vgg = nn.Sequential(*vgg)
    for p in vgg.parameters():
        p.requires_grad_(False)
    return Generator(), d, vgg


def timed(step, sync, warmup, steps):
    for _ in range(warmup):
        step()
    times, losses = [], None
    for _ in range(steps):
        sync()
        t0 = time.perf_counter()
        losses = step()  # .item() waits for the GPU
        times.append((time.perf_counter() - t0) * 1000)
    return times, losses


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--device', default='cuda')
    parser.add_argument('--steps', type=int, default=10)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--sr-batch', type=int, default=16)
    parser.add_argument('--sr-hr', type=int, default=96)
    parser.add_argument('--sr-scale', type=int, default=4)
    parser.add_argument('--sr-filters', type=int, default=64)
    parser.add_argument('--sr-blocks', type=int, default=16)
    parser.add_argument('--tf32', action='store_true')
    parser.add_argument('--skip-srgan', action='store_true')
    args = parser.parse_args()

    try:
        import torch
        from torch import nn
    except ImportError as e:
        print(json.dumps({'ok': False, 'reason': f'PyTorch is not importable: {e}'}))
        return
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        print(json.dumps({'ok': False, 'reason': 'torch.cuda.is_available() is False'}))
        return
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    torch.backends.cudnn.allow_tf32 = args.tf32
    torch.backends.cudnn.benchmark = True
    dev = torch.device(args.device)
    sync = (lambda: torch.cuda.synchronize(dev)) if dev.type == 'cuda' else (lambda: None)
    torch.manual_seed(0)
    bce = nn.BCEWithLogitsLoss()

    def adversarial_step(g, d, opt_g, opt_d, g_input, real, content=None, adv_weight=1.0):
        """One D update, then one G update; returns (d_loss, g_loss)."""
        ones = torch.ones(real.shape[0], 1, device=dev)
        zeros = torch.zeros(real.shape[0], 1, device=dev)
        x = g_input()
        with torch.no_grad():
            fake = g(x)
        opt_d.zero_grad(set_to_none=True)
        d_loss = bce(d(real), ones) + bce(d(fake), zeros)
        d_loss.backward()
        opt_d.step()
        for p in d.parameters():
            p.requires_grad_(False)
        opt_g.zero_grad(set_to_none=True)
        out = g(x)
        g_loss = adv_weight * bce(d(out), ones)
        if content is not None:
            g_loss = g_loss + content(out)
        g_loss.backward()
        opt_g.step()
        for p in d.parameters():
            p.requires_grad_(True)
        return d_loss.item(), g_loss.item()

    result = {'ok': True, 'torch': torch.__version__, 'device': str(dev), 'tf32': args.tf32}
    if dev.type == 'cuda':
        result['gpu'] = torch.cuda.get_device_name(dev)

    g, d = build_dcgan(nn)
    for m in list(g.modules()) + list(d.modules()):
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
    g, d = g.to(dev), d.to(dev)
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-7)
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-7)
    real = torch.rand(64, 1, 28, 28, device=dev) * 2 - 1
    times, losses = timed(
        lambda: adversarial_step(g, d, opt_g, opt_d, lambda: torch.randn(64, 100, device=dev), real),
        sync, args.warmup, args.steps)
    result['dcgan'] = {'stepMs': times, 'medianStepMs': statistics.median(times), 'losses': losses}

    if not args.skip_srgan:
        hr, s = args.sr_hr, args.sr_scale
        g, d, vgg = build_srgan(nn, torch, args.sr_filters, args.sr_blocks, s, hr)
        g, d, vgg = g.to(dev), d.to(dev), vgg.to(dev)
        opt_g = torch.optim.Adam(g.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-7)
        opt_d = torch.optim.Adam(d.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-7)
        low = torch.rand(args.sr_batch, 3, hr // s, hr // s, device=dev) * 2 - 1
        high = torch.rand(args.sr_batch, 3, hr, hr, device=dev) * 2 - 1
        # VGG's input as gankit feeds it: [-1, 1] to 0..255, RGB to BGR, ImageNet means off
        mean = torch.tensor([103.939, 116.779, 123.68], device=dev).view(1, 3, 1, 1)

        def features(x):
            return vgg(((x + 1) * 127.5).flip(1) - mean)

        def content(out):
            with torch.no_grad():
                target = features(high)
            return torch.mean((features(out) - target) ** 2)

        times, losses = timed(
            lambda: adversarial_step(g, d, opt_g, opt_d, lambda: low, high, content, 1e-3),
            sync, args.warmup, args.steps)
        result['srgan'] = {'stepMs': times, 'medianStepMs': statistics.median(times), 'losses': losses,
                           'shape': {'batch': args.sr_batch, 'hrSize': hr, 'scale': s,
                                     'filters': args.sr_filters, 'residualBlocks': args.sr_blocks}}
    if dev.type == 'cuda':
        result['maxMemoryMb'] = torch.cuda.max_memory_allocated(dev) / 2 ** 20
    print(json.dumps(result))


if __name__ == '__main__':
    main()
