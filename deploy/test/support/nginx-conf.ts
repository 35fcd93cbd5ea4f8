/** A directive of an nginx configuration: `name args…;` or `name args… { block }`. */
export interface NginxDirective {
  name: string;
  args: string[];
  block?: NginxDirective[];
  line: number;
}

/**
 * Parses nginx configuration syntax (directives, blocks, quoted strings, comments) — enough to
 * check a configuration's structure without an nginx binary. Throws on unbalanced braces or a
 * directive without its terminating `;`.
 */
export function parseNginxConf(text: string): NginxDirective[] {
  const tokens: { t: string; line: number; quoted: boolean }[] = [];
  let i = 0;
  let line = 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') line++;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '{' || c === '}' || c === ';') {
      tokens.push({ t: c, line, quoted: false });
      i++;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      while (j < text.length && text[j] !== c) {
        // nginx unescapes only \" \' \\ \t \r \n inside quotes; other backslashes stay.
        const esc: Record<string, string> = { '"': '"', "'": "'", '\\': '\\', t: '\t', r: '\r', n: '\n' };
        if (text[j] === '\\' && j + 1 < text.length && text[j + 1] in esc) {
          s += esc[text[j + 1]];
          j += 2;
        } else {
          if (text[j] === '\n') line++;
          s += text[j++];
        }
      }
      if (j >= text.length) throw new Error(`unterminated string at line ${line}`);
      tokens.push({ t: s, line, quoted: true });
      i = j + 1;
    } else {
      let j = i;
      while (j < text.length && !/[\s;{}]/.test(text[j])) j++;
      tokens.push({ t: text.slice(i, j), line, quoted: false });
      i = j;
    }
  }
  let p = 0;
  const parseBlock = (top: boolean): NginxDirective[] => {
    const out: NginxDirective[] = [];
    while (p < tokens.length) {
      const tok = tokens[p];
      if (!tok.quoted && tok.t === '}') {
        if (top) throw new Error(`unexpected } at line ${tok.line}`);
        p++;
        return out;
      }
      const words: string[] = [];
      const startLine = tok.line;
      while (p < tokens.length && (tokens[p].quoted || !['{', '}', ';'].includes(tokens[p].t)))
        words.push(tokens[p++].t);
      if (p >= tokens.length) throw new Error(`directive at line ${startLine} is not terminated`);
      const end = tokens[p++];
      if (end.t === '}') throw new Error(`missing ; before } at line ${end.line}`);
      if (words.length === 0) throw new Error(`empty directive at line ${end.line}`);
      const d: NginxDirective = { name: words[0], args: words.slice(1), line: startLine };
      if (end.t === '{') d.block = parseBlock(false);
      out.push(d);
    }
    if (!top) throw new Error('unbalanced braces: missing }');
    return out;
  };
  return parseBlock(true);
}

export const children = (block: NginxDirective[] | undefined, name: string): NginxDirective[] =>
  (block ?? []).filter((d) => d.name === name);

export function child(block: NginxDirective[] | undefined, name: string, ...args: string[]): NginxDirective {
  const found = children(block, name).filter((d) => args.every((a, k) => d.args[k] === a));
  if (found.length !== 1)
    throw new Error(`expected one "${[name, ...args].join(' ')}" directive, found ${found.length}`);
  return found[0];
}

/**
 * Evaluates an nginx `map` block for one input value the way nginx does: exact strings first,
 * then regular expressions (`~` case-sensitive, `~*` insensitive) in order, else `default`.
 */
export function evaluateMap(map: NginxDirective, input: string): string {
  const entries = (map.block ?? []).filter((d) => !['hostnames', 'volatile'].includes(d.name));
  for (const e of entries) {
    if (e.args.length !== 1) throw new Error(`map entry at line ${e.line} must have exactly one value`);
  }
  const exact = entries.find((e) => e.name !== 'default' && !e.name.startsWith('~') && e.name === input);
  if (exact) return exact.args[0];
  for (const e of entries) {
    if (e.name.startsWith('~*')) {
      if (new RegExp(e.name.slice(2), 'i').test(input)) return e.args[0];
    } else if (e.name.startsWith('~')) {
      if (new RegExp(e.name.slice(1)).test(input)) return e.args[0];
    }
  }
  const def = entries.find((e) => e.name === 'default');
  return def ? def.args[0] : '';
}

/**
 * The `location` of a server block that serves `uri` (a path, no query), chosen as nginx does:
 * an exact (`=`) match; else the longest prefix match if it is `^~`; else the first regular
 * expression (`~`, `~*`) that matches, in order; else the longest prefix match. Nested locations
 * are not considered.
 */
export function selectLocation(server: NginxDirective[] | undefined, uri: string): NginxDirective {
  const locations = children(server, 'location');
  const modifier = (l: NginxDirective) => (l.args.length === 2 ? l.args[0] : '');
  const pattern = (l: NginxDirective) => l.args[l.args.length - 1];
  const exact = locations.find((l) => modifier(l) === '=' && pattern(l) === uri);
  if (exact) return exact;
  const longest = locations
    .filter((l) => (modifier(l) === '' || modifier(l) === '^~') && uri.startsWith(pattern(l)))
    .sort((a, b) => pattern(b).length - pattern(a).length)[0];
  if (longest && modifier(longest) === '^~') return longest;
  const regex = locations.find(
    (l) =>
      (modifier(l) === '~' && new RegExp(pattern(l)).test(uri)) ||
      (modifier(l) === '~*' && new RegExp(pattern(l), 'i').test(uri)),
  );
  if (regex) return regex;
  if (longest) return longest;
  throw new Error(`no location serves ${uri}`);
}
