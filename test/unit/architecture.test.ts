import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * The shape docs/architecture.md promises, checked on the sources: dependencies point inwards,
 * no import cycle, the engine never asks which runtime it drives, no service source is cast,
 * and no function of the engine is too long to follow.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'migrations' ? [] : sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const files = sourceFiles(SRC);
const parsed = new Map(files.map((file) => [file, ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true)]));
const rel = (file: string): string => relative(ROOT, file);

/** The files of src/ a file imports (type-only imports included: they tie the files together too). */
function importsOf(file: string): string[] {
  const out: string[] = [];
  for (const statement of parsed.get(file)!.statements) {
    const specifier = (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier;
    if (!specifier || !ts.isStringLiteral(specifier) || !specifier.text.startsWith('.')) continue;
    out.push(resolve(dirname(file), specifier.text.replace(/\.js$/, '.ts')));
  }
  return out.filter((path) => parsed.has(path));
}

test('there is no import cycle in src/', () => {
  const graph = new Map(files.map((file) => [file, importsOf(file)]));
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]): void => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      cycles.push([...path.slice(path.indexOf(file)), file].map(rel).join(' → '));
      return;
    }
    state.set(file, 'open');
    for (const next of graph.get(file)!) visit(next, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of files) visit(file, []);
  assert.deepEqual(cycles, []);
});

test('src/domain imports nothing outside src/domain, and no I/O, randomness or clock', () => {
  const domain = files.filter((f) => rel(f).startsWith('src/domain/'));
  const outside = domain.flatMap((file) => importsOf(file).filter((to) => !rel(to).startsWith('src/domain/')).map((to) => `${rel(file)} → ${rel(to)}`));
  assert.deepEqual(outside, []);
  // Hashing (node:crypto's createHash) is a pure function; files, network, processes, clocks of the OS are I/O.
  const io = domain.filter((file) => /from '(node:)?(fs|fs\/promises|net|http|https|http2|dns|child_process|os|worker_threads|dgram|tls)'/.test(readFileSync(file, 'utf8'))).map(rel);
  const random = domain.filter((file) => /randomBytes|randomUUID|Math\.random|Date\.now|new Date\(\)/.test(readFileSync(file, 'utf8'))).map(rel);
  assert.deepEqual(random, [], 'no randomness and no clock in the domain');
  assert.deepEqual(io, []);
});

test('src/engine never imports an adapter (Docker, Kubernetes, the HTTP API)', () => {
  const engine = files.filter((f) => rel(f).startsWith('src/engine/'));
  const adapters = ['src/runtime/docker/', 'src/runtime/kubernetes/', 'src/api/', 'src/store/kysely', 'src/cli/'];
  const found = engine.flatMap((file) => importsOf(file).filter((to) => adapters.some((a) => rel(to).startsWith(a))).map((to) => `${rel(file)} → ${rel(to)}`));
  assert.deepEqual(found, []);
});

test("src/engine never asks a runtime's kind", () => {
  const asked = files
    .filter((f) => rel(f).startsWith('src/engine/'))
    .flatMap((file) => readFileSync(file, 'utf8').split('\n').map((line, i) => ({ file, line, i })))
    .filter(({ line }) => /\.kind\s*[!=]==|runtime\s*[!=]==\s*'(docker|kubernetes)'|'(docker|kubernetes)'\s*[!=]==/.test(line))
    .map(({ file, i }) => `${rel(file)}:${i + 1}`);
  assert.deepEqual(asked, []);
});

test('no service source is cast to a source type', () => {
  const casts = files
    .flatMap((file) => readFileSync(file, 'utf8').split('\n').map((line, i) => ({ file, line, i })))
    .filter(({ line }) => /\bas (JobSource|DatabaseSource|GitSource|ImageSource)\b/.test(line))
    .map(({ file, i }) => `${rel(file)}:${i + 1}`);
  assert.deepEqual(casts, []);
});

test('no function in src/engine is over 60 lines', () => {
  const long: string[] = [];
  for (const file of files.filter((f) => rel(f).startsWith('src/engine/'))) {
    const source = parsed.get(file)!;
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
        const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        if (end - start + 1 > 60) long.push(`${rel(file)}:${start + 1} (${end - start + 1} lines)`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  assert.deepEqual(long, []);
});
