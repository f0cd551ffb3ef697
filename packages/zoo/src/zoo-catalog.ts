import { listZooModels, type ModelCard, zooModelCard } from './zoo.js';

/** The headline numbers of a card, as one cell: FID and friends, class fidelity, or PSNR/SSIM. */
function headline(card: ModelCard): string {
  const m = card.metrics as Record<string, unknown>;
  const evalBlock = (m.eval ?? m) as Record<string, unknown>;
  const image = evalBlock.imageMetrics as
    | { fid: number; precision: number; recall: number; provenance: { nFake: number; nReal: number } }
    | undefined;
  const parts: string[] = [];
  if (image) {
    parts.push(
      `FID ${image.fid.toFixed(2)}, precision ${image.precision.toFixed(3)}, recall ${image.recall.toFixed(3)} (classifier features, ${image.provenance.nFake} samples vs ${image.provenance.nReal} test images)`,
    );
  }
  const fidelity = m.classFidelity as { accuracy: number } | undefined;
  if (fidelity) parts.push(`${(fidelity.accuracy * 100).toFixed(1)}% classified as the requested class`);
  type Row = { bicubic: { psnr: number; ssim: number }; model: { psnr: number; ssim: number } };
  const rows = evalBlock.rows as Row[] | undefined;
  if (rows?.length) {
    const mean = (f: (r: Row) => number) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
    const psnr = mean((r) => r.model.psnr);
    const bicubic = mean((r) => r.bicubic.psnr);
    parts.push(
      `x${String(evalBlock.scale)}: ${psnr.toFixed(2)} dB / ${mean((r) => r.model.ssim).toFixed(4)} against bicubic's ${bicubic.toFixed(2)} / ${mean((r) => r.bicubic.ssim).toFixed(4)} (${(psnr - bicubic).toFixed(2)} dB; ${rows.length} held-out photos, Y channel)`,
    );
  }
  return parts.join('; ') || '-';
}

/**
 * The catalogue of docs/zoo.md, from the model cards: a summary table, then each model's data,
 * command, budget, numbers, weights and licence.
 * @internal
 */
export function zooCatalog(): string {
  const cards = listZooModels().map(zooModelCard);
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
  const lines = [
    '| model | family | what it does | measured |',
    '| --- | --- | --- | --- |',
    ...cards.map((c) => `| \`${c.name}\` | ${c.family} | ${c.description} | ${headline(c)} |`),
    '',
  ];
  for (const c of cards) {
    lines.push(
      `### \`${c.name}\``,
      '',
      c.description,
      '',
      `- data: ${c.data.name}; ${c.data.source}; licence ${c.data.licence}`,
      `- budget: ${c.steps.toLocaleString('en-US')} steps in ${c.wallTime} (${c.machine}), commit ${c.commit}`,
      `- measured: ${headline(c)}`,
      `- weights: ${c.weights.dtype}, ${mb(c.weights.bytes)}, outputs within ${c.weights.maxOutputChange}`,
      `- licence: ${c.licence}`,
      '- trained by:',
      '',
      '```text',
      c.command,
      '```',
      '',
    );
  }
  return `${lines.join('\n')}`;
}
