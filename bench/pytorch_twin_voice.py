"""PyTorch twin of one CycleGAN-VC training step (preset cyclegan-voice), for bench/pytorch_family_steps.py.

gankit's side: packages/families/src/voice-conversion/index.ts (preset, build),
packages/models/src/architectures/speech.ts (spectrogramTranslator, G and F),
packages/models/src/architectures/image-to-image.ts (patchganDiscriminator with inputWidth, D_X
and D_Y) and packages/trainers/src/strategies/cyclegan.ts (the step). Batches are normalized
log-mel segments [batch, melBins, frames, 1] in [-1, 1] (NCHW here: [batch, 1, 64, 64]); the
family draws them from espeak-ng speech, the twin uses fixed uniform ones of the same shape.

Networks (64 mel bins, 64-frame segments):
  G, F (spectrogramTranslator, c 32, He-normal init, zero biases): the image's mel rows become the
      channels of a 1-D signal over time; gated convs a * sigmoid(g), each branch its own conv1d
      ('same', TF's: the odd frame after) followed, where noted, by layer normalization over the
      channels of each frame (eps 1e-3, Keras'):
      gated(64->32, k15) - gated(32->64, k5 s2) + LN - gated(64->128, k5 s2) + LN
      - 3 x [gated(128->256, k3) + LN - conv1d(256->128, k3) - LN, + skip]
      - gated(128->128, k5) + LN - shuffle (frame t's channels j*64 + k -> frame 2t+j, channel k)
      - gated(64->64, k5) + LN - shuffle (-> 32 channels) - conv1d(32->64, k15) - tanh
  D_X, D_Y (PatchGAN on 64x64x1, 16 filters, 3 stride-2 layers, N(0, 0.02) init):
      conv(1->16, k4 s2) - LReLU - conv(16->32, k4 s2, no bias) - BN - LReLU - conv(32->64, k4 s2,
      no bias) - BN - LReLU - conv(64->128, k4 s1, no bias) - BN - LReLU - conv(128->1, k4 s1)
      -> 8x8 logits
countParams matched (gankit vs twin, moving statistics included; trainable in brackets):
  G_AB 1,292,288 (1,292,288), G_BA 1,292,288 (1,292,288), D_A 175,249 (174,801), D_B 175,249 (174,801).

One step, as the cyclegan strategy: one Adam over G and F on
L_G(D_Y(G(x))) + L_G(D_X(F(y))) + 10 (|F(G(x)) - x| + |G(F(y)) - y|) + 5 (|G(y) - y| + |F(x) - x|)
(L1 = mean absolute error, lsgan pair), then the 50-image pools (B's then A's), then D_Y's and
D_X's updates on 0.5 * L_D (each its own Adam, lr 2e-4, betas 0.5, 0.999). No emaDecay in the preset.
"""

import random

# From packages/families/src/voice-conversion/index.ts (cycleganVoice).
CONFIG = {
    'cyclegan-voice': {
        'kind': 'voice-conversion', 'batch': 8,
        'audio': {'melBins': 64},
        'model': {'segmentFrames': 64, 'generatorFilters': 32, 'residualBlocks': 3,
                  'discriminatorFilters': 16, 'discriminatorLayers': 3},
        'cycleWeight': 10.0, 'identityWeight': 5.0, 'poolSize': 50, 'loss': 'lsgan',
        'adam': {'lr': 2e-4, 'betas': (0.5, 0.999)},
    },
}

LN_EPS = 1e-3  # tfjs-layers' layerNormalization default


def build(torch, cfg, seed):
    """G, F, D_X, D_Y with their Adams, fixed segment batches, and step() returning the strategy's losses."""
    # imported here: pytorch_family_steps imports this module while it loads
    import pytorch_family_steps as base

    nn = torch.nn
    F_ = torch.nn.functional
    parts = base.build_torch_parts(torch)
    m = cfg['model']
    n, mel, frames = cfg['batch'], cfg['audio']['melBins'], m['segmentFrames']

    class Conv1d(nn.Conv1d):
        """tfjs conv1d 'same' (frames divisible by the stride): the odd frame of padding after."""

        def __init__(self, cin, cout, k, stride=1):
            total = max(k - stride, 0)
            lo, hi = total // 2, total - total // 2
            super().__init__(cin, cout, k, stride, padding=lo if lo == hi else 0)
            self.pad = None if lo == hi else (lo, hi)

        def forward(self, x):
            if self.pad is not None:
                x = F_.pad(x, self.pad)
            return super().forward(x)

    class FrameNorm(nn.LayerNorm):
        """Keras layerNormalization(axis -1) on [b, t, c], here on [b, c, t]: over each frame's channels."""

        def __init__(self, c):
            super().__init__(c, eps=LN_EPS)

        def forward(self, x):
            return super().forward(x.transpose(1, 2)).transpose(1, 2)

    class Gated(nn.Module):
        """a * sigmoid(g), each branch a conv1d (and a layer norm when `norm`)."""

        def __init__(self, cin, cout, k, stride=1, norm=True):
            super().__init__()
            self.linear = nn.Sequential(Conv1d(cin, cout, k, stride), *([FrameNorm(cout)] if norm else []))
            self.gate = nn.Sequential(Conv1d(cin, cout, k, stride), *([FrameNorm(cout)] if norm else []))

        def forward(self, x):
            return self.linear(x) * torch.sigmoid(self.gate(x))

    class Residual(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.body = nn.Sequential(Gated(c, 2 * c, 3), Conv1d(2 * c, c, 3), FrameNorm(c))

        def forward(self, x):
            return x + self.body(x)

    class Shuffle(nn.Module):
        """tfjs reshape [b, t, 2c] -> [b, 2t, c] in [b, c, t]: channel j*c + k of frame t -> channel k of 2t+j."""

        def forward(self, x):
            b, cc, t = x.shape
            c = cc // 2
            return x.view(b, 2, c, t).permute(0, 2, 3, 1).reshape(b, c, 2 * t)

    class Translator(nn.Module):
        def __init__(self, mel, c, blocks):
            super().__init__()
            self.body = nn.Sequential(
                Gated(mel, c, 15, norm=False),
                Gated(c, 2 * c, 5, 2),
                Gated(2 * c, 4 * c, 5, 2),
                *[Residual(4 * c) for _ in range(blocks)],
                Gated(4 * c, 4 * c, 5), Shuffle(),
                Gated(2 * c, 2 * c, 5), Shuffle(),
                Conv1d(c, mel, 15),
            )

        def forward(self, x):
            # [b, 1, mel, t]: the mel rows as channels of a signal over time
            return torch.tanh(self.body(x.squeeze(1))).unsqueeze(1)

    def he_init(net):
        """Keras' heNormal (truncated normal, stddev sqrt(2 / fan_in)), zero biases; layer norms 1, 0."""
        for mod in net.modules():
            if isinstance(mod, nn.Conv1d):
                std = (2.0 / mod.weight[0].numel()) ** 0.5
                nn.init.trunc_normal_(mod.weight, 0.0, std, -2 * std, 2 * std)
                nn.init.zeros_(mod.bias)
        return net

    c, blocks = m['generatorFilters'], m['residualBlocks']
    g = he_init(Translator(mel, c, blocks))
    f = he_init(Translator(mel, c, blocks))
    d_x = parts['init_weights'](parts['PatchGan'](0, 1, m['discriminatorFilters'], m['discriminatorLayers']), 'dcgan')
    d_y = parts['init_weights'](parts['PatchGan'](0, 1, m['discriminatorFilters'], m['discriminatorLayers']), 'dcgan')

    def adam(*nets):
        params = [p for net in nets for p in net.parameters()]
        return torch.optim.Adam(params, lr=cfg['adam']['lr'], betas=cfg['adam']['betas'], eps=base.ADAM_EPS)

    def update(opt, loss, nets):
        opt.zero_grad(set_to_none=True)
        loss.backward(inputs=[p for net in nets for p in net.parameters()])
        opt.step()

    opt_gf, opt_dx, opt_dy = adam(g, f), adam(d_x), adam(d_y)
    d_loss_fn, g_loss_fn = base.adversarial_losses(torch, cfg['loss'])
    x = torch.rand(n, 1, mel, frames) * 2 - 1  # voice A
    y = torch.rand(n, 1, mel, frames) * 2 - 1  # voice B
    rng = random.Random(seed)
    pools = {'a': base.ImagePool(torch, cfg['poolSize'], rng), 'b': base.ImagePool(torch, cfg['poolSize'], rng)}
    cyc, ident = cfg['cycleWeight'], cfg['identityWeight']

    def l1(p, t):
        return (p - t).abs().mean()

    def step():
        fake_b, fake_a = g(x), f(y)
        adversarial = g_loss_fn(d_y(fake_b)) + g_loss_fn(d_x(fake_a))
        cycle = l1(f(fake_b), x) + l1(g(fake_a), y)
        total = adversarial + cyc * cycle
        identity = None
        if ident > 0:
            identity = l1(g(y), y) + l1(f(x), x)
            total = total + ident * identity
        update(opt_gf, total, [g, f])
        pooled_b = pools['b'].query(fake_b.detach())
        pooled_a = pools['a'].query(fake_a.detach())
        d_y_loss = 0.5 * d_loss_fn(d_y(y), d_y(pooled_b))
        update(opt_dy, d_y_loss, [d_y])
        d_x_loss = 0.5 * d_loss_fn(d_x(x), d_x(pooled_a))
        update(opt_dx, d_x_loss, [d_x])
        dx, dy = d_x_loss.item(), d_y_loss.item()
        losses = {'d_loss': dx + dy, 'g_loss': total.item(), 'cycle_loss': cycle.item()}
        if identity is not None:
            losses['identity_loss'] = identity.item()
        return {**losses, 'd_x_loss': dx, 'd_y_loss': dy}

    return {'G_AB': g, 'G_BA': f, 'D_A': d_x, 'D_B': d_y}, step
