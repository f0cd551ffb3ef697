import { describe, expect, it } from 'vitest';
import { assertComparable, type MetricProvenance } from './provenance.js';

const base: MetricProvenance = {
  featureNetwork: 'fashion-classifier',
  weightsHash: 'ab12',
  resolution: '28x28x1',
  nReal: 10000,
  nFake: 10000,
  seed: 1,
  reference: 'Fashion-MNIST test (10000)',
};

describe('assertComparable', () => {
  it('accepts the same provenance and a different seed', () => {
    expect(() => assertComparable(base, { ...base })).not.toThrow();
    expect(() => assertComparable(base, { ...base, seed: 7 })).not.toThrow();
  });

  it('names every field that differs, with both values', () => {
    expect(() => assertComparable(base, { ...base, weightsHash: 'ff00', nFake: 500 }, 'FID')).toThrow(
      'FID values of different provenance cannot be compared: weightsHash ab12 vs ff00, nFake 10000 vs 500',
    );
    expect(() => assertComparable(base, { ...base, resolution: '32x32x1', reference: undefined })).toThrow(
      /resolution 28x28x1 vs 32x32x1, reference Fashion-MNIST test \(10000\) vs null/,
    );
  });
});
