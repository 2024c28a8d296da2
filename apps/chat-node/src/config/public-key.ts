import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * `AUTH_JWT_PUBLIC_KEY` as given: the PEM itself (one line in an env file, its
 * line breaks written `\n`) when it starts with `-----BEGIN`, else the path of a
 * PEM file. Returns the PEM text, or undefined when it is no readable public key.
 */
export function publicKeyPemOf(value: string): string | undefined {
  let pem: string;
  if (value.startsWith('-----BEGIN')) {
    pem = value.replaceAll('\\n', '\n');
  } else {
    try {
      pem = readFileSync(value, 'utf8');
    } catch {
      return undefined;
    }
  }
  try {
    createPublicKey(pem);
    return pem;
  } catch {
    return undefined;
  }
}
