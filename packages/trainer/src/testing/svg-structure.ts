/** What {@link parseSvgStructure} finds in an SVG document. */
export interface SvgStructure {
  /** Name of the root element. */
  root: string;
  /** Attributes of the root element as written. */
  rootAttributes: string;
  /** Number of elements. */
  elements: number;
  /** Text content of every `<text>` element, entities decoded. */
  texts: string[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    return ENTITIES[name] ?? whole;
  });
}

/**
 * A small well-formedness check for the SVG that Vega writes (no DTD, no CDATA, no comments): every
 * tag closes in order, there is one root, attribute quotes balance. Throws on the first problem.
 * Enough to catch a truncated or mangled file without an XML parser dependency.
 */
export function parseSvgStructure(svg: string): SvgStructure {
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;
  const stack: string[] = [];
  const texts: string[] = [];
  let root: string | undefined;
  let rootAttributes = '';
  let elements = 0;
  let position = 0;
  let textStart = -1;
  const body = svg.replace(/^<\?xml[^>]*\?>\s*/, '');
  for (let match = tag.exec(body); match !== null; match = tag.exec(body)) {
    const between = body.slice(position, match.index);
    if (between.includes('<') || between.includes('>')) {
      throw new Error(`stray angle bracket before offset ${match.index}`);
    }
    if (stack.length === 0 && between.trim() !== '') throw new Error('text outside the root element');
    const [whole, closing, name, attributes, selfClosing] = match as unknown as [
      string,
      string,
      string,
      string,
      string,
    ];
    if (closing) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open ?? 'nothing'}>`);
      if (name === 'text' && textStart >= 0) {
        texts.push(decode(body.slice(textStart, match.index).replace(/<[^>]*>/g, '')));
        textStart = -1;
      }
    } else {
      if (stack.length === 0) {
        if (root !== undefined) throw new Error('more than one root element');
        root = name;
        rootAttributes = attributes;
      }
      elements += 1;
      if (!selfClosing) stack.push(name);
      if (name === 'text' && !selfClosing) textStart = match.index + whole.length;
    }
    position = match.index + whole.length;
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.at(-1)}>`);
  if (body.slice(position).trim() !== '') throw new Error('content after the root element');
  if (root === undefined) throw new Error('no element');
  return { root, rootAttributes, elements, texts };
}
