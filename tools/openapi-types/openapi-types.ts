/**
 * TypeScript declarations for the component schemas of an OpenAPI 3.1 document (JSON Schema 2020-12
 * as zod's `toJSONSchema` writes it: objects, arrays, records, enums, consts, unions, nullables and
 * `$ref`s between components). The dashboard's API types are generated with it from admin-api's
 * `/v1` document, so that they cannot drift from what the service answers (see
 * openapi-types.spec.ts, which also rewrites the file).
 */
type Schema = Record<string, unknown>;

const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** A literal as Prettier writes it (single quotes). */
const literal = (v: unknown): string =>
  typeof v === 'string' ? `'${v.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'` : JSON.stringify(v);

function comment(text: unknown, indent: string): string {
  if (typeof text !== 'string' || text === '') return '';
  return `${indent}/** ${text.replaceAll('*/', '*\\/').replaceAll('\n', ' ')} */\n`;
}

function typeOf(s: unknown, indent: string): string {
  if (!isSchema(s) || Object.keys(s).filter((k) => k !== 'description').length === 0) return 'unknown';
  if (typeof s['$ref'] === 'string') return s['$ref'].replace('#/components/schemas/', '');
  if ('const' in s) return literal(s['const']);
  if (Array.isArray(s['enum'])) return s['enum'].map(literal).join(' | ');
  const union = (s['anyOf'] ?? s['oneOf']) as unknown;
  if (Array.isArray(union)) return union.map((u) => typeOf(u, indent)).join(' | ');
  const type = s['type'];
  if (Array.isArray(type)) return type.map((t) => typeOf({ ...s, type: t }, indent)).join(' | ');
  switch (type) {
    case 'string':
      return 'string';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array': {
      const item = typeOf(s['items'], indent);
      return /^[\w']+$/.test(item) ? `${item}[]` : `Array<${item}>`;
    }
    case 'object':
      return objectType(s, indent);
    default:
      throw new Error(`unsupported schema: ${JSON.stringify(s)}`);
  }
}

function objectType(s: Schema, indent: string): string {
  const props = isSchema(s['properties']) ? s['properties'] : {};
  const required = new Set(Array.isArray(s['required']) ? (s['required'] as string[]) : []);
  const inner = `${indent}  `;
  const lines = Object.entries(props).map(([name, p]) => {
    const key = IDENT.test(name) ? name : literal(name);
    const optional = required.has(name) ? '' : '?';
    return `${comment(isSchema(p) ? p['description'] : undefined, inner)}${inner}${key}${optional}: ${typeOf(p, inner)};\n`;
  });
  const extra = s['additionalProperties'];
  if (isSchema(extra)) lines.push(`${inner}[key: string]: ${typeOf(extra, inner)};\n`);
  if (lines.length === 0) return extra === false ? 'Record<string, never>' : 'Record<string, unknown>';
  return `{\n${lines.join('')}${indent}}`;
}

/** The declarations file: one exported type per component schema, in the document's order. */
export function openApiTypes(doc: Schema, header: string): string {
  const components = isSchema(doc['components']) ? doc['components'] : {};
  const schemas = isSchema(components['schemas']) ? components['schemas'] : {};
  const out = [header];
  for (const [name, schema] of Object.entries(schemas)) {
    const s = schema as Schema;
    out.push(`${comment(s['description'], '')}export type ${name} = ${typeOf(s, '')};\n`);
  }
  return out.join('\n');
}
