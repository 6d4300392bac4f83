/** Test signals for checking instruments: seeded white noise and mixing at a given signal-to-noise ratio. */

/** Seeded Gaussian white noise (unit variance; mulberry32 + Box-Muller), identical on every machine. */
export function whiteNoise(length: number, seed = 1): Float32Array {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return out;
}

/** signal + noise scaled so that (signal power / noise power) = snrDb over the whole clip. */
export function mixAtSnr(signal: Float32Array, noise: Float32Array, snrDb: number): Float32Array {
  let ps = 0, pn = 0;
  for (let i = 0; i < signal.length; i++) { ps += signal[i] ** 2; pn += noise[i] ** 2; }
  const gain = pn === 0 ? 0 : Math.sqrt(ps / pn / 10 ** (snrDb / 10));
  return signal.map((v, i) => v + gain * noise[i]);
}
