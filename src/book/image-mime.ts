/** Identifies cover images by their first bytes, since EPUB manifests sometimes declare the wrong media type. */

/** `image/jpeg`, `image/png`, `image/gif` or `image/webp`; undefined for anything else. */
export function sniffImageMime(data: Uint8Array): string | undefined {
  if (data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  if (data[0] === 0x89 && data[1] === 0x50 && data[2] === 0x4e && data[3] === 0x47) return 'image/png';
  if (data[0] === 0x47 && data[1] === 0x49 && data[2] === 0x46) return 'image/gif';
  if (String.fromCharCode(...data.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...data.subarray(8, 12)) === 'WEBP') {
    return 'image/webp';
  }
  return undefined;
}
