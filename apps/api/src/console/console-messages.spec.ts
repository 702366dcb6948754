import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

// The console's sources (this spec runs from dist/apps/api/src/console/).
const CONSOLE = fileURLToPath(new URL('../../../../../apps/api/console/', import.meta.url));
const JS = path.join(CONSOLE, 'js');

type Catalogue = Record<string, string | Record<string, string>>;
const load = async (file: string): Promise<Catalogue> =>
  ((await import(pathToFileURL(path.join(JS, 'messages', file)).href)) as { default: Catalogue }).default;

/** The console's scripts outside the catalogues: every file that could hold a view's words. */
function scripts(dir = JS): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'messages' ? [] : scripts(full);
    return e.name.endsWith('.js') ? [full] : [];
  });
}

const placeholders = (message: string | Record<string, string>) =>
  [
    ...new Set(
      Object.values(typeof message === 'string' ? { other: message } : message).flatMap(
        (m) => m.match(/\{\w+\}/g) ?? [],
      ),
    ),
  ].sort();

/** Words meant for people: two words, a capitalised word, or Chinese characters. */
const HUMAN_TEXT = /\p{L}{2,}\s+\p{L}|^\s*\p{Lu}\p{Ll}|\p{Script=Han}/u;

interface Literal {
  file: string;
  text: string;
  /** the t()/tx() call it is the key of, if any */
  key: 'literal' | 'template' | null;
  /** why it is not text for people (a class list, a module path), if it is not */
  exempt: boolean;
}

function literals(file: string): Literal[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const found: Literal[] = [];
  const keyCall = (node: ts.Node) => {
    const call = node.parent;
    return (
      ts.isCallExpression(call) &&
      call.arguments[0] === node &&
      ts.isIdentifier(call.expression) &&
      ['t', 'tx'].includes(call.expression.text)
    );
  };
  // Strings that are for the machine though they look like words: class lists, selectors, headers.
  const MACHINE_NAMES = ['class', 'className', 'authorization'];
  const exempt = (node: ts.Node) => {
    const parent = node.parent;
    if (ts.isImportDeclaration(parent) || ts.isExportDeclaration(parent)) return true;
    if (ts.isPropertyAssignment(parent) && parent.initializer === node)
      return MACHINE_NAMES.includes(parent.name.getText(source).replace(/['"]/g, ''));
    if (ts.isBinaryExpression(parent) && parent.right === node && ts.isPropertyAccessExpression(parent.left))
      return MACHINE_NAMES.includes(parent.left.name.text);
    return (
      ts.isCallExpression(parent) &&
      ts.isPropertyAccessExpression(parent.expression) &&
      ['querySelector', 'querySelectorAll', 'closest'].includes(parent.expression.name.text)
    );
  };
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))
      found.push({ file, text: node.text, key: keyCall(node) ? 'literal' : null, exempt: exempt(node) });
    else if (ts.isTemplateExpression(node)) {
      const parts = [node.head.text, ...node.templateSpans.map((s) => s.literal.text)];
      const key = keyCall(node) ? 'template' : null;
      for (const text of key ? [node.head.text] : parts) found.push({ file, text, key, exempt: exempt(node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('the console message catalogues', () => {
  let en: Catalogue;
  let zh: Catalogue;
  const all = scripts().flatMap(literals);

  beforeAll(async () => {
    [en, zh] = await Promise.all([load('en.js'), load('zh-CN.js')]);
  });

  it('have the same keys in English and Chinese, with the same placeholders', () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    const differing = Object.keys(en).filter((k) => placeholders(en[k]).join() !== placeholders(zh[k]).join());
    expect(differing).toEqual([]);
    // Chinese words where the English has them (the English cannot stand in by mistake).
    const untranslated = Object.keys(en).filter(
      (k) =>
        !k.startsWith('meta.') &&
        HUMAN_TEXT.test(JSON.stringify(en[k])) &&
        JSON.stringify(zh[k]) === JSON.stringify(en[k]),
    );
    expect(untranslated).toEqual([]);
  });

  it('hold every key the views ask for', () => {
    const missing = all
      .filter((l) => l.key === 'literal' && !(l.text in en))
      .map((l) => `${path.basename(l.file)}: ${l.text}`);
    expect(missing).toEqual([]);
    // A key built from a value (`status.${value}`): at least its family exists.
    const families = all.filter((l) => l.key === 'template' && l.text);
    expect(families.length).toBeGreaterThan(0);
    expect(families.filter((l) => !Object.keys(en).some((k) => k.startsWith(l.text))).map((l) => l.text)).toEqual([]);
  });

  it('leave no words for people in the views', () => {
    const words = all
      .filter((l) => !l.key && !l.exempt && HUMAN_TEXT.test(l.text))
      .map((l) => `${path.relative(JS, l.file)}: ${JSON.stringify(l.text)}`);
    expect(words).toEqual([]);
  });

  it('translate the page shell through data-i18n keys only', () => {
    const html = readFileSync(path.join(CONSOLE, 'index.html'), 'utf8')
      // The tab title before the scripts run, and the message for browsers without them, stay in both languages.
      .replace(/<(title|noscript)>[\s\S]*?<\/\1>/g, '')
      .replace(/<!--[\s\S]*?-->/g, '');
    const text = html
      .replace(/<[^>]+>/g, '\n')
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean);
    expect(text).toEqual([]);
    const keys = [...html.matchAll(/data-i18n(?:-label)?="([^"]+)"/g)].map((m) => m[1]);
    expect(keys.length).toBeGreaterThan(5);
    expect(keys.filter((k) => !(k in en))).toEqual([]);
  });
});
