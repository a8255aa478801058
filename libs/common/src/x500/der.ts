/** The little of DER that reading names and certificates needs: tag, length, content. */
export interface DerElement {
  tag: number;
  /** Content octets. */
  content: Buffer;
  /** The whole element, header included. */
  encoded: Buffer;
}

export class DerError extends Error {}

export const DER_TAG = {
  INTEGER: 0x02,
  OBJECT_IDENTIFIER: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  GENERAL_STRING: 0x1b,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Reads the element starting at `offset`; low tag numbers only, definite lengths only. */
export function readDer(buffer: Buffer, offset = 0): DerElement {
  if (offset + 2 > buffer.length) throw new DerError('truncated DER element');
  const tag = buffer[offset];
  if ((tag & 0x1f) === 0x1f) throw new DerError('unsupported DER tag');
  let length = buffer[offset + 1];
  let header = 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 4) throw new DerError('unsupported DER length');
    if (offset + 2 + octets > buffer.length) throw new DerError('truncated DER length');
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + buffer[offset + 2 + i];
    header += octets;
  }
  const end = offset + header + length;
  if (end > buffer.length) throw new DerError('truncated DER content');
  return { tag, content: buffer.subarray(offset + header, end), encoded: buffer.subarray(offset, end) };
}

/** The elements inside a constructed element (SEQUENCE, SET, context tags). */
export function readChildren(element: DerElement): DerElement[] {
  const children: DerElement[] = [];
  let offset = 0;
  while (offset < element.content.length) {
    const child = readDer(element.content, offset);
    children.push(child);
    offset += child.encoded.length;
  }
  return children;
}

/** Exactly one element filling the whole buffer. */
export function readSingleDer(buffer: Buffer): DerElement {
  const element = readDer(buffer, 0);
  if (element.encoded.length !== buffer.length) throw new DerError('trailing bytes after DER element');
  return element;
}

export function encodeDer(tag: number, content: Buffer): Buffer {
  const length = content.length;
  let header: number[];
  if (length < 0x80) header = [tag, length];
  else {
    const octets: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
    header = [tag, 0x80 | octets.length, ...octets];
  }
  return Buffer.concat([Buffer.from(header), content]);
}

export function decodeOid(content: Buffer): string {
  if (content.length === 0) throw new DerError('empty object identifier');
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < content.length; i++) {
    value = value * 128 + (content[i] & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER) throw new DerError('object identifier arc too large');
    if ((content[i] & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    } else if (i === content.length - 1) {
      throw new DerError('truncated object identifier');
    }
  }
  const first = arcs[0] < 40 ? 0 : arcs[0] < 80 ? 1 : 2;
  return [first, arcs[0] - first * 40, ...arcs.slice(1)].join('.');
}
