import type { INestApplicationContext } from '@nestjs/common';
import type request from 'supertest';
import { DataSource } from 'typeorm';
import { Operator, PasswordHasher } from '../../src/core/tenancy';

type Http = () => ReturnType<typeof request>;

/** The value of a hidden form field in a page (the first form with that field). */
export function formField(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no ${name} field in the page`);
  return m[1].replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
}

/** name=value of each Set-Cookie of a response. */
export function cookiesOf(res: { headers: Record<string, unknown> }): Record<string, string> {
  const raw = res.headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : raw ? [String(raw)] : [];
  return Object.fromEntries(list.map((c: string) => c.split(';')[0].split('=')).map(([k, ...v]) => [k, v.join('=')]));
}

export async function createOperator(app: INestApplicationContext, email: string, password: string): Promise<string> {
  const passwordHash = await app.get(PasswordHasher).hash(password);
  const r = await app.get(DataSource).manager.insert(Operator, { email, name: 'Test operator', passwordHash });
  return r.identifiers[0].id as string;
}

/** A logged-in panel session over HTTP: its cookie and the CSRF token its forms carry. */
export interface AdminClient {
  cookie: string;
  csrf: string;
  get(path: string): ReturnType<ReturnType<Http>['get']>;
  post(path: string, form?: Record<string, string>): ReturnType<ReturnType<Http>['post']>;
}

/** The log-in form's pre-session cookie and token. */
export async function loginForm(http: Http): Promise<{ pre: string; csrf: string }> {
  const form = await http().get('/admin/login').expect(200);
  return { pre: cookiesOf(form).pb_admin_login, csrf: formField(form.text, '_csrf') };
}

export function postLogin(http: Http, form: { pre: string; csrf: string }, email: string, password: string): ReturnType<ReturnType<Http>['post']> {
  return http().post('/admin/login').set('Cookie', `pb_admin_login=${form.pre}`).type('form').send({ email, password, _csrf: form.csrf, next: '/admin' });
}

/** Logs in through the form, as a browser would (pre-session cookie, form token, session cookie). */
export async function adminLogin(http: Http, email: string, password: string): Promise<AdminClient> {
  const res = await postLogin(http, await loginForm(http), email, password);
  if (res.status !== 303) throw new Error(`log-in answered ${res.status}: ${res.text.slice(0, 300)}`);
  const cookie = `pb_admin=${cookiesOf(res).pb_admin}`;
  const dashboard = await http().get('/admin').set('Cookie', cookie).expect(200);
  const csrf = formField(dashboard.text, '_csrf');
  return {
    cookie, csrf,
    get: (path) => http().get(path).set('Cookie', cookie),
    post: (path, fields = {}) => http().post(path).set('Cookie', cookie).type('form').send({ _csrf: csrf, ...fields }),
  };
}
