// The page's words in the reader's language. Django's JavaScript catalog (/jsi18n/, loaded
// by the page before the modules) defines the globals gettext, ngettext and interpolate; under
// Node's tests, and should the catalog fail to load, a string stands for itself (English).

let pageLocale; // the page's language (<html lang>, e.g. 'zh-hans'), set by chat.js; undefined: the runtime's

/** Dates and numbers in the page's language rather than the browser's (they may differ: the switcher). */
export function setLocale(code) {
  pageLocale = code || undefined;
}

/** The locale for Intl: the page's language, or undefined (the runtime's default). */
export function locale() {
  return pageLocale;
}

export function gettext(text) {
  return typeof globalThis.gettext === 'function' ? globalThis.gettext(text) : text;
}

export function ngettext(singular, plural, count) {
  if (typeof globalThis.ngettext === 'function') return globalThis.ngettext(singular, plural, count);
  return count === 1 ? singular : plural;
}

/** interpolate('%(name)s joined', {name}, true) or interpolate('%s of %s', [a, b]), as Django's. */
export function interpolate(format, values, named = false) {
  if (typeof globalThis.interpolate === 'function') return globalThis.interpolate(format, values, named);
  if (named) return format.replace(/%\(\w+\)s/g, (match) => String(values[match.slice(2, -2)]));
  let index = 0;
  return format.replace(/%s/g, () => String(values[index++]));
}
