#!/usr/bin/python3
"""One training step of a gankit preset in PyTorch (CPU), the reference for gankit's per-preset benchmark.

For each preset it builds PyTorch twins of the networks, losses and optimizers that gankit's
family builds (packages/families/src/<family>/index.ts), at the preset's own sizes and batch,
and times what gankit's Trainer runs per step (the strategy's trainStep in
packages/trainers/src/strategies/*.ts): the discriminator update(s) then the generator update,
on fixed random data of the right shapes (seeded). Layer types, widths, kernels, strides,
'same' paddings (TF's: the odd pixel at the end), norms, activations and parameter counts are
gankit's; `params` counts what `model.countParams()` counts (weights, biases, PReLU slopes,
embeddings, batch-norm moving mean and variance, the spectral-norm vector u).

Common to all: Adam(eps 1e-7, tfjs' default) per network with the preset's lr and betas; batch
norm with eps 1e-3 and momentum 0.1 (gankit's Keras momentum 0.9); LeakyReLU 0.2; every
network applied in training mode, also inside the other network's update; fakes for D's
update are generated without a gradient tape; the weights of the network that is not being
updated get no gradient (backward(inputs=...)); the losses are read back (`.item()`) at the
end of the step, as gankit's trainingStep reads them. Losses are means over every logit
(patch maps included): non-saturating D = E[softplus(-D(x))] + E[softplus(D(G(z)))],
G = E[softplus(-D(G(z)))]; hinge D = E[relu(1 - D(x))] + E[relu(1 + D(G(z)))], G = -E[D(G(z))];
wasserstein D = E[D(G(z))] - E[D(x)], G = -E[D(G(z))]; lsgan D = (E[(D(x)-1)^2] + E[D(G(z))^2])/2,
G = E[(D(G(z))-1)^2]/2.

Presets (gankit's parameter counts in brackets, G / D):
  dcgan-fashion (28x28x1, batch 16, Adam(7e-4, 0.5, 0.999), 1 D step, non-saturating)
      [359,553 / 36,705]
    G = dense(100 -> 7*7*64, no bias) - BN - ReLU - reshape - convT(64->32, k4 s2, no bias) - BN
        - ReLU - convT(32->1, k4 s2) - tanh
    D = conv(1->32, k4 s2) - LReLU - conv(32->64, k4 s2, no bias) - BN - LReLU - flatten - dense(1)
  hinge-sn-fashion: dcgan-fashion's G; D without BN, spectral norm (one power iteration per
      training forward, u of length out) on both convs and the dense layer; hinge loss
      [359,553 / 36,610]
  wgan-gp-fashion: dcgan-fashion's G; D without BN; wasserstein loss + gradient penalty
      10 * E[(||grad_x D(x_hat)||_2 - 1)^2] on x_hat = fake + u (real - fake), u ~ U(0, 1) per
      image; 5 D steps per G step, each on a fresh real batch and fresh fakes; Adam(3e-4, 0.5, 0.9)
      [359,553 / 36,513]
  cgan-fashion (batch 16, Adam(7e-4, 0.5, 0.999), non-saturating) [516,853 / 68,065]
    G = [z, embedding(10 -> 50)(y)] - dense(150 -> 7*7*64, no bias) - BN - ReLU - reshape
        - convT(64->32, k4 s2, no bias) - BN - ReLU - convT(32->1, k4 s2) - tanh
    D = conv(1->32, k4 s2) - LReLU - conv(32->64, k4 s2, no bias) - BN - LReLU - flatten (3136)
        -> dense(1) + <embedding(10 -> 3136)(y), features> (projection discriminator)
    D's update sees real images with their labels and fakes made with the same labels; G's
    update draws random labels.
  srresnet-x4 (48x48 HR crops, 12x12 LR, RGB, batch 16, Adam(5e-4, 0.9, 0.999), pixel MSE only)
      [174,179 / -]
    G = conv(3->32, k9) - PReLU - 4 x [conv(k3) - BN - PReLU - conv(k3) - BN, + skip] - conv(k3)
        - BN, + long skip - 2 x [conv(32->128, k3) - pixel shuffle x2 (tfjs depthToSpace order)
        - PReLU] - conv(32->3, k9) - tanh; PReLU one slope per channel, starting at 0
  srgan-x4: srresnet-x4's G; D = 8 x [conv k3 (3->16 s1, 16 s2, 32 s1, 32 s2, 64 s1, 64 s2,
      128 s1, 128 s2), BN after all but the first (those convs without bias), LReLU]
      - flatten (3*3*128) - dense(128) - LReLU - dense(1); G minimises MSE + 1e-3 * non-saturating
      adversarial term. The step timed is the adversarial one (after the preset's 1,000
      pretraining steps, which cost what an srresnet-x4 step costs). [174,179 / 442,625]
  lsrgan-x4: srgan-x4's G and D and an encoder E (HR 48x48x3 -> LR-shaped 12x12x3 code) =
      conv(3->16, k3) - LReLU - conv(16->32, k4 s2) - LReLU - conv(32->64, k4 s2) - LReLU
      - conv(64->3, k3) [43,235]; updated D, then E (latent distance + 10 * Lipschitz hinge,
      k 1, l1 norm, on fakes made before D's update), then G (1e-3 adversarial + pixel + 0.1 *
      latent distance, E applied to y and G(z) but not updated). [174,179 / 442,625]
  pix2pix-edges (32x32x1 edge map -> 32x32x1 image, batch 16, Adam(2e-4, 0.5, 0.999))
      [1,043,153 / 42,897]
    G = U-Net: down conv k4 s2 16, 32, 64, 128, 128 (BN on levels 2-4; levels 1 and 5 with bias,
        no BN), LReLU; up convT k4 s2 (no bias) 128, 64, 32, 16 - BN - dropout 0.5 (first three)
        - ReLU - concat skip; convT(32->1, k4 s2) - tanh
    D = PatchGAN on concat(A, B): conv(2->16, k4 s2) - LReLU - conv(16->32, k4 s2, no bias) - BN
        - LReLU - conv(32->64, k4 s1, no bias) - BN - LReLU - conv(64->1, k4 s1) -> 8x8 logits
    D minimises 0.5 * non-saturating; G minimises adversarial + 100 * L1.
  cyclegan-sneakers-boots (32x32x1 both domains, batch 8, Adam(2e-4, 0.5, 0.999), lsgan)
      [G_AB, G_BA 1,043,153 each / D_A, D_B 42,641 each]
    G_AB, G_BA = pix2pix's U-Net without dropout; D_A, D_B = pix2pix's PatchGAN on B alone
    (conv(1->16, ...)). One step: one G update (one Adam over both generators) on
    adversarial + 10 * cycle L1 + 5 * identity L1, then the 50-image pools, then D_B's and
    D_A's updates (0.5 * lsgan each, one Adam each).
  lapgan-fashion, gancls-fashion, cyclegan-voice: in modules of their own
    (pytorch_twin_lapgan.py, pytorch_twin_text_to_image.py, pytorch_twin_voice.py), each
    describing its networks, its step and the parameter counts it matches.

Run with Debian's python3 and python3-torch. Prints one JSON object on stdout:
  {"ok": true, "preset", "ms_per_step" (median), "ms_all", "steps", "warmup", "batch",
   "peak_rss_mb", "threads", "torch", "params": {...}, "trainable_params": {...}, "ema", "losses"}
or {"ok": false, "preset", "reason"} (unknown preset, PyTorch missing).
Network keys in params: G, D (and E for lsrgan-x4; G_AB, G_BA, D_A, D_B for cyclegan and
voice; G_k, D_k per level for lapgan; S, the style encoder, for gancls).
Usage: pytorch_family_steps.py --preset NAME [--threads 2] [--warmup 2] [--steps 10] [--seed 0] [--no-ema]
  As gankit's Trainer (and bench/family-steps.ts, which times the Trainer's step), presets with
  an emaDecay (dcgan-fashion, hinge-sn-fashion, wgan-gp-fashion, cgan-fashion: 0.995) also fold
  all of G's weights (batch-norm statistics included) into an exponential moving average after
  every step; --no-ema leaves that out (the strategy's trainStep alone).
"""

import argparse
import importlib
import json
import random
import statistics
import sys
import time

# Each preset's numbers, from packages/families/src/<family>/index.ts (and
# packages/families/src/shared/super-resolution.ts for the SR presets).
DCGAN_MODEL = {'imageSize': 28, 'channels': 1, 'latentDim': 100, 'generatorWidth': 32, 'discriminatorWidth': 32}
SR_DATA = {'hrSize': 48, 'scale': 4}
SR_ADAM = {'lr': 5e-4, 'betas': (0.9, 0.999)}
PRESETS = {
    'dcgan-fashion': {
        'kind': 'dcgan', 'batch': 16, 'model': {**DCGAN_MODEL, 'batchNorm': True, 'spectralNorm': False},
        'loss': 'non-saturating', 'discriminatorSteps': 1, 'penalty': None,
        'adam': {'lr': 7e-4, 'betas': (0.5, 0.999)}, 'emaDecay': 0.995,
    },
    'hinge-sn-fashion': {
        'kind': 'dcgan', 'batch': 16, 'model': {**DCGAN_MODEL, 'batchNorm': False, 'spectralNorm': True},
        'loss': 'hinge', 'discriminatorSteps': 1, 'penalty': None,
        'adam': {'lr': 7e-4, 'betas': (0.5, 0.999)}, 'emaDecay': 0.995,
    },
    'wgan-gp-fashion': {
        'kind': 'dcgan', 'batch': 16, 'model': {**DCGAN_MODEL, 'batchNorm': False, 'spectralNorm': False},
        'loss': 'wasserstein', 'discriminatorSteps': 5, 'penalty': 10.0,
        'adam': {'lr': 3e-4, 'betas': (0.5, 0.9)}, 'emaDecay': 0.995,
    },
    'cgan-fashion': {
        'kind': 'cgan', 'batch': 16,
        'model': {**DCGAN_MODEL, 'numClasses': 10, 'embeddingDim': 50, 'batchNorm': True},
        'loss': 'non-saturating', 'discriminatorSteps': 1,
        'adam': {'lr': 7e-4, 'betas': (0.5, 0.999)}, 'emaDecay': 0.995,
    },
    'srresnet-x4': {
        'kind': 'srresnet', 'batch': 16, 'data': SR_DATA, 'model': {'filters': 32, 'residualBlocks': 4},
        'adam': SR_ADAM,
    },
    'srgan-x4': {
        'kind': 'srgan', 'batch': 16, 'data': SR_DATA,
        'model': {'filters': 32, 'residualBlocks': 4, 'discriminatorFilters': 16, 'discriminatorDense': 128},
        'loss': 'non-saturating', 'adversarialWeight': 1e-3, 'adam': SR_ADAM,
    },
    'lsrgan-x4': {
        'kind': 'lsrgan', 'batch': 16, 'data': SR_DATA,
        'model': {'filters': 32, 'residualBlocks': 4, 'discriminatorFilters': 16, 'discriminatorDense': 128,
                  'encoderWidth': 16},
        'latent': {'pixelWeight': 1.0, 'latentWeight': 0.1, 'lipschitzK': 1.0, 'lipschitzWeight': 10.0,
                   'adversarialWeight': 1e-3},
        'loss': 'non-saturating', 'adam': SR_ADAM,
    },
    'pix2pix-edges': {
        'kind': 'pix2pix', 'batch': 16,
        'model': {'imageSize': 32, 'generatorFilters': 16, 'discriminatorFilters': 16, 'discriminatorLayers': 2},
        'l1Weight': 100.0, 'loss': 'non-saturating', 'adam': {'lr': 2e-4, 'betas': (0.5, 0.999)},
    },
    'cyclegan-sneakers-boots': {
        'kind': 'cyclegan', 'batch': 8,
        'model': {'imageSize': 32, 'generatorFilters': 16, 'discriminatorFilters': 16, 'discriminatorLayers': 2},
        'cycleWeight': 10.0, 'identityWeight': 5.0, 'poolSize': 50, 'loss': 'lsgan',
        'adam': {'lr': 2e-4, 'betas': (0.5, 0.999)},
    },
}

# Twins kept in modules of their own, each with CONFIG (its PRESETS entry) and
# build(torch, cfg, seed) -> ({name: nn.Module}, step), step() returning the losses as floats.
TWIN_MODULES = {
    'lapgan': 'pytorch_twin_lapgan',
    'text-to-image': 'pytorch_twin_text_to_image',
    'voice-conversion': 'pytorch_twin_voice',
}
for _kind, _module in TWIN_MODULES.items():
    try:
        PRESETS.update(importlib.import_module(_module).CONFIG)
    except ModuleNotFoundError as e:
        if e.name != _module:
            raise

BN_EPS = 1e-3  # Keras' default
BN_MOMENTUM = 0.1  # gankit's Keras momentum 0.9 (packages/models/src/architectures/blocks.ts)
ADAM_EPS = 1e-7  # tfjs' default
SLOPE = 0.2


def build_torch_parts(torch):
    """The network pieces, defined once PyTorch is imported."""
    nn = torch.nn
    F = torch.nn.functional

    def same_pads(k, s):
        """TF 'same' padding (input divisible by the stride): (before, after), the odd pixel after."""
        total = max(k - s, 0)
        return total // 2, total - total // 2

    class SpectralNorm(nn.Module):
        """gankit's SpectralNormalization (Miyato et al. 2018): u [1, units] (a non-trainable
        weight, so counted by countParams), one power iteration per training forward."""

        def __init__(self, units, eps=1e-12):
            super().__init__()
            self.eps = eps
            self.register_buffer('u', torch.randn(1, units))

        def forward(self, w):
            wm = w.reshape(w.shape[0], -1)  # [units, fan_in]: gankit's [fan_in, units] transposed
            if self.training:
                with torch.no_grad():
                    v = self.u @ wm
                    v = v / (v.norm() + self.eps)
                    u = v @ wm.t()
                    u = u / (u.norm() + self.eps)
                    self.u.copy_(u)
                sigma = ((v @ wm.t()) * u).sum()
            else:
                sigma = (self.u @ wm).norm()
            return w / sigma

    class Conv(nn.Conv2d):
        """tfjs conv2d with 'same' padding (asymmetric when TF's is), optionally spectrally normalized."""

        def __init__(self, cin, cout, k, stride=1, bias=True, sn=False):
            lo, hi = same_pads(k, stride)
            super().__init__(cin, cout, k, stride, padding=lo if lo == hi else 0, bias=bias)
            self.pad = None if lo == hi else (lo, hi, lo, hi)
            self.sn = SpectralNorm(cout) if sn else None

        def forward(self, x):
            if self.pad is not None:
                x = F.pad(x, self.pad)
            w = self.weight if self.sn is None else self.sn(self.weight)
            return F.conv2d(x, w, self.bias, self.stride, self.padding)

    class Dense(nn.Linear):
        """tfjs dense, optionally spectrally normalized."""

        def __init__(self, cin, cout, bias=True, sn=False):
            super().__init__(cin, cout, bias=bias)
            self.sn = SpectralNorm(cout) if sn else None

        def forward(self, x):
            w = self.weight if self.sn is None else self.sn(self.weight)
            return F.linear(x, w, self.bias)

    def conv_t(cin, cout, bias=True):
        """tfjs conv2dTranspose k4 s2 'same': doubles the size (padding 1 each side)."""
        return nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=bias)

    def bn2d(c):
        return nn.BatchNorm2d(c, eps=BN_EPS, momentum=BN_MOMENTUM)

    def lrelu():
        return nn.LeakyReLU(SLOPE)

    class PixelShuffle(nn.Module):
        """tfjs depthToSpace (NHWC) in NCHW: channel (i*r + j)*c + k of (h, w) -> channel k of (r*h+i, r*w+j)."""

        def __init__(self, r):
            super().__init__()
            self.r = r

        def forward(self, x):
            b, rrc, h, w = x.shape
            r = self.r
            c = rrc // (r * r)
            return x.view(b, r, r, c, h, w).permute(0, 3, 4, 1, 5, 2).reshape(b, c, h * r, w * r)

    def prelu(c):
        # Keras' PReLU starts its slopes at 0; shared over height and width: one per channel
        return nn.PReLU(c, init=0.0)

    def resolution_steps(size):
        start, steps = size, 0
        while start % 2 == 0 and start // 2 >= 3:
            start //= 2
            steps += 1
        return start, steps

    # --- DCGAN (packages/models/src/architectures/dcgan.ts) ---
    def dcgan_generator(size, channels, latent, base, in_features=None):
        start, steps = resolution_steps(size)
        w0 = base * 2 ** (steps - 1)
        layers = [
            nn.Linear(in_features or latent, start * start * w0, bias=False),
            nn.BatchNorm1d(start * start * w0, eps=BN_EPS, momentum=BN_MOMENTUM),
            nn.ReLU(),
            nn.Unflatten(1, (w0, start, start)),
        ]
        for i in range(1, steps):
            w = base * 2 ** (steps - 1 - i)
            layers += [conv_t(w * 2, w, bias=False), bn2d(w), nn.ReLU()]
        layers += [conv_t(base, channels), nn.Tanh()]
        return nn.Sequential(*layers)

    def dcgan_features(size, channels, base, batch_norm, sn):
        _, steps = resolution_steps(size)
        layers, cin = [], channels
        for i in range(steps):
            norm = batch_norm and i > 0
            layers.append(Conv(cin, base * 2 ** i, 4, 2, bias=not norm, sn=sn))
            if norm:
                layers.append(bn2d(base * 2 ** i))
            layers.append(lrelu())
            cin = base * 2 ** i
        layers.append(nn.Flatten())
        start = size // 2 ** steps
        return nn.Sequential(*layers), start * start * cin

    def dcgan_discriminator(size, channels, base, batch_norm, sn):
        features, dim = dcgan_features(size, channels, base, batch_norm, sn)
        return nn.Sequential(features, Dense(dim, 1, sn=sn))

    # --- conditional (packages/models/src/architectures/conditional.ts) ---
    class ConditionalGenerator(nn.Module):
        def __init__(self, size, channels, latent, base, num_classes, embedding_dim):
            super().__init__()
            self.embedding = nn.Embedding(num_classes, embedding_dim)
            self.body = dcgan_generator(size, channels, latent, base, in_features=latent + embedding_dim)

        def forward(self, z, y):
            return self.body(torch.cat([z, self.embedding(y)], 1))

    class ProjectionDiscriminator(nn.Module):
        def __init__(self, size, channels, base, num_classes, batch_norm):
            super().__init__()
            self.features, dim = dcgan_features(size, channels, base, batch_norm, False)
            self.logit = nn.Linear(dim, 1)
            self.projection = nn.Embedding(num_classes, dim)

        def forward(self, x, y):
            h = self.features(x)
            return self.logit(h) + (self.projection(y) * h).sum(1, keepdim=True)

    # --- super-resolution (packages/models/src/architectures/super-resolution.ts) ---
    class ResidualBlock(nn.Module):
        def __init__(self, f):
            super().__init__()
            self.body = nn.Sequential(Conv(f, f, 3), bn2d(f), prelu(f), Conv(f, f, 3), bn2d(f))

        def forward(self, x):
            return x + self.body(x)

    class Srresnet(nn.Module):
        def __init__(self, scale, channels, filters, blocks):
            super().__init__()
            f = filters
            self.head = nn.Sequential(Conv(channels, f, 9), prelu(f))
            self.blocks = nn.Sequential(*[ResidualBlock(f) for _ in range(blocks)])
            self.trunk = nn.Sequential(Conv(f, f, 3), bn2d(f))
            up = []
            for _ in range({2: 1, 4: 2}[scale]):
                up += [Conv(f, 4 * f, 3), PixelShuffle(2), prelu(f)]
            self.up = nn.Sequential(*up)
            self.tail = Conv(f, channels, 9)

        def forward(self, x):
            head = self.head(x)
            h = head + self.trunk(self.blocks(head))
            return torch.tanh(self.tail(self.up(h)))

    def srgan_discriminator(size, channels, base, units):
        layers, cin = [], channels
        for i in range(8):
            f = base * 2 ** (i // 2)
            stride = 1 if i % 2 == 0 else 2
            norm = i > 0
            layers.append(Conv(cin, f, 3, stride, bias=not norm))
            if norm:
                layers.append(bn2d(f))
            layers.append(lrelu())
            cin = f
        side = size // 16
        layers += [nn.Flatten(), nn.Linear(side * side * cin, units), lrelu(), nn.Linear(units, 1)]
        return nn.Sequential(*layers)

    # --- encoder (packages/encoders/src/cnn/cnn-encoder.ts), map target ---
    class CnnEncoder(nn.Module):
        def __init__(self, in_shape, target_shape, base):
            super().__init__()
            h, w, c = in_shape
            th, tw, tc = target_shape
            floor = max(th, tw)
            steps, size = 0, min(h, w)
            while -(-size // 2) >= floor and size > 1:
                size = -(-size // 2)
                steps += 1
            layers = [Conv(c, base, 3), lrelu()]
            cin = base
            for i in range(steps):
                layers += [Conv(cin, base * 2 ** min(i + 1, 3), 4, 2), lrelu()]
                cin = base * 2 ** min(i + 1, 3)
            self.body = nn.Sequential(*layers)
            fh, fw = h, w
            for _ in range(steps):
                fh, fw = -(-fh // 2), -(-fw // 2)
            self.resize = None
            if (fh, fw) != (th, tw):
                # gankit's resize2d (bilinear) then conv k3 - LReLU; not reached by lsrgan-x4
                self.resize = (th, tw)
                self.up = nn.Sequential(Conv(cin, base, 3), lrelu())
                cin = base
            self.out = Conv(cin, tc, 3)

        def forward(self, x):
            h = self.body(x)
            if self.resize is not None:
                h = self.up(F.interpolate(h, size=self.resize, mode='bilinear', align_corners=False))
            return self.out(h)

    # --- image-to-image (packages/models/src/architectures/image-to-image.ts) ---
    class Unet(nn.Module):
        def __init__(self, size, cin, cout, base, dropout):
            super().__init__()
            depth = min(size.bit_length() - 1, 8)
            width = lambda level: base * 2 ** min(level, 3)  # noqa: E731
            self.down = nn.ModuleList()
            c = cin
            for i in range(depth):
                norm = 0 < i < depth - 1
                block = [Conv(c, width(i), 4, 2, bias=i == 0 or i == depth - 1)]
                if norm:
                    block.append(bn2d(width(i)))
                block.append(lrelu())
                self.down.append(nn.Sequential(*block))
                c = width(i)
            self.up = nn.ModuleList()
            for j in range(depth - 2, -1, -1):
                level = depth - 1 - j
                block = [conv_t(c, width(j), bias=False), bn2d(width(j))]
                if level <= 3 and dropout > 0:
                    block.append(nn.Dropout(dropout))
                block.append(nn.ReLU())
                self.up.append(nn.Sequential(*block))
                c = 2 * width(j)  # after the skip concat
            self.out = conv_t(c, cout)

        def forward(self, x):
            skips = []
            h = x
            for block in self.down:
                h = block(h)
                skips.append(h)
            for k, block in enumerate(self.up):
                h = torch.cat([block(h), skips[len(skips) - 2 - k]], 1)
            return torch.tanh(self.out(h))

    class PatchGan(nn.Module):
        def __init__(self, condition_channels, image_channels, base, n_layers):
            super().__init__()
            layers, c = [], condition_channels + image_channels
            for i in range(n_layers + 1):
                last = i == n_layers
                norm = i > 0
                f = base * 2 ** min(i, 3)
                layers.append(Conv(c, f, 4, 1 if last else 2, bias=not norm))
                if norm:
                    layers.append(bn2d(f))
                layers.append(lrelu())
                c = f
            layers.append(Conv(c, 1, 4))
            self.body = nn.Sequential(*layers)

        def forward(self, *images):
            return self.body(images[0] if len(images) == 1 else torch.cat(images, 1))

    def init_weights(net, kind):
        """N(0, 0.02) (DCGAN, pix2pix, CycleGAN) or He-normal (SRResNet, SRGAN D, encoder); zero biases."""
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Embedding)):
                if kind == 'dcgan':
                    nn.init.normal_(m.weight, 0.0, 0.02)
                elif not isinstance(m, nn.Embedding):
                    # Keras' heNormal: truncated normal, stddev sqrt(2 / fan_in)
                    fan_in = m.weight[0].numel()
                    std = (2.0 / fan_in) ** 0.5
                    nn.init.trunc_normal_(m.weight, 0.0, std, -2 * std, 2 * std)
                if getattr(m, 'bias', None) is not None:
                    nn.init.zeros_(m.bias)
        return net

    return {
        'dcgan_generator': dcgan_generator, 'dcgan_discriminator': dcgan_discriminator,
        'ConditionalGenerator': ConditionalGenerator, 'ProjectionDiscriminator': ProjectionDiscriminator,
        'Srresnet': Srresnet, 'srgan_discriminator': srgan_discriminator, 'CnnEncoder': CnnEncoder,
        'Unet': Unet, 'PatchGan': PatchGan, 'init_weights': init_weights,
    }


def adversarial_losses(torch, name):
    """(D loss, G loss) on logits, as packages/losses/src/adversarial/*.ts."""
    F = torch.nn.functional
    if name == 'non-saturating':
        return (lambda r, f: F.softplus(-r).mean() + F.softplus(f).mean(),
                lambda f: F.softplus(-f).mean())
    if name == 'hinge':
        return (lambda r, f: torch.relu(1 - r).mean() + torch.relu(1 + f).mean(),
                lambda f: -f.mean())
    if name == 'wasserstein':
        return (lambda r, f: f.mean() - r.mean(),
                lambda f: -f.mean())
    if name == 'lsgan':
        return (lambda r, f: 0.5 * (((r - 1) ** 2).mean() + (f ** 2).mean()),
                lambda f: 0.5 * ((f - 1) ** 2).mean())
    raise ValueError(f'unknown loss {name}')


def count_params(net):
    """What tfjs' countParams() counts: parameters plus the batch-norm moving statistics and
    spectral-norm vectors (buffers), not PyTorch's num_batches_tracked."""
    n = sum(p.numel() for p in net.parameters())
    n += sum(b.numel() for name, b in net.named_buffers() if not name.endswith('num_batches_tracked'))
    return n


def trainable_params(net):
    return sum(p.numel() for p in net.parameters())


class ImagePool:
    """CycleGAN's history of fakes (packages/trainers/src/strategies/cyclegan.ts ImagePool)."""

    def __init__(self, torch, capacity, rng):
        self.torch, self.capacity, self.rng = torch, capacity, rng
        self.images = None
        self.count = 0
        self.slots = list(range(capacity))

    def query(self, images):
        torch = self.torch
        if self.capacity == 0:
            return images.clone()
        n, cap = images.shape[0], self.capacity
        slots, out = self.slots, []
        for i in range(n):
            if self.count < cap:
                slots[self.count] = cap + i
                self.count += 1
                out.append(cap + i)
            elif self.rng.random() > 0.5:
                j = self.rng.randrange(cap)
                out.append(slots[j])
                slots[j] = cap + i
            else:
                out.append(cap + i)
        stored = self.images if self.images is not None else torch.zeros((cap, *images.shape[1:]))
        every = torch.cat([stored, images])
        result = every[torch.tensor(out)]
        self.images = every[torch.tensor(slots)]
        self.slots = list(range(cap))
        return result


def build_step(torch, preset, cfg, seed):
    """Networks, optimizers and a step() returning the step's losses as floats."""
    kind = cfg['kind']
    if kind in TWIN_MODULES:
        # families whose twin lives in a module of its own: bench/pytorch_twin_<family>.py
        module = importlib.import_module(TWIN_MODULES[kind])
        return module.build(torch, cfg, seed)
    parts = build_torch_parts(torch)
    n = cfg['batch']
    init = parts['init_weights']

    def adam(*nets):
        params = [p for net in nets for p in net.parameters()]
        return torch.optim.Adam(params, lr=cfg['adam']['lr'], betas=cfg['adam']['betas'], eps=ADAM_EPS)

    def update(opt, loss, nets):
        """One optimizer step on `loss`, gradients for `nets`' parameters only."""
        opt.zero_grad(set_to_none=True)
        loss.backward(inputs=[p for net in nets for p in net.parameters()])
        opt.step()

    if kind in ('dcgan', 'cgan'):
        m = cfg['model']
        size, ch, latent = m['imageSize'], m['channels'], m['latentDim']
        d_loss_fn, g_loss_fn = adversarial_losses(torch, cfg['loss'])
        k = cfg['discriminatorSteps']
        reals = [torch.rand(n, ch, size, size) * 2 - 1 for _ in range(k)]
        if kind == 'dcgan':
            g = init(parts['dcgan_generator'](size, ch, latent, m['generatorWidth']), 'dcgan')
            d = init(parts['dcgan_discriminator'](size, ch, m['discriminatorWidth'], m['batchNorm'],
                                                  m['spectralNorm']), 'dcgan')
            gen = lambda z, y: g(z)  # noqa: E731
            judge = lambda x, y: d(x)  # noqa: E731
            labels = [None] * k
        else:
            g = init(parts['ConditionalGenerator'](size, ch, latent, m['generatorWidth'], m['numClasses'],
                                                   m['embeddingDim']), 'dcgan')
            d = init(parts['ProjectionDiscriminator'](size, ch, m['discriminatorWidth'], m['numClasses'],
                                                      m['batchNorm']), 'dcgan')
            gen = g
            judge = d
            labels = [torch.randint(0, m['numClasses'], (n,)) for _ in range(k)]
        opt_g, opt_d = adam(g), adam(d)
        weight = cfg.get('penalty')

        def penalty(real, fake, y):
            eps = torch.rand(n, 1, 1, 1)
            x = (fake + eps * (real - fake)).requires_grad_(True)
            (grad,) = torch.autograd.grad(judge(x, y).sum(), x, create_graph=True)
            norm = torch.sqrt(grad.reshape(n, -1).pow(2).sum(1) + 1e-12)
            return weight * ((norm - 1) ** 2).mean()

        def step():
            for real, y in zip(reals, labels):
                with torch.no_grad():
                    fake = gen(torch.randn(n, latent), y)
                d_loss = d_loss_fn(judge(real, y), judge(fake, y))
                if weight is not None:
                    d_loss = d_loss + penalty(real, fake, y)
                update(opt_d, d_loss, [d])
            z = torch.randn(n, latent)
            y = None if kind == 'dcgan' else torch.randint(0, m['numClasses'], (n,))
            g_loss = g_loss_fn(judge(gen(z, y), y))
            update(opt_g, g_loss, [g])
            return {'d_loss': d_loss.item(), 'g_loss': g_loss.item()}

        return {'G': g, 'D': d}, step

    if kind in ('srresnet', 'srgan', 'lsrgan'):
        m, data = cfg['model'], cfg['data']
        hr, scale = data['hrSize'], data['scale']
        lr_side = hr // scale
        g = init(parts['Srresnet'](scale, 3, m['filters'], m['residualBlocks']), 'he')
        inputs = torch.rand(n, 3, lr_side, lr_side) * 2 - 1
        targets = torch.rand(n, 3, hr, hr) * 2 - 1
        opt_g = adam(g)
        if kind == 'srresnet':
            def step():
                g_loss = ((g(inputs) - targets) ** 2).mean()
                update(opt_g, g_loss, [g])
                return {'g_loss': g_loss.item()}

            return {'G': g}, step

        d = init(parts['srgan_discriminator'](hr, 3, m['discriminatorFilters'], m['discriminatorDense']), 'he')
        opt_d = adam(d)
        d_loss_fn, g_loss_fn = adversarial_losses(torch, cfg['loss'])
        if kind == 'srgan':
            w_adv = cfg['adversarialWeight']

            def step():
                with torch.no_grad():
                    fake = g(inputs)
                d_loss = d_loss_fn(d(targets), d(fake))
                update(opt_d, d_loss, [d])
                out = g(inputs)
                g_loss = ((out - targets) ** 2).mean() + w_adv * g_loss_fn(d(out))
                update(opt_g, g_loss, [g])
                return {'d_loss': d_loss.item(), 'g_loss': g_loss.item()}

            return {'G': g, 'D': d}, step

        lat = cfg['latent']
        e = init(parts['CnnEncoder']((hr, hr, 3), (lr_side, lr_side, 3), m['encoderWidth']), 'he')
        opt_e = adam(e)

        def per_element(x):  # l1: divided by the elements per sample
            return x / x[0].numel()

        def distance(a, b):  # latentDistance, l1
            return (per_element(a) - per_element(b)).abs().reshape(n, -1).sum(1).mean()

        def hinge(generated, target, e_generated, e_target):  # lipschitzHinge, l1
            image_gap = (per_element(generated) - per_element(target)).abs().reshape(n, -1).sum(1)
            latent_gap = (per_element(e_generated) - per_element(e_target)).abs().reshape(n, -1).sum(1)
            return torch.relu(image_gap - lat['lipschitzK'] * latent_gap).mean()

        def step():
            z, y = inputs, targets
            with torch.no_grad():
                fake = g(z)
            d_loss = d_loss_fn(d(y), d(fake))
            update(opt_d, d_loss, [d])
            e_y, e_fake = e(y), e(fake)
            e_loss = distance(e_y, e_fake) + lat['lipschitzWeight'] * hinge(fake, y, e_fake, e_y)
            update(opt_e, e_loss, [e])
            out = g(z)
            adv = g_loss_fn(d(out))
            g_loss = (lat['adversarialWeight'] * adv + lat['pixelWeight'] * distance(y, out)
                      + lat['latentWeight'] * distance(e(y), e(out)))
            update(opt_g, g_loss, [g])
            return {'d_loss': d_loss.item(), 'e_loss': e_loss.item(), 'g_loss': g_loss.item()}

        return {'G': g, 'D': d, 'E': e}, step

    if kind == 'pix2pix':
        m = cfg['model']
        size = m['imageSize']
        g = init(parts['Unet'](size, 1, 1, m['generatorFilters'], 0.5), 'dcgan')
        d = init(parts['PatchGan'](1, 1, m['discriminatorFilters'], m['discriminatorLayers']), 'dcgan')
        opt_g, opt_d = adam(g), adam(d)
        d_loss_fn, g_loss_fn = adversarial_losses(torch, cfg['loss'])
        a = torch.rand(n, 1, size, size) * 2 - 1
        b = torch.rand(n, 1, size, size) * 2 - 1
        lam = cfg['l1Weight']

        def step():
            with torch.no_grad():
                fake = g(a)
            d_loss = 0.5 * d_loss_fn(d(a, b), d(a, fake))
            update(opt_d, d_loss, [d])
            out = g(a)
            g_loss = g_loss_fn(d(a, out)) + lam * (out - b).abs().mean()
            update(opt_g, g_loss, [g])
            return {'d_loss': d_loss.item(), 'g_loss': g_loss.item()}

        return {'G': g, 'D': d}, step

    if kind == 'cyclegan':
        m = cfg['model']
        size = m['imageSize']
        g = init(parts['Unet'](size, 1, 1, m['generatorFilters'], 0.0), 'dcgan')
        f = init(parts['Unet'](size, 1, 1, m['generatorFilters'], 0.0), 'dcgan')
        d_a = init(parts['PatchGan'](0, 1, m['discriminatorFilters'], m['discriminatorLayers']), 'dcgan')
        d_b = init(parts['PatchGan'](0, 1, m['discriminatorFilters'], m['discriminatorLayers']), 'dcgan')
        opt_gf, opt_da, opt_db = adam(g, f), adam(d_a), adam(d_b)
        d_loss_fn, g_loss_fn = adversarial_losses(torch, cfg['loss'])
        x = torch.rand(n, 1, size, size) * 2 - 1
        y = torch.rand(n, 1, size, size) * 2 - 1
        rng = random.Random(seed)
        pools = {'a': ImagePool(torch, cfg['poolSize'], rng), 'b': ImagePool(torch, cfg['poolSize'], rng)}
        cyc, ident = cfg['cycleWeight'], cfg['identityWeight']

        def l1(p, t):
            return (p - t).abs().mean()

        def step():
            fake_b, fake_a = g(x), f(y)
            adversarial = g_loss_fn(d_b(fake_b)) + g_loss_fn(d_a(fake_a))
            cycle = l1(f(fake_b), x) + l1(g(fake_a), y)
            total = adversarial + cyc * cycle
            if ident > 0:
                total = total + ident * (l1(g(y), y) + l1(f(x), x))
            update(opt_gf, total, [g, f])
            pooled_b = pools['b'].query(fake_b.detach())
            pooled_a = pools['a'].query(fake_a.detach())
            d_y_loss = 0.5 * d_loss_fn(d_b(y), d_b(pooled_b))
            update(opt_db, d_y_loss, [d_b])
            d_x_loss = 0.5 * d_loss_fn(d_a(x), d_a(pooled_a))
            update(opt_da, d_x_loss, [d_a])
            return {'d_loss': d_x_loss.item() + d_y_loss.item(), 'g_loss': total.item()}

        return {'G_AB': g, 'G_BA': f, 'D_A': d_a, 'D_B': d_b}, step

    raise ValueError(f'unknown kind {kind}')


def fail(preset, reason):
    print(json.dumps({'ok': False, 'preset': preset, 'reason': reason}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--preset', required=True)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--steps', type=int, default=10)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--no-ema', action='store_true',
                        help="leave out the Trainer's EMA of G's weights (presets with emaDecay)")
    args = parser.parse_args()

    cfg = PRESETS.get(args.preset)
    if cfg is None:
        fail(args.preset, f"unknown preset '{args.preset}'; known: {', '.join(PRESETS)}")
        return
    if args.steps < 1 or args.warmup < 0 or args.threads < 1:
        fail(args.preset, '--steps and --threads must be >= 1, --warmup >= 0')
        return
    try:
        import torch
    except ImportError as e:
        fail(args.preset, f'PyTorch is not importable: {e}')
        return

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    try:
        nets, train_step = build_step(torch, args.preset, cfg, args.seed)
    except Exception as e:  # a twin that cannot be built is reported, not raised
        fail(args.preset, f'building the networks failed: {type(e).__name__}: {e}')
        return
    for net in nets.values():
        net.train()

    ema_decay = None if args.no_ema else cfg.get('emaDecay')
    step = train_step
    if ema_decay is not None:
        # G's weights, or every level's generator (G_0, G_1, ...) where the sampling model is several
        gens = [net for name, net in nets.items() if name == 'G' or name.removeprefix('G_').isdigit()]
        live = [t for g in gens for t in g.state_dict().values() if t.is_floating_point()]
        shadow = [t.detach().clone() for t in live]

        def step():
            losses = train_step()
            with torch.no_grad():
                torch._foreach_mul_(shadow, ema_decay)
                torch._foreach_add_(shadow, live, alpha=1 - ema_decay)
            return losses

    losses = {}
    for _ in range(args.warmup):
        losses = step()
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        losses = step()
        times.append((time.perf_counter() - t0) * 1000)

    import resource
    print(json.dumps({
        'ok': True,
        'preset': args.preset,
        'ms_per_step': statistics.median(times),
        'ms_all': times,
        'steps': args.steps,
        'warmup': args.warmup,
        'batch': cfg['batch'],
        'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        'threads': torch.get_num_threads(),
        'torch': torch.__version__,
        'params': {k: count_params(v) for k, v in nets.items()},
        'trainable_params': {k: trainable_params(v) for k, v in nets.items()},
        'ema': ema_decay,
        'losses': losses,
    }))


if __name__ == '__main__':
    sys.exit(main())
