import { LineCounter, parse as parseYamlValue, parseDocument, Scalar, visit, type Document } from 'yaml';
import { CliError, EXIT } from './cli-error.js';

/**
 * Reading an environment file (YAML or JSON, which is YAML too): `${NAME}` replaced from the
 * CLI's environment (a file naming a variable that is not set is refused, every such variable
 * named with its line), and the server's field errors (`body/services/1/settings/instances`)
 * turned back into the file's lines.
 */

const VARIABLE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** `${NAME}` replaced by its value; `$$` is a literal `$`; the names not set are returned. */
export function substitute(text: string, env: Readonly<Record<string, string | undefined>>): { text: string; missing: string[] } {
  const missing: string[] = [];
  const replaced = text.replace(VARIABLE, (match, name: string | undefined) => {
    if (name === undefined) return '$';
    const value = env[name];
    if (value === undefined) {
      missing.push(name);
      return match;
    }
    return value;
  });
  return { text: replaced, missing };
}

export interface EnvironmentFileText {
  /** The file, variables substituted, as JSON. */
  value: unknown;
  /** The 1-based line of a field of the file (`services/1/settings`), or of its nearest parent. */
  lineOf(field: string): number | null;
}

function parsedDocument(text: string, name: string): { doc: Document; lines: LineCounter } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const at = lines.linePos(first.pos[0]);
    throw new CliError(`${name}:${at.line}: ${first.message.split('\n')[0]}`, EXIT.USAGE, 'INVALID_FILE');
  }
  return { doc, lines };
}

export function readEnvironmentFile(text: string, name: string, env: Readonly<Record<string, string | undefined>>): EnvironmentFileText {
  const { doc, lines } = parsedDocument(text, name);
  const missing: string[] = [];
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string') return;
      const result = substitute(node.value, env);
      const line = node.range ? lines.linePos(node.range[0]).line : 0;
      for (const variable of result.missing) missing.push(`${name}:${line}: \${${variable}} is not set`);
      if (result.text === node.value) return;
      // An unquoted `${PORT}` takes the type of its value (a number stays a number).
      const whole = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(node.value) && node.type === Scalar.PLAIN;
      node.value = whole ? (parseYamlValue(result.text) as unknown) : result.text;
    },
  });
  if (missing.length > 0) {
    throw new CliError(
      `${name} names ${missing.length === 1 ? 'a variable' : 'variables'} that ${missing.length === 1 ? 'is' : 'are'} not set in this shell; nothing was applied`,
      EXIT.USAGE,
      'UNSET_VARIABLE',
      missing,
    );
  }
  return {
    value: doc.toJS(),
    lineOf(field) {
      const path = field
        .split('/')
        .filter((p) => p !== '')
        .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
      for (let n = path.length; n >= 0; n--) {
        const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
        const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
        if (range) return lines.linePos(range[0]).line;
      }
      return null;
    },
  };
}

/** A server field error (`body/services/0/name`) as the file's `name:line: services/0/name: message`. */
export function fileErrorLine(file: Pick<EnvironmentFileText, 'lineOf'>, name: string, error: { field: string; message: string }): string {
  const field = error.field.replace(/^body\/?/, '');
  const line = file.lineOf(field);
  return `${name}${line !== null ? `:${line}` : ''}: ${field || '(the file)'}: ${error.message}`;
}
