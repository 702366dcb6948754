// The console's words come from the message catalogues (messages/*.js), never from the views:
// t('queue.title') in the chosen language, English when a key is missing there.
import en from './messages/en.js';
import zhCN from './messages/zh-CN.js';

export const CATALOGUES = { en, 'zh-CN': zhCN };
export const LOCALES = Object.keys(CATALOGUES);
const KEY = 'hc.admin.locale';

/** The first of the browser's languages the console speaks (any Chinese reads Simplified), else English. */
export function pickLocale(preferred, saved) {
  if (LOCALES.includes(saved)) return saved;
  for (const tag of preferred ?? []) {
    const lower = String(tag).toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

function savedLocale() {
  try {
    return globalThis.localStorage?.getItem(KEY) ?? null;
  } catch {
    return null;
  }
}

let current = pickLocale(globalThis.navigator?.languages ?? [globalThis.navigator?.language], savedLocale());
const listeners = new Set();

export const locale = () => current;

/** The BCP 47 tag the Intl formatters use: British English gives "7 Dec 10:00" (day first, 24 h). */
export const intlLocale = () => CATALOGUES[current]['meta.intlLocale'];

export function setLocale(next) {
  if (!LOCALES.includes(next) || next === current) return;
  current = next;
  try {
    globalThis.localStorage?.setItem(KEY, next);
  } catch {
    // storage refused (private mode): the choice lasts for this page only
  }
  for (const fn of listeners) fn(next);
}

export function onLocaleChange(fn) {
  listeners.add(fn);
}

/** Picks a plural form ({ one, other }) for a count, by the language's own rules. */
function pluralOf(message, count, tag) {
  if (typeof message !== 'object') return message;
  const form = new Intl.PluralRules(tag).select(Number(count));
  return message[form] ?? message.other;
}

/** Numbers in messages as the language writes them (12,345). */
const asText = (value, tag) => (typeof value === 'number' ? new Intl.NumberFormat(tag).format(value) : String(value));

/** A message for a key, its {placeholders} filled from params; the key itself when no catalogue has it. */
export function translate(catalogue, key, params = {}) {
  const raw = catalogue[key] ?? en[key];
  if (raw === undefined) return key;
  const tag = catalogue['meta.intlLocale'];
  const message = pluralOf(raw, params.count, tag);
  return message.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? asText(params[name], tag) : whole));
}

export const t = (key, params) => translate(CATALOGUES[current], key, params);

/**
 * A message with elements in it ("Oldest pending: <strong>3 h</strong>"): the text parts and the
 * params that are DOM nodes, in order, ready for h() or show().
 */
export function tx(key, params = {}) {
  const nodes = {};
  const textParams = {};
  for (const [name, value] of Object.entries(params)) {
    if (typeof value === 'object' && value !== null) nodes[name] = value;
    else textParams[name] = value;
  }
  const text = t(key, textParams);
  return text.split(/\{(\w+)\}/).map((part, i) => (i % 2 ? (nodes[part] ?? `{${part}}`) : part));
}

/** Fills every element marked data-i18n="key" (the page shell in index.html) in the current language. */
export function translateStatic(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.getAttribute('data-i18n'));
  for (const el of root.querySelectorAll('[data-i18n-label]'))
    el.setAttribute('aria-label', t(el.getAttribute('data-i18n-label')));
}
