"""PyTorch twin of one GAN-CLS training step (preset gancls-fashion), for bench/pytorch_family_steps.py.

gankit's side: packages/families/src/text-to-image/index.ts (preset, build),
packages/models/src/architectures/text-conditional.ts (G, D, style encoder S) and
packages/trainers/src/strategies/text-to-image.ts (the step). The char-CNN-RNN text encoder is
pre-trained and frozen before training, and the family embeds every training caption once
(embedTrainingCaptions): batches carry embeddings, so no text encoder runs in the step and the
twin uses fixed [batch, textDim] embeddings with fixed class-and-colour ids.

Networks (28x28x3, z 100, text 64 compressed to 128, N(0, 0.02) init, zero biases):
  G = [z, LReLU(dense(64 -> 128)(t))] - dense(228 -> 7*7*64, no bias) - BN - ReLU - reshape
      - convT(64->32, k4 s2, no bias) - BN - ReLU - convT(32->3, k4 s2) - tanh
  D = conv(3->32, k4 s2) - LReLU - conv(32->64, k4 s2, no bias) - BN - LReLU (7x7x64);
      LReLU(dense(64 -> 128)(t)) replicated over 7x7 and depth-concatenated (192 channels)
      - conv(192->64, k1, no bias) - BN - LReLU - flatten - dense(3136 -> 1)
  S = conv(3->32, k4 s2) - LReLU - conv(32->64, k4 s2) - LReLU - flatten - dense(3136 -> 100)
countParams matched (gankit vs twin, moving statistics included; trainable in brackets):
  G 770,307 (763,971), D 58,593 (58,337), S 348,100 (348,100).

One step (mode cls, k 1, non-saturating): fakes G(z, h) without a tape; D's update on
0.5 * L_D(D(x, h), D(G(z, h), h)) + 0.5 * L_D(D(x, h), D(x, h_wrong)), D applied to real,
fake, then wrong (batch-norm statistics); S's update on mean_b ||z - S(fakes)||^2 (own Adam,
same settings); G's update on L_G(D(G(z', h), h)) with fresh z'. h_wrong as wrongTextIndices:
for each example the first caption after it in the batch (cyclically) with another id.
"""

# From packages/families/src/text-to-image/index.ts (ganIntClsFashion, mode 'cls') and the
# strategy's defaults (fakeWeight, wrongWeight 0.5); ids: 10 classes x 12 FASHION_PALETTE colours.
CONFIG = {
    'gancls-fashion': {
        'kind': 'text-to-image', 'batch': 16,
        'model': {'imageSize': 28, 'channels': 3, 'latentDim': 100, 'generatorWidth': 32,
                  'discriminatorWidth': 32, 'compressedTextDim': 128, 'discriminatorBatchNorm': True,
                  'styleEncoderWidth': 32},
        'textDim': 64, 'captionIds': 120,
        'loss': 'non-saturating', 'discriminatorSteps': 1, 'fakeWeight': 0.5, 'wrongWeight': 0.5,
        'adam': {'lr': 5e-4, 'betas': (0.5, 0.999)}, 'emaDecay': 0.995,
    },
}


def build(torch, cfg, seed):
    """G, D and S with their Adams, fixed batches, and step() returning d_loss, s_loss, g_loss."""
    # imported here: pytorch_family_steps imports this module while it loads
    import pytorch_family_steps as base

    nn = torch.nn
    parts = base.build_torch_parts(torch)
    init = parts['init_weights']
    m = cfg['model']
    n, size, ch, latent = cfg['batch'], m['imageSize'], m['channels'], m['latentDim']
    text_dim, code_dim = cfg['textDim'], m['compressedTextDim']
    start, steps = size, 0
    while start % 2 == 0 and start // 2 >= 3:
        start //= 2
        steps += 1

    def conv_down(cin, cout, bias):
        # TF's 'same' k4 s2 on an even size pads 1 on each side (28 -> 14 -> 7)
        return nn.Conv2d(cin, cout, 4, 2, 1, bias=bias)

    def bn2d(c):
        return nn.BatchNorm2d(c, eps=base.BN_EPS, momentum=base.BN_MOMENTUM)

    def lrelu():
        return nn.LeakyReLU(base.SLOPE)

    def compress():
        return nn.Sequential(nn.Linear(text_dim, code_dim), lrelu())

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.text = compress()
            self.body = parts['dcgan_generator'](size, ch, latent, m['generatorWidth'],
                                                 in_features=latent + code_dim)

        def forward(self, z, t):
            return self.body(torch.cat([z, self.text(t)], 1))

    def down(width, batch_norm, bias_always=False):
        layers, cin = [], ch
        for i in range(steps):
            norm = batch_norm and i > 0
            layers.append(conv_down(cin, width * 2 ** i, bias_always or not norm))
            if norm:
                layers.append(bn2d(width * 2 ** i))
            layers.append(lrelu())
            cin = width * 2 ** i
        return nn.Sequential(*layers), cin

    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            bn = m['discriminatorBatchNorm']
            self.image, c = down(m['discriminatorWidth'], bn)
            self.text = compress()
            joint = [nn.Conv2d(c + code_dim, c, 1, bias=not bn)]
            if bn:
                joint.append(bn2d(c))
            self.joint = nn.Sequential(*joint, lrelu(), nn.Flatten())
            self.logit = nn.Linear(start * start * c, 1)

        def forward(self, x, t):
            h = self.image(x)
            code = self.text(t)[:, :, None, None].expand(-1, -1, start, start)
            return self.logit(self.joint(torch.cat([h, code], 1)))

    class StyleEncoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.image, c = down(m['styleEncoderWidth'], False, bias_always=True)
            self.code = nn.Sequential(nn.Flatten(), nn.Linear(start * start * c, latent))

        def forward(self, x):
            return self.code(self.image(x))

    g, d, s = init(Generator(), 'dcgan'), init(Discriminator(), 'dcgan'), init(StyleEncoder(), 'dcgan')

    def adam(net):
        return torch.optim.Adam(net.parameters(), lr=cfg['adam']['lr'], betas=cfg['adam']['betas'],
                                eps=base.ADAM_EPS)

    opt_g, opt_d, opt_s = adam(g), adam(d), adam(s)

    def update(opt, loss, net):
        opt.zero_grad(set_to_none=True)
        loss.backward(inputs=list(net.parameters()))
        opt.step()

    d_loss_fn, g_loss_fn = base.adversarial_losses(torch, cfg['loss'])
    wf, ww = cfg['fakeWeight'], cfg['wrongWeight']
    k = cfg['discriminatorSteps']
    batches = [(torch.rand(n, ch, size, size) * 2 - 1, torch.randn(n, text_dim),
                torch.randint(0, cfg['captionIds'], (n,))) for _ in range(k)]

    def wrong_indices(labels):
        """wrongTextIndices: the nearest later example (cyclically) with another id, else the next."""
        i = torch.arange(n)
        shifts = torch.arange(1, n)
        candidates = (i[:, None] + shifts[None, :]) % n
        differs = (labels[candidates] != labels[:, None]).float()
        score = differs * (n - shifts).float() + 0.5 * (shifts == 1).float()
        return (i + score.argmax(1) + 1) % n

    def step():
        for images, h, labels in batches:
            z = torch.randn(n, latent)
            with torch.no_grad():
                fakes = g(z, h)
            wrong = h[wrong_indices(labels)]
            real = d(images, h)
            fake = d(fakes, h)
            d_loss = wf * d_loss_fn(real, fake) + ww * d_loss_fn(real, d(images, wrong))
            update(opt_d, d_loss, d)
            s_loss = ((z - s(fakes)) ** 2).sum(1).mean()
            update(opt_s, s_loss, s)
        h = batches[-1][1]
        g_loss = g_loss_fn(d(g(torch.randn(n, latent), h), h))
        update(opt_g, g_loss, g)
        return {'d_loss': d_loss.item(), 'g_loss': g_loss.item(), 's_loss': s_loss.item()}

    return {'G': g, 'D': d, 'S': s}, step
