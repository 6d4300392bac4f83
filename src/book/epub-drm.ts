/** Refuses DRM-protected EPUBs up front, with a message that says so, instead of reading ciphertext as text. */
import { basename } from 'node:path';
import { ParlaError } from '../errors.js';
import { findAll } from './dom-query.js';
import { parseXml } from './epub-package.js';
import type { ZipArchive } from './zip-archive.js';

/** Font obfuscation (IDPF and Adobe) is allowed in DRM-free books: it only scrambles embedded fonts. */
const FONT_OBFUSCATION = new Set(['http://www.idpf.org/2008/embedding', 'http://ns.adobe.com/pdf/enc#RC']);

/** Licence files of the common DRM schemes: Adobe ADEPT, Apple FairPlay, Readium LCP. */
const DRM_FILES: Record<string, string> = {
  'META-INF/rights.xml': 'Adobe DRM',
  'META-INF/sinf.xml': 'Apple FairPlay DRM',
  'META-INF/license.lcpl': 'Readium LCP DRM',
};

export function assertNoDrm(zip: ZipArchive): void {
  const refuse = (why: string): never => {
    throw new ParlaError(
      'unsupported_format',
      `${basename(zip.path)} is DRM-protected (${why}); Parla can only read DRM-free EPUBs`,
      { param: zip.path },
    );
  };
  for (const [file, scheme] of Object.entries(DRM_FILES)) if (zip.has(file)) refuse(`${scheme}: ${file}`);
  if (!zip.has('META-INF/encryption.xml')) return;
  const doc = parseXml(zip.readText('META-INF/encryption.xml'));
  const encrypted: string[] = [];
  for (const data of findAll(doc.children, 'encrypteddata')) {
    const algorithm = findAll(data.children, 'encryptionmethod')[0]?.attribs.Algorithm ?? '';
    if (FONT_OBFUSCATION.has(algorithm)) continue;
    encrypted.push(findAll(data.children, 'cipherreference')[0]?.attribs.URI ?? '?');
  }
  if (encrypted.length) refuse(`META-INF/encryption.xml encrypts ${encrypted.length} file(s), e.g. ${encrypted[0]}`);
}
