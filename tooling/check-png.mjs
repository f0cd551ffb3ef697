// Fails unless the PNG exists and is not blank (its pixels vary). Usage: node check-png.mjs FILE
import sharp from 'sharp';

const file = process.argv[2];
const stats = await sharp(file).stats();
const { width, height } = await sharp(file).metadata();
const stdev = stats.channels[0].stdev;
console.log(`${file}: ${width}x${height}, pixel stdev ${stdev.toFixed(1)}`);
if (!(stdev > 10)) {
  console.error(`${file} looks blank (stdev ${stdev.toFixed(2)})`);
  process.exit(1);
}
