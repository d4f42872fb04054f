// Small DOM helpers. Text from users only ever enters the page as text nodes; the one markup that
// does is a message's `html`, which the server rendered and sanitised, and which messageHtml()
// rebuilds element by element from an allowlist (never innerHTML into the page).

import { avatarColour, displayName, fullTimeText, initials, shortTimeText } from '../format.js';

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

/**
 * A decorative avatar: the picture when there is one, else initials of `name` on a colour from
 * `colourKey` (a user's id, so that it stays when they rename themself; a room's name).
 */
export function avatar(name, url, size = 'md', colourKey = name) {
  if (url) return h('img', { class: `avatar avatar--${size}`, src: url, alt: '', loading: 'lazy', decoding: 'async' });
  return h('span', { class: `avatar avatar--${size} avatar--c${avatarColour(colourKey)}`, 'aria-hidden': 'true' }, initials(name));
}

/** A person's avatar: their picture, else the initials of their display name on their colour. */
export function userAvatar(user, size = 'md') {
  return avatar(displayName(user), user.avatar, size, user.id);
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


/**
 * A <time> in the page's language (<html lang>, given to i18n.js by chat.js) and the reader's own
 * time zone: the time today, "Yesterday" and the time, else the day and time; the full date on hover.
 */
export function timeElement(iso, className = 'time') {
  const date = new Date(iso);
  return h('time', { class: className, datetime: iso, title: fullTimeText(date) }, shortTimeText(date));
}

// What a message's `html` may hold (PROTOCOL.md version 2, Decisions: the server's nh3 allowlist).
// Anything else in it is a server bug or worse: its text is kept, the markup dropped.
const HTML_TAGS = new Set(['P', 'BR', 'EM', 'STRONG', 'CODE', 'PRE', 'BLOCKQUOTE', 'UL', 'OL', 'LI', 'A', 'SPAN']);
const SAFE_SCHEMES = new Set(['http:', 'https:', 'mailto:']);

/** Copy the allowed attributes of a parsed element onto its fresh twin; false drops the element. */
function copyAttributes(source, target, meId) {
  switch (source.tagName) {
    case 'A': {
      let url;
      try {
        url = new URL(source.getAttribute('href') || '');
      } catch {
        return false;
      }
      if (!SAFE_SCHEMES.has(url.protocol)) return false;
      target.href = url.href;
      target.target = '_blank';
      target.rel = 'nofollow noopener noreferrer';
      return true;
    }
    case 'SPAN': {
      const userId = source.getAttribute('data-user-id');
      if (!source.classList.contains('mention') || !/^\d+$/.test(userId || '')) return true;
      target.className = Number(userId) === meId ? 'mention mention--me' : 'mention';
      target.dataset.userId = userId;
      return true;
    }
    case 'CODE': {
      const language = [...source.classList].find((name) => /^language-[\w#+.-]{1,32}$/.test(name));
      if (language) target.className = language;
      return true;
    }
    case 'OL': {
      const start = source.getAttribute('start');
      if (/^\d{1,9}$/.test(start || '')) target.setAttribute('start', start);
      return true;
    }
    default:
      return true;
  }
}

function rebuild(source, parent, meId) {
  for (const node of source.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) {
      parent.append(node.data);
    } else if (node.nodeType === Node.ELEMENT_NODE) {
      const tag = node.tagName;
      if (HTML_TAGS.has(tag)) {
        const copy = document.createElement(tag.toLowerCase());
        if (copyAttributes(node, copy, meId)) {
          rebuild(node, copy, meId);
          parent.append(copy);
          continue;
        }
      }
      rebuild(node, parent, meId); // not allowed: its text only
    }
  }
}

/**
 * A message's server-rendered `html` as a fragment: parsed inert (DOMParser runs no script and
 * loads nothing), then rebuilt from the allowlist above. Links open in a new, unconnected tab;
 * mentions of `meId` get the class `mention--me`.
 */
export function messageHtml(html, meId) {
  const parsed = new DOMParser().parseFromString(`<!doctype html><body>${html}`, 'text/html');
  const fragment = document.createDocumentFragment();
  rebuild(parsed.body, fragment, meId);
  return fragment;
}

/** An icon from one SVG path (24 x 24), hidden from screen readers: the control around it carries the name. */
export function svgIcon(pathData) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', pathData);
  svg.append(path);
  return svg;
}
