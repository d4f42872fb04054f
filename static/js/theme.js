// The colour theme the person chose: 'light', 'dark', or none (follow the system). A classic
// script in every page's <head> (the Content-Security-Policy forbids inline script), so that the
// choice is on <html data-theme> before the first paint and no page flashes the other theme.
// The choice is kept in localStorage (per browser, not per account); a `[data-theme-choice]`
// select, where a page has one, changes it, and other tabs follow through the storage event.
(() => {
  const KEY = 'chatroom:theme';
  const CHOICES = ['system', 'light', 'dark'];
  const root = document.documentElement;

  function stored() {
    try {
      const value = window.localStorage.getItem(KEY);
      return CHOICES.includes(value) ? value : 'system';
    } catch {
      return 'system'; // storage blocked: the system's setting
    }
  }

  function apply(choice) {
    if (choice === 'light' || choice === 'dark') root.dataset.theme = choice;
    else delete root.dataset.theme;
    const select = document.querySelector('[data-theme-choice]');
    if (select) select.value = choice;
  }

  function choose(choice) {
    try {
      if (choice === 'system') window.localStorage.removeItem(KEY);
      else window.localStorage.setItem(KEY, choice);
    } catch {
      // Not kept; this page still shows it.
    }
    apply(choice);
  }

  apply(stored());
  window.addEventListener('storage', (event) => {
    if (event.key === KEY || event.key === null) apply(stored());
  });
  document.addEventListener('DOMContentLoaded', () => {
    const select = document.querySelector('[data-theme-choice]');
    if (!select) return;
    select.value = stored();
    select.addEventListener('change', () => choose(select.value));
  });
})();
