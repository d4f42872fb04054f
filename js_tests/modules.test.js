// The shape of static/js itself: logic modules stay free of the DOM, and every import is one that
// the browser resolves from /static/ and that Django's ManifestStaticFilesStorage can rewrite.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const STATIC_JS = resolve(dirname(fileURLToPath(import.meta.url)), '../static/js');

function jsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return jsFiles(path);
    return entry.name.endsWith('.js') ? [path] : [];
  });
}

const files = jsFiles(STATIC_JS);
const logicModules = files.filter((path) => dirname(path) === join(STATIC_JS, 'chat'));
const withoutComments = (source) => source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '').replace(/\s\/\/.*$/gm, '');

// The page's globals; the platform's own (timers, crypto, fetch, performance) exist under Node too.
const PAGE_GLOBALS = [
  /\bdocument\b/, /\bwindow\b/, /\blocation\b/, /\bnavigator\b/, /\blocalStorage\b/, /\bsessionStorage\b/,
  /\bhistory\.\w/, /\bCSS\./, /\bmatchMedia\b/, /\bIntersectionObserver\b/, /\bnew WebSocket\b/, /\bFormData\b/,
];

test('logic modules touch no page globals and import no view', () => {
  assert.ok(logicModules.length >= 8, logicModules);
  for (const path of logicModules) {
    const source = withoutComments(readFileSync(path, 'utf8'));
    for (const pattern of PAGE_GLOBALS) assert.doesNotMatch(source, pattern, `${relative(STATIC_JS, path)} uses ${pattern}`);
    assert.doesNotMatch(source, /from '\.\/ui\//, `${relative(STATIC_JS, path)} imports a view`);
  }
});

// Django's pattern for ES module imports (django/contrib/staticfiles/storage.py,
// support_js_module_import_aggregation): what it matches, it rewrites to the hashed name.
const DJANGO_IMPORT = /import(?:[\s{][\s\S]*?|\*\s*as\s*\w+)\s*from\s*['"]([./][\s\S]*?)["']\s*;/gi;

test('every import is a relative .js file that exists, written as Django\'s static files storage expects', () => {
  for (const path of files) {
    const source = readFileSync(path, 'utf8');
    const specifiers = [...source.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gms)].map((match) => match[1]);
    const name = relative(STATIC_JS, path);
    assert.doesNotMatch(source, /\bimport\s*\(/, `${name}: a dynamic import`);
    for (const specifier of specifiers) {
      assert.match(specifier, /^\.\.?\/.*\.js$/, `${name}: ${specifier}`);
      assert.ok(existsSync(resolve(dirname(path), specifier)), `${name}: ${specifier} does not exist`);
    }
    assert.deepEqual([...source.matchAll(DJANGO_IMPORT)].map((match) => match[1]), specifiers, name);
  }
});

test('the logic modules load under Node', async () => {
  for (const path of logicModules) await import(path);
});
