import { decodeOid, DER_TAG, DerElement, DerError, encodeDer, readChildren, readSingleDer } from './der';

/**
 * X.500 distinguished names rendered as RFC 2253 strings the way Hono renders them (Java's
 * `X500Principal.getName(RFC2253)`), so that a DN typed by a client, the subject of an uploaded
 * certificate and the DN a protocol adapter looks up all compare equal as plain strings:
 * `cn=a, o=b` → `CN=a,O=b`; only CN, C, L, ST, O, OU, STREET, DC and UID keep their keyword, any other
 * attribute is written as `<oid>=#<hex of its DER value>`.
 */
export class DistinguishedNameError extends Error {}

/** Keywords accepted in DN strings (Java's keyword table). */
const KEYWORD_OIDS: Record<string, string> = {
  CN: '2.5.4.3',
  C: '2.5.4.6',
  L: '2.5.4.7',
  S: '2.5.4.8',
  ST: '2.5.4.8',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  T: '2.5.4.12',
  IP: '1.3.6.1.4.1.42.2.11.2.1',
  STREET: '2.5.4.9',
  DC: '0.9.2342.19200300.100.1.25',
  DNQUALIFIER: '2.5.4.46',
  DNQ: '2.5.4.46',
  SURNAME: '2.5.4.4',
  GIVENNAME: '2.5.4.42',
  INITIALS: '2.5.4.43',
  GENERATION: '2.5.4.44',
  EMAIL: '1.2.840.113549.1.9.1',
  EMAILADDRESS: '1.2.840.113549.1.9.1',
  UID: '0.9.2342.19200300.100.1.1',
  SERIALNUMBER: '2.5.4.5',
};

/** The attributes RFC 2253 output names by keyword. */
const RFC2253_KEYWORDS: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.9': 'STREET',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};

const IA5_ATTRIBUTES = new Set(['1.2.840.113549.1.9.1', '0.9.2342.19200300.100.1.25']);

type AvaValue = { kind: 'text'; text: string; tag: number } | { kind: 'der'; element: DerElement };

interface Ava {
  oid: string;
  value: AvaValue;
}

/** Relative distinguished names, most specific first (the order of the string form). */
type Name = Ava[][];

const isPrintableStringChar = (c: string) => /^[A-Za-z0-9 '()+,\-./:=?]$/.test(c);

/** The text of a string-typed DER value; undefined for other types (rendered as hex). */
function textOf(element: DerElement): string | undefined {
  switch (element.tag) {
    case DER_TAG.UTF8_STRING:
      return element.content.toString('utf8');
    case DER_TAG.BMP_STRING: {
      const swapped = Buffer.from(element.content.subarray(0, element.content.length & ~1)).swap16();
      return swapped.toString('utf16le').replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
    }
    case DER_TAG.PRINTABLE_STRING:
    case DER_TAG.T61_STRING:
    case DER_TAG.IA5_STRING:
    case DER_TAG.GENERAL_STRING:
      return element.content.toString('latin1');
    default:
      return undefined;
  }
}

function derOf(value: AvaValue): Buffer {
  if (value.kind === 'der') return value.element.encoded;
  const encoding = value.tag === DER_TAG.UTF8_STRING ? 'utf8' : 'latin1';
  return encodeDer(value.tag, Buffer.from(value.text, encoding));
}

/** RFC 2253 section 2.4 escaping, as Java does it (it escapes `=` and every `#` as well). */
function escapeValue(text: string): string {
  const escapees = ',=+<>#;"\\';
  let escaped = '';
  for (const c of text) {
    if (escapees.includes(c)) escaped += `\\${c}`;
    else if (c === '\u0000') escaped += '\\00';
    else escaped += c;
  }
  const chars = [...escaped];
  let lead = 0;
  while (lead < chars.length && (chars[lead] === ' ' || chars[lead] === '\r')) lead++;
  let trail = chars.length - 1;
  while (trail >= 0 && (chars[trail] === ' ' || chars[trail] === '\r')) trail--;
  return chars.map((c, i) => (i < lead || i > trail ? `\\${c}` : c)).join('');
}

function renderAva(ava: Ava): string {
  const keyword = RFC2253_KEYWORDS[ava.oid];
  if (!keyword) return `${ava.oid}=#${derOf(ava.value).toString('hex')}`;
  const text = ava.value.kind === 'text' ? ava.value.text : textOf(ava.value.element);
  if (text === undefined) return `${keyword}=#${derOf(ava.value).toString('hex')}`;
  return `${keyword}=${escapeValue(text)}`;
}

function render(name: Name): string {
  return name.map((rdn) => rdn.map(renderAva).join('+')).join(',');
}

/** Reads a DN string: RFC 2253, plus what Java also accepts (`;` between RDNs, spaces, quoted values). */
class DnParser {
  private pos = 0;

  constructor(private readonly input: string) {}

  parse(): Name {
    if (this.input.trim() === '') throw new DistinguishedNameError('distinguished name is empty');
    const name: Name = [];
    for (;;) {
      const rdn: Ava[] = [this.ava()];
      while (this.input[this.pos] === '+') {
        this.pos++;
        rdn.push(this.ava());
      }
      name.push(rdn);
      if (this.pos >= this.input.length) return name;
      // ava() stops only at a separator or at the end
      this.pos++;
    }
  }

  private fail(reason: string): never {
    throw new DistinguishedNameError(reason);
  }

  private skipSpaces(): void {
    while (this.input[this.pos] === ' ') this.pos++;
  }

  private atTerminator(): boolean {
    const c = this.input[this.pos];
    return c === undefined || c === ',' || c === ';' || c === '+';
  }

  private ava(): Ava {
    let equals = this.pos;
    while (equals < this.input.length && !'=,;+'.includes(this.input[equals])) equals++;
    if (this.input[equals] !== '=') this.fail(`"${this.input.slice(this.pos, equals).trim()}" is not an attribute=value pair`);
    const oid = this.oidOf(this.input.slice(this.pos, equals).trim());
    this.pos = equals + 1;
    this.skipSpaces();
    const first = this.input[this.pos];
    let value: AvaValue;
    if (first === '#') value = this.hexValue();
    else if (first === '"') value = this.textValue(oid, this.quoted());
    else value = this.textValue(oid, this.unquoted());
    if (!this.atTerminator()) this.fail(`unexpected "${this.input[this.pos]}" after a value`);
    return { oid, value };
  }

  private oidOf(keyword: string): string {
    if (keyword === '') this.fail('an attribute type is missing');
    const bare = keyword.replace(/^oid\./i, '');
    if (/^\d/.test(bare)) {
      const match = /^([0-2])\.(0|[1-9]\d*)((\.(0|[1-9]\d*))*)$/.exec(bare);
      if (!match || (match[1] !== '2' && Number(match[2]) >= 40)) this.fail(`"${keyword}" is not a valid object identifier`);
      return bare;
    }
    const oid = KEYWORD_OIDS[keyword.toUpperCase()];
    if (!oid) this.fail(`unknown attribute type "${keyword}"`);
    return oid;
  }

  private textValue(oid: string, text: string): AvaValue {
    let tag: number = DER_TAG.UTF8_STRING;
    if (IA5_ATTRIBUTES.has(oid)) tag = DER_TAG.IA5_STRING;
    else if ([...text].every(isPrintableStringChar)) tag = DER_TAG.PRINTABLE_STRING;
    return { kind: 'text', text, tag };
  }

  private hexValue(): AvaValue {
    this.pos++;
    const start = this.pos;
    while (/[0-9a-fA-F]/.test(this.input[this.pos] ?? '')) this.pos++;
    const hex = this.input.slice(start, this.pos);
    this.skipSpaces();
    if (hex.length === 0 || hex.length % 2 !== 0) this.fail('a #hex value needs an even number of hex digits');
    try {
      return { kind: 'der', element: readSingleDer(Buffer.from(hex, 'hex')) };
    } catch (error) {
      if (error instanceof DerError) this.fail('a #hex value must be one DER-encoded value');
      throw error;
    }
  }

  /** One escaped character, or a run of `\hh` pairs as UTF-8; the backslash is at `pos`. */
  private escape(): string {
    const next = this.input[this.pos + 1];
    if (next !== undefined && ',=+<>#;"\\ '.includes(next)) {
      this.pos += 2;
      return next;
    }
    const bytes: number[] = [];
    while (this.input[this.pos] === '\\' && /^[0-9a-fA-F]{2}$/.test(this.input.slice(this.pos + 1, this.pos + 3))) {
      bytes.push(parseInt(this.input.slice(this.pos + 1, this.pos + 3), 16));
      this.pos += 3;
    }
    if (bytes.length === 0) this.fail(`invalid escape "\\${next ?? ''}"`);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(bytes));
    } catch {
      return this.fail('escaped bytes are not UTF-8');
    }
  }

  private quoted(): string {
    this.pos++;
    let text = '';
    for (;;) {
      const c = this.input[this.pos];
      if (c === undefined) this.fail('unterminated quoted value');
      if (c === '"') break;
      if (c === '\\') text += this.escape();
      else {
        text += c;
        this.pos++;
      }
    }
    this.pos++;
    this.skipSpaces();
    return text;
  }

  private unquoted(): string {
    // [character, escaped?]: only unescaped trailing spaces are dropped
    const chars: Array<[string, boolean]> = [];
    while (!this.atTerminator()) {
      const c = this.input[this.pos];
      if (c === '\\') {
        for (const escaped of this.escape()) chars.push([escaped, true]);
      } else if ('=<>#"\n\r'.includes(c)) {
        this.fail(`"${c}" must be escaped in a value`);
      } else {
        chars.push([c, false]);
        this.pos++;
      }
    }
    while (chars.length > 0 && chars[chars.length - 1][0] === ' ' && !chars[chars.length - 1][1]) chars.pop();
    return chars.map(([c]) => c).join('');
  }
}

/** A DN string in Hono's RFC 2253 form; throws DistinguishedNameError when it is not a DN. */
export function normalizeDistinguishedName(dn: string): string {
  return render(new DnParser(dn).parse());
}

/**
 * The text of attribute `keyword` (CN, OU, O …) in a DN string, read as Hono's identity templates read
 * it (javax.naming.ldap.LdapName): of several, the one written last; undefined when it is absent or a
 * `#hex` value. Throws DistinguishedNameError when the string is not a DN.
 */
export function distinguishedNameAttribute(dn: string, keyword: string): string | undefined {
  const oid = KEYWORD_OIDS[keyword.toUpperCase()];
  const name = new DnParser(dn).parse();
  for (let i = name.length - 1; i >= 0; i--) {
    const ava = name[i].find((candidate) => candidate.oid === oid);
    if (ava) return ava.value.kind === 'text' ? ava.value.text : undefined;
  }
  return undefined;
}

/** The RFC 2253 form of a DER-encoded X.501 Name (as in a certificate's subject): most specific RDN first. */
export function distinguishedNameFromDer(name: Buffer | DerElement): string {
  try {
    const element = Buffer.isBuffer(name) ? readSingleDer(name) : name;
    if (element.tag !== DER_TAG.SEQUENCE) throw new DerError('a Name is a SEQUENCE');
    const rdns: Name = readChildren(element).map((set) => {
      if (set.tag !== DER_TAG.SET) throw new DerError('an RDN is a SET');
      const avas = readChildren(set).map((sequence) => {
        const [type, value, ...rest] = sequence.tag === DER_TAG.SEQUENCE ? readChildren(sequence) : [];
        if (!type || !value || rest.length > 0 || type.tag !== DER_TAG.OBJECT_IDENTIFIER) throw new DerError('malformed attribute');
        return { oid: decodeOid(type.content), value: { kind: 'der', element: value } as AvaValue };
      });
      if (avas.length === 0) throw new DerError('empty RDN');
      return avas;
    });
    return render(rdns.reverse());
  } catch (error) {
    if (error instanceof DerError) throw new DistinguishedNameError(`malformed DER name: ${error.message}`);
    throw error;
  }
}
