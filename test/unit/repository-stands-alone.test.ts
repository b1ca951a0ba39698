import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository stands alone: someone who clones it has everything its files point to. No file
 * refers to a document kept outside it, every relative link of the Markdown docs lands on a file
 * (and heading) that exists, and every `docs/….md` pointer in code or tests names a real page.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Tracked files not worth reading: generated, or too large to be anyone's prose. */
const NOT_SEARCHED = new Set(['package-lock.json']);

/** The outside specification's name, spelled in two parts so that this file passes its own check. */
const OUTSIDE_DOC = ['SP', 'EC'].join('');

/** What a reference to the outside specification or to a sibling directory looks like. */
const OUTSIDE_REFERENCES: readonly { what: string; pattern: RegExp }[] = [
  { what: 'a path into a sibling directory', pattern: /\.\.\/shared/ },
  { what: `${OUTSIDE_DOC}.md`, pattern: new RegExp(`${OUTSIDE_DOC}\\.md`) },
  { what: `a ${OUTSIDE_DOC} section`, pattern: new RegExp(`${OUTSIDE_DOC} §`) },
  // The word alone too: a citation wrapped across lines, or one naming no section.
  { what: `the word ${OUTSIDE_DOC}`, pattern: new RegExp(`\\b${OUTSIDE_DOC}\\b`) },
];

/** The Markdown pages whose relative links are checked. */
function markdownPages(files: readonly string[]): string[] {
  return files.filter((f) => /^docs\/[^/]+\.md$/.test(f) || f === 'README.md' || f === 'CONTRIBUTING.md');
}

function trackedFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return out
    .split('\0')
    .filter((f) => f !== '')
    // A tracked file deleted in the working tree (a change in progress) has nothing to read.
    .filter((f) => existsSync(join(root, f)) && statSync(join(root, f)).isFile());
}

/** The text of a tracked file, or null for a binary one (a NUL byte early on, as git decides). */
function textOf(file: string): string | null {
  const bytes = readFileSync(join(root, file));
  if (bytes.subarray(0, 8000).includes(0)) return null;
  return bytes.toString('utf8');
}

/** Markdown without its fenced code blocks: a `#` or `[x](y)` in code is neither heading nor link. */
function withoutCodeBlocks(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/**
 * The anchors GitHub gives a page's headings: the heading's text without Markdown, lower case,
 * punctuation dropped (letters, digits, spaces, `-` and `_` stay), each space a `-`; a repeated
 * anchor gets `-1`, `-2`, ….
 */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of withoutCodeBlocks(markdown).split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const text = heading[1]!.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** The relative link targets of a Markdown page: `[text](target)` and `![alt](target)`. */
function relativeLinks(markdown: string): string[] {
  const targets: string[] = [];
  for (const match of withoutCodeBlocks(markdown).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = match[1]!;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('/')) continue; // a URL, or site-absolute
    targets.push(target);
  }
  return targets;
}

const files = trackedFiles();

test('the anchors follow GitHub: lower case, punctuation dropped, spaces as dashes, repeats numbered', () => {
  const anchors = headingAnchors(
    '# Stages, queue and cancel\n## The version deployed is the version shown\n### `Restart` runs it!\n' +
      '```\n# not a heading\n```\n## Credentials\n## Credentials\n## HTTP API (v1)\n',
  );
  assert.deepEqual(
    [...anchors],
    [
      'stages-queue-and-cancel',
      'the-version-deployed-is-the-version-shown',
      'restart-runs-it',
      'credentials',
      'credentials-1',
      'http-api-v1',
    ],
  );
});

test('no tracked file refers to the specification or to anything outside the repository', () => {
  assert.ok(files.length > 100, `git ls-files listed ${files.length} files: is this a checkout?`);
  const found: string[] = [];
  for (const file of files) {
    if (NOT_SEARCHED.has(file)) continue;
    const text = textOf(file);
    if (text === null) continue;
    text.split('\n').forEach((line, i) => {
      for (const { what, pattern } of OUTSIDE_REFERENCES) {
        if (pattern.test(line)) {
          found.push(`${file}:${i + 1}: ${what}: ${line.trim()}`);
          break;
        }
      }
    });
  }
  assert.deepEqual(found, [], 'point to the page of docs/ that describes the rule instead');
});

test('every relative link of the Markdown docs lands on a file, and on a heading of it', () => {
  const pages = markdownPages(files);
  assert.ok(pages.includes('docs/README.md') && pages.includes('README.md'), 'the docs are where they were');
  const broken: string[] = [];
  let checked = 0;
  for (const page of pages) {
    for (const link of relativeLinks(readFileSync(join(root, page), 'utf8'))) {
      checked++;
      const [pathPart, anchor] = link.split('#', 2) as [string, string | undefined];
      const target = pathPart === '' ? page : normalize(join(dirname(page), decodeURIComponent(pathPart)));
      if (target.startsWith('..')) {
        broken.push(`${page}: ${link} leaves the repository`);
        continue;
      }
      if (!existsSync(join(root, target))) {
        broken.push(`${page}: ${link}: no file ${target}`);
        continue;
      }
      if (anchor !== undefined && target.endsWith('.md')) {
        if (!headingAnchors(readFileSync(join(root, target), 'utf8')).has(anchor)) {
          broken.push(`${page}: ${link}: no heading #${anchor} in ${target}`);
        }
      }
    }
  }
  assert.ok(checked >= 20, `only ${checked} links found: is the link pattern still right?`);
  assert.deepEqual(broken, []);
});

test('every docs/ page named in a tracked file exists, with the heading it names', () => {
  const docs = new Map<string, Set<string>>();
  for (const page of files.filter((f) => /^docs\/[^/]+\.md$/.test(f))) {
    docs.set(page, headingAnchors(readFileSync(join(root, page), 'utf8')));
  }
  const broken: string[] = [];
  let checked = 0;
  for (const file of files) {
    if (NOT_SEARCHED.has(file)) continue;
    const text = textOf(file);
    if (text === null) continue;
    // `docs/api.md`, `../docs/api.md`, `../../docs/api.md#errors`; not `web/docs/api.md`.
    for (const match of text.matchAll(/(?<![\w./-])((?:\.\.\/)*)docs\/([\w.-]+\.md)(?:#([\w-]+))?/g)) {
      const [pointer, ups = '', name, anchor] = match;
      const page = `docs/${name}`;
      checked++;
      // In a Markdown file `../docs/…` is a link, resolved from where that file is.
      if (file.endsWith('.md') && ups !== '' && relative(root, join(root, dirname(file), ups, page)) !== page) {
        broken.push(`${file}: ${pointer}: does not lead to ${page} from ${dirname(file)}`);
        continue;
      }
      const anchors = docs.get(page);
      if (!anchors) broken.push(`${file}: ${pointer}: no page ${page}`);
      else if (anchor !== undefined && !anchors.has(anchor)) broken.push(`${file}: ${pointer}: no heading #${anchor}`);
    }
  }
  assert.ok(checked >= 100, `only ${checked} docs/ pointers found: is the pointer pattern still right?`);
  assert.deepEqual(broken, []);
});
