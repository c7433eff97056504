// Settings → Profile: who is signed in, and a new password (the server ends the other sessions
// and answers with a new one for this page).

import { h, mount, toast } from '../dom.js';
import { api, adopt } from '../api.js';
import { state as S } from '../store.js';
import { field, errorLine } from './forms.js';
import { availabilitySelect } from '../collision.js';

export function renderProfile(into) {
  const current = h('input', { type: 'password', testid: 'pw-current', autocomplete: 'current-password', maxlength: 1024 });
  const next = h('input', { type: 'password', testid: 'pw-new', autocomplete: 'new-password', maxlength: 1024 });
  const again = h('input', { type: 'password', testid: 'pw-again', autocomplete: 'new-password', maxlength: 1024 });
  const error = errorLine('pw-error');
  const form = h('form', { class: 'set-form set-card', testid: 'password-form', 'aria-labelledby': 'pw-title' },
    h('h2', { class: 'set-card-title', id: 'pw-title' }, 'Change password'),
    // the browser's password manager files the new password under this account
    h('input', { type: 'text', name: 'username', autocomplete: 'username', value: S.user.email || '', hidden: true, 'aria-hidden': 'true', tabindex: '-1' }),
    field('Current password', current), field('New password', next, 'At least 8 characters'), field('New password again', again),
    error,
    h('div', { class: 'set-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', testid: 'pw-save' }, 'Change password')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.show('');
    if (next.value.length < 8) { error.show('The new password needs at least 8 characters.'); return; }
    if (next.value !== again.value) { error.show('The two new passwords differ.'); return; }
    try {
      const session = await api.post('/auth/password', { currentPassword: current.value, newPassword: next.value });
      if (session && session.token) adopt(session);
      form.reset();
      toast('Password changed; your other sessions are signed out');
    } catch (ex) {
      error.show(ex.code === 'wrong_password' ? 'The current password is wrong.' : ex.message);
    }
  });
  mount(into,
    h('div', { class: 'set-card', testid: 'profile-card' },
      h('div', { class: 'set-card-title', testid: 'profile-name' }, S.user.name),
      h('div', { class: 'muted set-hint' }, S.user.email || '', ' · ', S.user.role === 'admin' ? 'Admin' : 'Agent'),
      h('p', { class: 'muted set-hint' }, 'An admin changes your name, or sets a new password if you forget yours, under Settings → Agents → Edit.'),
      field('Availability (Away: auto-assignment passes you over)', availabilitySelect('profile-availability'))),
    form);
}
