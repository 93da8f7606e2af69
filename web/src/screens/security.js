// Two-factor authentication: setup (secret and otpauth URI for an authenticator app), enable
// with a first code (shows the recovery codes once), disable.
import { api } from '../api.js';
import { card, errorBox, field, h, loading } from '../ui.js';

export const title = 'Security';

export async function mount(view) {
  view.append(h('h1', {}, 'Security'));
  const box = h('div');
  view.append(box);
  const me = await loading(box, 'your account', () => api('GET', '/v1/account'));
  const enabled = me.totp_enabled ?? me.two_factor ?? false;
  box.append(card('Account', h('p', {}, `Signed in as ${me.email}.`)));
  const section = card('Two-factor authentication (TOTP)');
  box.append(section);
  const status = h('div', { 'aria-live': 'polite' });
  if (enabled) {
    section.append(h('p', { 'data-testid': 'totp-state' }, 'Two-factor authentication is on.'), status);
    return;
  }
  const [pwF, pw] = field('Your password', { type: 'password', autocomplete: 'current-password' });
  const start = h('button', { type: 'button', class: 'primary' }, 'Set up two-factor authentication');
  section.append(h('p', { 'data-testid': 'totp-state' }, 'Two-factor authentication is off.'), pwF, start, status);
  start.addEventListener('click', async () => {
    status.replaceChildren();
    start.disabled = true;
    try {
      const s = await api('POST', '/v1/auth/2fa/setup', { password: pw.value });
      const [codeF, code] = field('Code from the app', { inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 6 });
      const confirm = h('button', { type: 'button', class: 'primary' }, 'Turn on');
      status.append(
        h('p', {}, 'Add this account to your authenticator app with the secret key (or the otpauth link), then enter the 6-digit code it shows.'),
        h('p', {}, 'Secret key: ', h('code', { 'data-testid': 'totp-secret' }, s.secret)),
        h('p', {}, h('a', { href: s.otpauth_uri, 'data-testid': 'totp-uri' }, 'otpauth link')),
        codeF, confirm,
      );
      code.focus();
      confirm.addEventListener('click', async () => {
        confirm.disabled = true;
        status.querySelector('.error')?.remove();
        try {
          const r = await api('POST', '/v1/auth/2fa/enable', { code: code.value.trim() });
          status.replaceChildren(
            h('p', { 'data-testid': 'totp-enabled' }, 'Two-factor authentication is on. Keep these recovery codes somewhere safe; each works once:'),
            h('ul', { class: 'codes' }, r.recovery_codes.map((c) => h('li', {}, h('code', {}, c)))),
          );
        } catch (e) {
          status.append(errorBox(e));
          confirm.disabled = false;
        }
      });
    } catch (e) {
      status.append(errorBox(e));
      start.disabled = false;
    }
  });
}
