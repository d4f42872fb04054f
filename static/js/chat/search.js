// Search (GET search/?q=, protocol version 2): the words of a query as the server takes them, the
// parts of a text that match them (for <mark>), a short excerpt around the first match, results
// grouped by room, and a searcher that pages through results and ignores answers to old queries.
// No DOM here (js_tests/search.test.js); ui/search.js shows it.

export const QUERY_MAX_LENGTH = 200; // the server's limit on `q`
export const SEARCH_PAGE = 20;
export const EXCERPT_LENGTH = 160; // characters of a long body shown around its first match

/** The words of `q`, as the server splits them (on whitespace; each a case-insensitive substring). */
export function queryWords(q) {
  return [...new Set(String(q).split(/\s+/).filter(Boolean))];
}

/** [start, end) ranges of `text` where any of `words` occurs, case-insensitively, merged and sorted. */
export function matchRanges(text, words) {
  const lower = text.toLowerCase();
  const ranges = [];
  for (const word of words) {
    const needle = word.toLowerCase();
    if (!needle) continue;
    for (let at = lower.indexOf(needle); at !== -1; at = lower.indexOf(needle, at + needle.length)) {
      ranges.push([at, at + needle.length]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged = [];
  for (const [start, end] of ranges) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/**
 * `text` cut into [{text, match}] parts: the matching words with match true, to be shown as text
 * nodes and <mark> elements (never as markup). toLowerCase keeps the length of nearly every
 * string; where it does not (a few letters such as İ), the text is shown without highlights.
 */
export function highlightParts(text, words) {
  if (text.toLowerCase().length !== text.length) return [{ text, match: false }];
  const parts = [];
  let last = 0;
  for (const [start, end] of matchRanges(text, words)) {
    if (start > last) parts.push({ text: text.slice(last, start), match: false });
    parts.push({ text: text.slice(start, end), match: true });
    last = end;
  }
  if (last < text.length || !parts.length) parts.push({ text: text.slice(last), match: false });
  return parts;
}

/** At most `length` characters of `text` (whitespace folded), around its first match, with "…" where cut. */
export function excerpt(text, words, length = EXCERPT_LENGTH) {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= length) return flat;
  const first = matchRanges(flat, words)[0];
  const start = first ? Math.max(0, Math.min(first[0] - Math.floor(length / 3), flat.length - length)) : 0;
  const end = start + length;
  return `${start > 0 ? '…' : ''}${flat.slice(start, end).trim()}${end < flat.length ? '…' : ''}`;
}

/** Results (newest first) grouped by room, the rooms in the order of their newest result: [{roomId, messages}]. */
export function groupByRoom(results) {
  const groups = new Map();
  for (const message of results) {
    if (!groups.has(message.room)) groups.set(message.room, []);
    groups.get(message.room).push(message);
  }
  return [...groups].map(([roomId, messages]) => ({ roomId, messages }));
}

/**
 * A searcher over `api` (chat/http.js). `onChange(state)` after every change of `state`:
 * {query, words, results, hasMore, loading, error}. run(q) starts a new search (an empty q clears
 * it); more() loads the next page (`before` the oldest result). An answer to a query that has been
 * replaced since is dropped, so that results never belong to an older query than the box shows.
 */
export function createSearcher({ api, onChange, pageSize = SEARCH_PAGE }) {
  let state = { query: '', words: [], results: [], hasMore: false, loading: false, error: null };
  let generation = 0;

  function set(fields) {
    state = { ...state, ...fields };
    onChange(state);
  }

  async function fetchPage(query, before, replace) {
    const mine = ++generation;
    set({ loading: true, error: null });
    try {
      const page = await api('search/', { query: { q: query, limit: pageSize, ...(before ? { before } : {}) } });
      if (mine !== generation) return;
      set({ results: replace ? page.results : [...state.results, ...page.results], hasMore: page.has_more, loading: false });
    } catch (error) {
      if (mine !== generation) return;
      set({ loading: false, error: error.message || String(error) });
    }
  }

  return {
    get state() {
      return state;
    },
    run(q) {
      const query = String(q).trim().slice(0, QUERY_MAX_LENGTH);
      if (!query) {
        generation += 1;
        set({ query: '', words: [], results: [], hasMore: false, loading: false, error: null });
        return Promise.resolve();
      }
      set({ query, words: queryWords(query), results: [], hasMore: false });
      return fetchPage(query, null, true);
    },
    more() {
      if (!state.query || !state.hasMore || state.loading) return Promise.resolve();
      return fetchPage(state.query, state.results.at(-1)?.id, false);
    },
  };
}
