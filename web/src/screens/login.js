// Sign in and registration; the TOTP code field appears when the account has 2FA.
import { api, setSession } from '../api.js';
import { errorBox, field, h } from '../ui.js';

export const title = 'Sign in';

export function mount(view, { navigate }) {
  let mode = 'login';
  const [emailF, email] = field('Email', { type: 'email', name: 'email', autocomplete: 'username', required: true });
  const [pwF, password] = field('Password (at least 12 characters)', { type: 'password', name: 'password', autocomplete: 'current-password', required: true, minlength: 12 });
  const [codeF, code] = field('Two-factor code', { name: 'totp', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: 6 });
  codeF.hidden = true;
  const status = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const toggle = h('button', { type: 'button', class: 'link' }, 'New here? Create an account');
  const heading = h('h2', {}, 'Sign in');
  const form = h('form', { class: 'card narrow', novalidate: true }, heading, emailF, pwF, codeF, submit, ' ', toggle, status);
  toggle.addEventListener('click', () => {
    mode = mode === 'login' ? 'register' : 'login';
    heading.textContent = mode === 'login' ? 'Sign in' : 'Create an account';
    submit.textContent = mode === 'login' ? 'Sign in' : 'Create account';
    toggle.textContent = mode === 'login' ? 'New here? Create an account' : 'Have an account? Sign in';
    password.autocomplete = mode === 'login' ? 'current-password' : 'new-password';
    status.replaceChildren();
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    status.replaceChildren();
    if (!email.value.includes('@')) return status.append(errorBox(new Error('Enter an email address.')));
    if (password.value.length < 12) return status.append(errorBox(new Error('The password must have at least 12 characters.')));
    submit.disabled = true;
    submit.setAttribute('aria-busy', 'true');
    try {
      if (mode === 'register') {
        await api('POST', '/v1/auth/register', { email: email.value, password: password.value }, { auth: false });
      }
      const body = { email: email.value, password: password.value };
      if (!codeF.hidden && code.value) body.totp_code = code.value.trim();
      const tokens = await api('POST', '/v1/auth/login', body, { auth: false });
      setSession(tokens);
      navigate('/portfolio', { replace: true });
    } catch (err) {
      if (err.code === 'TOTP_REQUIRED') {
        codeF.hidden = false;
        code.focus();
      }
      status.append(errorBox(err));
    } finally {
      submit.disabled = false;
      submit.removeAttribute('aria-busy');
    }
  });
  view.append(h('h1', {}, 'Welcome to Sextant'), form);
  email.focus();
}
