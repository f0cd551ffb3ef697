import { listZooModels, zooModelCard } from './zoo.js';

interface EvalRow {
  image: string;
  bicubic: { psnr: number; ssim: number };
  model: { psnr: number; ssim: number };
}

const cell = (m: { psnr: number; ssim: number }) => `${m.psnr.toFixed(2)} / ${m.ssim.toFixed(4)}`;

/**
 * The markdown table of the zoo's upscalers scored by `gankit eval` (PSNR dB / SSIM on the luma,
 * scale-pixel border cut), one column per model grouped by scale, bicubic first; from the cards.
 * @internal
 */
export function superResolutionTable(): string {
  const models = listZooModels('upscaler')
    .map((name) => {
      const card = zooModelCard(name);
      const ev = (card.metrics as { eval?: { scale: number; rows: EvalRow[] } }).eval;
      return ev ? { name, scale: ev.scale, rows: ev.rows } : undefined;
    })
    .filter((m) => m !== undefined)
    .sort((a, b) => b.scale - a.scale || a.name.localeCompare(b.name));
  const out: string[] = [];
  for (const scale of [...new Set(models.map((m) => m.scale))]) {
    const group = models.filter((m) => m.scale === scale);
    const images = group[0]!.rows.map((r) => r.image);
    out.push(
      `x${scale}, PSNR (dB) / SSIM, higher is better:`,
      '',
      `| image | bicubic | ${group.map((m) => `\`${m.name}\``).join(' | ')} |`,
      `| --- | --- | ${group.map(() => '---').join(' | ')} |`,
    );
    const mean = (rows: EvalRow[], f: (r: EvalRow) => { psnr: number; ssim: number }) => ({
      psnr: rows.reduce((s, r) => s + f(r).psnr, 0) / rows.length,
      ssim: rows.reduce((s, r) => s + f(r).ssim, 0) / rows.length,
    });
    for (const image of images) {
      const rowOf = (m: (typeof group)[number]) => m.rows.find((r) => r.image === image);
      out.push(
        `| ${image.replace(/\.png$/, '')} | ${cell(rowOf(group[0]!)!.bicubic)} | ${group
          .map((m) => (rowOf(m) ? cell(rowOf(m)!.model) : '-'))
          .join(' | ')} |`,
      );
    }
    out.push(
      `| **mean** | **${cell(mean(group[0]!.rows, (r) => r.bicubic))}** | ${group
        .map((m) => `**${cell(mean(m.rows, (r) => r.model))}**`)
        .join(' | ')} |`,
      '',
    );
  }
  return `${out.join('\n')}\n`;
}
