/** The spellings one name takes in generated code: `line-items` is line_items, lineItems, LineItems, LINE_ITEMS, "line items". */
export interface NameForms {
  kebab: string;
  snake: string;
  camel: string;
  pascal: string;
  constant: string;
  words: string;
  /** Title-Case-With-Dashes, for HTTP header names */
  header: string;
}

export function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

export function nameForms(name: string): NameForms {
  const w = words(name);
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  return {
    kebab: w.join('-'),
    snake: w.join('_'),
    camel: w[0] + w.slice(1).map(cap).join(''),
    pascal: w.map(cap).join(''),
    constant: w.join('_').toUpperCase(),
    words: w.join(' '),
    header: w.map(cap).join('-'),
  };
}

/** English singular of a plural entity name, by the common rules (companies, addresses, contacts, people). */
export function singular(name: string): string {
  const irregular: Record<string, string> = { people: 'person', children: 'child', men: 'man', women: 'woman', data: 'datum' };
  const w = words(name);
  const last = w[w.length - 1];
  let one = irregular[last];
  if (!one) {
    if (/[^aeiou]ies$/.test(last)) one = `${last.slice(0, -3)}y`;
    else if (/(ss|x|z|ch|sh)es$/.test(last) || /sses$/.test(last)) one = last.slice(0, -2);
    else if (/[^s]s$/.test(last)) one = last.slice(0, -1);
    else one = last;
  }
  return [...w.slice(0, -1), one].join('_');
}

/** A name usable as a TypeScript property without quotes. */
export function isIdentifier(name: string): boolean {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name);
}
