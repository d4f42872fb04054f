// Small DOM helpers. Text from users only ever enters the page as text nodes.

/** Create an element: props set attributes (class, dataset, text, on<event>), children are nodes or strings. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) el.append(child); // strings become text nodes
  }
  return el;
}

const AVATAR_COLOURS = 8;

function colourIndex(name) {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.codePointAt(0)) >>> 0;
  return hash % AVATAR_COLOURS;
}

function initials(name) {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[1]].map((w) => [...w][0]) : [...(words[0] || '?')].slice(0, 2);
  return letters.join('').toUpperCase();
}

/** A decorative avatar: the picture when there is one, else initials on a colour derived from the name. */
export function avatar(name, url, size = 'md') {
  if (url) return h('img', { class: `avatar avatar--${size}`, src: url, alt: '', loading: 'lazy', decoding: 'async' });
  return h('span', { class: `avatar avatar--${size} avatar--c${colourIndex(name)}`, 'aria-hidden': 'true' }, initials(name));
}

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/gi;

function trimUrl(candidate) {
  // Trailing punctuation belongs to the sentence, and a closing bracket only if the URL opened one.
  let url = candidate.replace(/[.,;:!?'"]+$/, '');
  while (url.endsWith(')') && (url.match(/\(/g) || []).length < (url.match(/\)/g) || []).length) {
    url = url.slice(0, -1).replace(/[.,;:!?'"]+$/, '');
  }
  return url;
}

/** Text as a fragment of text nodes, with http(s) URLs as links that open in a new, unconnected tab. */
export function linkify(text) {
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const candidate = trimUrl(match[0]);
    let url;
    try {
      url = new URL(candidate);
    } catch {
      continue;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
    fragment.append(text.slice(last, match.index));
    fragment.append(h('a', { href: url.href, target: '_blank', rel: 'noopener noreferrer nofollow' }, candidate));
    last = match.index + candidate.length;
  }
  fragment.append(text.slice(last));
  return fragment;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayTimeFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' });

/** A <time> in the reader's time zone: the time today, else the day and time; the full date on hover. */
export function timeElement(iso, className = 'time') {
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  return h('time', { class: className, datetime: iso, title: fullFormat.format(date) },
    (today ? timeFormat : dayTimeFormat).format(date));
}
