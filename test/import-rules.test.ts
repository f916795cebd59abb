// DESIGN.md's import rules, held by a test: components reach the API only through the client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';

const SRC = new URL('../src/', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
    out.push(relative(SRC, resolve(dirname(file), m[1])));
  }
  return out;
}

const RULES: { from: string; forbidden: string[] }[] = [
  { from: 'controllers/', forbidden: ['storage/', 'registry/', 'apiserver/', 'cli/'] },
  { from: 'scheduler/', forbidden: ['storage/', 'registry/', 'apiserver/'] },
  { from: 'agent/', forbidden: ['storage/', 'registry/', 'apiserver/'] },
  { from: 'runtime/', forbidden: ['client/', 'storage/', 'registry/', 'apiserver/'] },
  { from: 'storage/', forbidden: ['api/', 'registry/', 'apiserver/', 'client/'] },
  { from: 'apimachinery/', forbidden: ['api/', 'storage/', 'registry/', 'apiserver/', 'client/', 'controllers/', 'scheduler/', 'agent/', 'runtime/', 'cli/'] },
];

test('components import only what DESIGN.md allows', () => {
  const violations: string[] = [];
  for (const f of files(SRC)) {
    const rel = relative(SRC, f);
    const rule = RULES.find((r) => rel.startsWith(r.from));
    if (!rule) continue;
    for (const imp of importsOf(f)) {
      if (rule.forbidden.some((p) => imp.startsWith(p))) violations.push(`${rel} imports ${imp}`);
    }
  }
  assert.deepEqual(violations, []);
});
