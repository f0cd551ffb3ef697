"""PyTorch twin of one LAPGAN training step (preset lapgan-fashion), for bench/pytorch_family_steps.py.

gankit's side: packages/families/src/lapgan/index.ts (preset, build, the batches padded 28 -> 32
with background -1), packages/models/src/architectures/lapgan.ts (the level networks),
packages/models/src/pyramid/pyramid.ts (d(.) and u(.)) and packages/trainers/src/strategies/lapgan.ts
(the step). Images are NCHW here ([batch, 1, 32, 32]); the twin's real batch is a fixed uniform
28x28 one padded with -1, as the family pads Fashion-MNIST.

Pyramid: d(.) = reflect-pad 2, depthwise 5x5 blur ([1, 4, 6, 4, 1] / 16 outer itself), stride 2;
u(.) = each pixel followed by zeros (2x size), reflect-pad 2, 4 * that blur, stride 1.
Networks (three levels: 8x8, 16x16, 32x32; 'same' paddings TF's, the odd pixel after):
  G_0 = dense(100 -> 512, no bias) - BN - ReLU - dense(512 -> 512, no bias) - BN - ReLU
        - dense(512 -> 64) - tanh - reshape 8x8x1 (He-normal hidden, N(0, 0.02) output)
  D_0 = flatten (64) - dense(512) - LReLU - dense(256) - LReLU - dense(1)
  G_k = [noise plane, l_k] (2 channels) - conv(k3, w, no bias) - BN - ReLU - conv(k3, w, no bias)
        - BN - ReLU - conv(w -> 1, k3): the residual, linear; w = 32 (16x16), 16 (32x32)
  D_k = [image, l_k] - conv(k3 s2, w) - LReLU - conv(k3 s2, 2w) - LReLU - flatten - dense(1)
countParams matched (gankit vs twin, moving statistics included; trainable in brackets):
  G_0 350,272 (348,224), D_0 164,865 (164,865), G_1 10,337 (10,209), D_1 20,129 (20,129),
  G_2 2,865 (2,801), D_2 6,993 (6,993).

One step, level by level coarse to fine, on the Gaussian pyramid g of the batch (d(.) applied
twice, inside the step as gankit does) with l_k = u(g at level k - 1): fakes (l_k +) G_k(noise,
l_k) without a tape, D_k's update on L_D(D_k(real, l_k), D_k(fake, l_k)), then G_k's update on
L_G(D_k(l_k + G_k(fresh noise, l_k), l_k)); non-saturating, two Adams per level (7e-4, 0.5, 0.999).
The preset's emaDecay (0.995) averages the sampling model's weights, all three generators'
(pytorch_family_steps' main() averages every network named G or G_<k>).
"""

# From packages/families/src/lapgan/index.ts (lapganFashion): imageSize 28 + 2 * pad 2 = 32,
# levels 3; levelWidth halves the conv widths per finer level (at least 8).
CONFIG = {
    'lapgan-fashion': {
        'kind': 'lapgan', 'batch': 16,
        'model': {'imageSize': 28, 'channels': 1, 'pad': 2, 'levels': 3, 'latentDim': 100,
                  'coarseGeneratorHidden': [512, 512], 'coarseDiscriminatorHidden': [512, 256],
                  'generatorWidth': 32, 'discriminatorWidth': 32, 'kernelSize': 3},
        'loss': 'non-saturating', 'adam': {'lr': 7e-4, 'betas': (0.5, 0.999)},
        'emaDecay': 0.995,
    },
}

PYRAMID_KERNEL = [1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16]


def build(torch, cfg, seed):
    """G_k, D_k for every level with their Adams, a fixed real batch, and step() returning
    d_loss_k, g_loss_k per level."""
    # imported here: pytorch_family_steps imports this module while it loads
    import pytorch_family_steps as base

    nn = torch.nn
    F = torch.nn.functional
    m = cfg['model']
    n, ch, latent, k_size = cfg['batch'], m['channels'], m['latentDim'], m['kernelSize']
    full = m['imageSize'] + 2 * m['pad']
    sizes = [full // 2 ** (m['levels'] - 1 - k) for k in range(m['levels'])]

    def level_width(width, k):
        return max(8, round(width / 2 ** (k - 1)))

    class Conv(nn.Conv2d):
        """tfjs conv2d, 'same' with TF's padding: the odd pixel after (k3 s2: 0 before, 1 after)."""

        def __init__(self, cin, cout, stride=1, bias=True):
            total = max(k_size - stride, 0)
            lo, hi = total // 2, total - total // 2
            super().__init__(cin, cout, k_size, stride, padding=lo if lo == hi else 0, bias=bias)
            self.pads = None if lo == hi else (lo, hi, lo, hi)

        def forward(self, x):
            return super().forward(x if self.pads is None else F.pad(x, self.pads))

    def bn1d(c):
        return nn.BatchNorm1d(c, eps=base.BN_EPS, momentum=base.BN_MOMENTUM)

    def bn2d(c):
        return nn.BatchNorm2d(c, eps=base.BN_EPS, momentum=base.BN_MOMENTUM)

    def he(layer):
        """Keras' heNormal as the base's init_weights draws it; zero bias."""
        fan_in = layer.weight[0].numel()
        std = (2.0 / fan_in) ** 0.5
        nn.init.trunc_normal_(layer.weight, 0.0, std, -2 * std, 2 * std)
        if layer.bias is not None:
            nn.init.zeros_(layer.bias)
        return layer

    def dcgan(layer):
        nn.init.normal_(layer.weight, 0.0, 0.02)
        if layer.bias is not None:
            nn.init.zeros_(layer.bias)
        return layer

    class CoarseGenerator(nn.Module):
        def __init__(self, size, hidden):
            super().__init__()
            layers, cin = [], latent
            for units in hidden:
                layers += [he(nn.Linear(cin, units, bias=False)), bn1d(units), nn.ReLU()]
                cin = units
            layers += [dcgan(nn.Linear(cin, size * size * ch)), nn.Tanh()]
            self.body = nn.Sequential(*layers)
            self.shape = (ch, size, size)  # reshape [size, size, ch]: the same for one channel

        def forward(self, z):
            return self.body(z).view(-1, *self.shape)

    def coarse_discriminator(size, hidden):
        layers, cin = [nn.Flatten()], size * size * ch
        for units in hidden:
            layers += [he(nn.Linear(cin, units)), nn.LeakyReLU(base.SLOPE)]
            cin = units
        layers.append(dcgan(nn.Linear(cin, 1)))
        return nn.Sequential(*layers)

    class LevelGenerator(nn.Module):
        def __init__(self, w):
            super().__init__()
            self.body = nn.Sequential(
                he(Conv(1 + ch, w, bias=False)), bn2d(w), nn.ReLU(),
                he(Conv(w, w, bias=False)), bn2d(w), nn.ReLU(),
                dcgan(Conv(w, ch)))

        def forward(self, noise, coarse):
            return self.body(torch.cat([noise, coarse], 1))

    class LevelDiscriminator(nn.Module):
        def __init__(self, size, w):
            super().__init__()
            self.body = nn.Sequential(
                dcgan(Conv(2 * ch, w, 2)), nn.LeakyReLU(base.SLOPE),
                dcgan(Conv(w, 2 * w, 2)), nn.LeakyReLU(base.SLOPE),
                nn.Flatten(), dcgan(nn.Linear((size // 4) ** 2 * 2 * w, 1)))

        def forward(self, image, coarse):
            return self.body(torch.cat([image, coarse], 1))

    gens, discs = [], []
    for k, size in enumerate(sizes):
        if k == 0:
            gens.append(CoarseGenerator(size, m['coarseGeneratorHidden']))
            discs.append(coarse_discriminator(size, m['coarseDiscriminatorHidden']))
        else:
            gens.append(LevelGenerator(level_width(m['generatorWidth'], k)))
            discs.append(LevelDiscriminator(size, level_width(m['discriminatorWidth'], k)))

    def adam(net):
        return torch.optim.Adam(net.parameters(), lr=cfg['adam']['lr'], betas=cfg['adam']['betas'],
                                eps=base.ADAM_EPS)

    opt_g = [adam(g) for g in gens]
    opt_d = [adam(d) for d in discs]
    d_loss_fn, g_loss_fn = base.adversarial_losses(torch, cfg['loss'])

    taps = torch.tensor(PYRAMID_KERNEL)
    blur = (taps[:, None] * taps[None, :]).expand(ch, 1, 5, 5).contiguous()

    def down(x):
        """d(.): reflect-pad 2, depthwise blur, every second pixel."""
        return F.conv2d(F.pad(x, (2, 2, 2, 2), mode='reflect'), blur, stride=2, groups=ch)

    def up(x):
        """u(.): pixels at the even positions of a grid twice the size, reflect-pad 2, 4 * blur."""
        b, c, h, w = x.shape
        grid = x.new_zeros(b, c, 2 * h, 2 * w)
        grid[:, :, ::2, ::2] = x
        return F.conv2d(F.pad(grid, (2, 2, 2, 2), mode='reflect'), 4 * blur, groups=ch)

    side = m['imageSize']
    images = F.pad(torch.rand(n, ch, side, side) * 2 - 1, (m['pad'],) * 4, value=-1.0)

    def noise(k):
        return torch.randn(n, latent) if k == 0 else torch.randn(n, 1, sizes[k], sizes[k])

    def update(opt, loss, net):
        opt.zero_grad(set_to_none=True)
        loss.backward(inputs=list(net.parameters()))
        opt.step()

    def step():
        gauss = [images]
        for _ in range(1, len(sizes)):
            gauss.append(down(gauss[-1]))
        losses = {}
        for k, (g, d) in enumerate(zip(gens, discs)):
            real = gauss[len(sizes) - 1 - k]
            coarse = None if k == 0 else up(gauss[len(sizes) - k])

            def generate():
                return g(noise(k)) if coarse is None else coarse + g(noise(k), coarse)

            def judge(x):
                return d(x) if coarse is None else d(x, coarse)

            with torch.no_grad():
                fake = generate()
            d_loss = d_loss_fn(judge(real), judge(fake))
            update(opt_d[k], d_loss, d)
            g_loss = g_loss_fn(judge(generate()))
            update(opt_g[k], g_loss, g)
            losses[f'd_loss_{k}'], losses[f'g_loss_{k}'] = d_loss, g_loss
        return {name: v.item() for name, v in losses.items()}

    nets = {}
    for k, (g, d) in enumerate(zip(gens, discs)):
        nets[f'G_{k}'], nets[f'D_{k}'] = g, d
    return nets, step
