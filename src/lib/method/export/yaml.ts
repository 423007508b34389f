// A small YAML writer for the dataset card's front matter: maps, lists and scalars, every
// string double-quoted with JSON escapes (YAML 1.2 reads JSON strings as they are), so user
// text (names, descriptions) can never break the block or be read as another type.

export type YamlValue =
  string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

const scalar = (v: string | number | boolean | null) =>
  typeof v === 'string' ? JSON.stringify(v) : String(v);

const isMap = (v: YamlValue): v is { [key: string]: YamlValue } =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

const plainKey = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** Words YAML reads as booleans or null, which would change a key's meaning unquoted. */
const reserved = /^(true|false|null|yes|no|on|off|y|n)$/i;
const key = (k: string) => (plainKey.test(k) && !reserved.test(k) ? k : JSON.stringify(k));

function lines(value: YamlValue, indent: string): string[] {
  if (Array.isArray(value)) {
    if (!value.length) return [`${indent}[]`];
    return value.flatMap((item) => {
      if (isMap(item) || Array.isArray(item)) {
        const inner = lines(item, indent + '  ');
        return [`${indent}- ${inner[0].trimStart()}`, ...inner.slice(1)];
      }
      return [`${indent}- ${scalar(item)}`];
    });
  }
  if (isMap(value)) {
    const entries = Object.entries(value);
    if (!entries.length) return [`${indent}{}`];
    return entries.flatMap(([k, v]) => {
      if (Array.isArray(v) && v.length) return [`${indent}${key(k)}:`, ...lines(v, indent)];
      if (isMap(v) && Object.keys(v).length)
        return [`${indent}${key(k)}:`, ...lines(v, indent + '  ')];
      return [`${indent}${key(k)}: ${lines(v, '')[0]}`];
    });
  }
  return [indent + scalar(value)];
}

/** The YAML text of a map (no document markers). */
export function toYaml(value: { [key: string]: YamlValue }): string {
  return lines(value, '').join('\n') + '\n';
}
