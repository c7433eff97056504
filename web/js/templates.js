// Picking a WhatsApp template and filling its {{1}}, {{2}}… parameters.

import { h, mount } from './dom.js';
import { api, enc } from './api.js';

/** A template chooser for a channel; `onSend({name, language, parameters})` may throw to show an error. */
export function templatePicker(channelId, onSend) {
  const box = h('div', { class: 'col', testid: 'template-picker', style: 'display:flex;flex-direction:column;gap:6px' }, h('span', { class: 'muted' }, 'Loading templates…'));
  api.get(`/channels/${enc(channelId)}/templates`).then((r) => {
    const items = ((r && r.items) || []).filter((t) => !t.status || String(t.status).toUpperCase() === 'APPROVED');
    if (!items.length) { mount(box, h('span', { class: 'muted', testid: 'template-none' }, 'No approved templates on this channel.')); return; }
    const select = h('select', { testid: 'template-select', 'aria-label': 'Template' }, items.map((t, i) => h('option', { value: String(i) }, `${t.name} (${t.language})`)));
    const preview = h('div', { class: 'tpl-body', testid: 'template-body' });
    const params = h('div', { style: 'display:flex;flex-direction:column;gap:4px' });
    const error = h('div', { class: 'error', testid: 'template-error', hidden: true });
    const button = h('button', { class: 'btn btn-primary', testid: 'template-send' }, 'Send template');
    const show = () => {
      const t = items[Number(select.value)];
      preview.textContent = t.body || '';
      const n = new Set(String(t.body || '').match(/\{\{\s*\d+\s*\}\}/g) || []).size;
      mount(params, Array.from({ length: n }, (_, i) => h('input', { placeholder: `Parameter {{${i + 1}}}`, 'aria-label': `Template parameter {{${i + 1}}}`, testid: 'template-param' })));
    };
    select.addEventListener('change', show);
    button.addEventListener('click', async () => {
      const t = items[Number(select.value)];
      const inputs = [...params.querySelectorAll('input')];
      const parameters = inputs.map((x) => x.value);
      // the customer would read "Your order  has shipped.": every parameter needs a value
      const blank = inputs.filter((x) => !x.value.trim());
      inputs.forEach((x) => x.setAttribute('aria-invalid', blank.includes(x) ? 'true' : 'false'));
      if (blank.length) {
        error.textContent = `Fill in ${blank.map((x) => x.placeholder.replace('Parameter ', '')).join(', ')} before sending.`;
        error.hidden = false;
        blank[0].focus();
        return;
      }
      error.hidden = true;
      button.disabled = true;
      try {
        await onSend({ name: t.name, language: t.language, parameters });
      } catch (e) {
        error.textContent = e.message; error.hidden = false;
      } finally { button.disabled = false; }
    });
    mount(box, select, preview, params, error, h('div', { style: 'display:flex;justify-content:flex-end' }, button));
    show();
  }).catch((e) => mount(box, h('span', { class: 'error', testid: 'template-error' }, `Templates unavailable: ${e.message}`)));
  return box;
}
