// The only way the console puts things on the page: elements built by hand, data as text nodes.
// Nothing here (or anywhere in the console) assigns innerHTML.

const SVG_NS = 'http://www.w3.org/2000/svg';

function setProps(el, props) {
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.setAttribute('class', value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** An HTML element: h('a', { href }, 'text', otherElement). Strings become text nodes. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  setProps(el, props);
  append(el, children);
  return el;
}

/** An SVG element, same shape as h(). */
export function s(tag, props, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setProps(el, props);
  append(el, children);
  return el;
}

/** A list as a table: its label, its column headings, and a row (a <tr>) per item. */
export function listTable(label, headings, items, row) {
  return h(
    'table',
    { class: 'list', 'aria-label': label },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        headings.map((text) => h('th', { scope: 'col' }, text)),
      ),
    ),
    h('tbody', null, items.map(row)),
  );
}

/** Replaces an element's content. */
export function show(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A labelled form field: the label wraps the control, so clicks and screen readers find it. */
export function field(label, control, hint) {
  return h(
    'label',
    { class: 'field' },
    h('span', { class: 'label' }, label),
    control,
    hint ? h('small', null, hint) : null,
  );
}

/** A small coloured badge for a colour or a status: styled by the API's value, showing its label. */
export function badge(value, text = value) {
  return h('span', { class: `badge badge-${String(value).replace(/[^a-z-]/g, '')}` }, text);
}

/** True when a key press belongs to a text field rather than to the page's shortcuts. */
export function typingIn(event) {
  const t = event.target;
  if (!(t instanceof HTMLElement)) return false;
  if (t instanceof HTMLInputElement) return !['checkbox', 'radio', 'button', 'submit'].includes(t.type);
  return t.isContentEditable || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT';
}
