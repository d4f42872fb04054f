// Dialog and form plumbing: field errors from DRF answers, image previews, confirmation.

/** Show an ApiError's field messages next to their inputs (`[data-error-for=name]`), the rest at the top. */
export function showErrors(form, error) {
  clearErrors(form);
  const data = error.data && typeof error.data === 'object' ? error.data : {};
  let shownInFields = false;
  for (const [field, messages] of Object.entries(data)) {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
    if (!slot) continue;
    slot.textContent = [].concat(messages).join(' ');
    slot.hidden = false;
    form.elements[field]?.setAttribute('aria-invalid', 'true');
    shownInFields = true;
  }
  if (!shownInFields) {
    const general = form.querySelector('[data-error-for="__all__"]');
    general.textContent = error.message;
    general.hidden = false;
  }
}

export function clearErrors(form) {
  for (const slot of form.querySelectorAll('[data-error-for]')) {
    slot.textContent = '';
    slot.hidden = true;
  }
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

/** Show `text` under one field, or clear it (`text` empty). */
function setFieldError(input, text) {
  const slot = input.form.querySelector(`[data-error-for="${CSS.escape(input.name)}"]`);
  slot.textContent = text;
  slot.hidden = !text;
  if (text) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

/**
 * Preview the image picked in `input` in `img`. A file that `check(file)` finds fault with (it
 * returns the reason) is not kept: the reason shows under the field instead, before any upload.
 * Returns a function that clears both.
 */
export function bindImagePreview(input, img, check = () => null) {
  let objectUrl = null;
  const clear = () => {
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = null;
    img.removeAttribute('src');
    img.hidden = true;
  };
  input.addEventListener('change', () => {
    clear();
    const file = input.files[0];
    const problem = file ? check(file) : null;
    setFieldError(input, problem || '');
    if (!file || problem) {
      input.value = '';
      return;
    }
    objectUrl = URL.createObjectURL(file);
    img.src = objectUrl;
    img.hidden = false;
  });
  return () => {
    input.value = '';
    clear();
  };
}

/** Ask a yes/no question in the page's confirm dialog; resolves to true when confirmed. */
export function confirmAction(dialog, { title, text, confirmLabel }) {
  dialog.querySelector('[data-confirm-title]').textContent = title;
  dialog.querySelector('[data-confirm-text]').textContent = text;
  dialog.querySelector('[data-confirm-ok]').textContent = confirmLabel;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
  });
}
