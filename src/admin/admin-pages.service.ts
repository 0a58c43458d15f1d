import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Branding, PLUGBOARD_NAME } from '../billing';
import { isActionRefusal, messageOf } from './admin-errors';
import type { AdminRequest } from './admin-scope';
import { AdminSessions, type AdminSession, type Flash } from './session/admin-sessions.service';
import { sessionBinding } from './session/admin-session.guard';
import { CsrfTokens } from './session/csrf';

export interface NavItem {
  key: string;
  href: string;
  label: string;
}

/** The panel's sections; `operator` ones span tenants and are left out of an owner's menu. */
const NAV: (NavItem & { operator?: boolean })[] = [
  { key: 'dashboard', href: '/admin', label: 'Dashboard' },
  { key: 'tenants', href: '/admin/tenants', label: 'Tenants', operator: true },
  { key: 'connections', href: '/admin/connections', label: 'Connections' },
  { key: 'sync-runs', href: '/admin/sync-runs', label: 'Sync runs' },
  { key: 'conflicts', href: '/admin/conflicts', label: 'Conflicts' },
  { key: 'webhooks', href: '/admin/webhooks', label: 'Webhooks' },
  { key: 'workflows', href: '/admin/workflows', label: 'Workflows' },
  { key: 'alerts', href: '/admin/alerts', label: 'Alerts' },
  { key: 'plugins', href: '/admin/plugins', label: 'Plugins' },
  { key: 'billing', href: '/admin/billing', label: 'Billing' },
  { key: 'audit', href: '/admin/audit', label: 'Audit log' },
  { key: 'queues', href: '/admin/queues', label: 'Queues', operator: true },
];

type ViewReply = FastifyReply & { adminViewAsync(page: string, data: object, opts?: { layout?: string }): Promise<string> };

/**
 * Renders the panel's pages through @fastify/view (Handlebars, registered as `adminView` beside
 * Bull Board's own `view`): the page in the layout, with what every page needs (who is logged in,
 * the CSRF token for its forms, the menu, a flash message left by the last action).
 */
@Injectable()
export class AdminPages {
  constructor(private readonly sessions: AdminSessions, private readonly csrf: CsrfTokens, private readonly branding: Branding) {}

  async page(req: AdminRequest, reply: FastifyReply, view: string, data: { title: string; section?: string } & Record<string, unknown>, status = 200): Promise<void> {
    const session = req.adminSession;
    const flash = session ? await this.sessions.takeFlash(session.id) : null;
    // a tenant owner sees their white-label name; operators run Plugboard
    const brand = session?.tenantId ? await this.branding.nameOf(session.tenantId) : PLUGBOARD_NAME;
    const html = await (reply as ViewReply).adminViewAsync(`pages/${view}.hbs`, { ...this.common(session), brand, flash, ...data }, { layout: 'layout.hbs' });
    this.send(reply, html, status);
  }

  /** A piece of a page without the layout, for the panel's script to swap in (live progress). */
  async fragment(req: AdminRequest, reply: FastifyReply, view: string, data: Record<string, unknown>): Promise<void> {
    const html = await (reply as ViewReply).adminViewAsync(`partials/${view}.hbs`, { ...this.common(req.adminSession), ...data });
    this.send(reply, html, 200);
  }

  /** After an action: back to a page (303, so a reload does not post again), with a message for it. */
  async redirect(req: AdminRequest, reply: FastifyReply, to: string, flash?: Flash): Promise<void> {
    if (flash && req.adminSession) await this.sessions.flash(req.adminSession.id, flash);
    void reply.redirect(to, 303);
  }

  /**
   * Runs an action and goes back to a page with its outcome: what it returns, or the refusal it threw
   * (see isActionRefusal) as an error message. Other errors propagate to the error page.
   */
  async act(req: AdminRequest, reply: FastifyReply, back: string, action: () => Promise<{ flash: Flash; to?: string }>): Promise<void> {
    let outcome: { flash: Flash; to?: string };
    try {
      outcome = await action();
    } catch (e) {
      if (!isActionRefusal(e)) throw e;
      outcome = { flash: { kind: 'error', text: messageOf(e) } };
    }
    await this.redirect(req, reply, outcome.to ?? back, outcome.flash);
  }

  private common(session: AdminSession | undefined): Record<string, unknown> {
    if (!session) return {};
    return {
      session, operator: session.role === 'operator', csrf: this.csrf.issue(sessionBinding(session.id)),
      nav: session.role === 'operator' ? NAV : [NAV[0], { key: 'tenant', href: `/admin/tenants/${session.tenantId}`, label: 'My tenant' }, ...NAV.slice(1).filter((n) => !n.operator)],
    };
  }

  private send(reply: FastifyReply, html: string, status: number): void {
    void reply.status(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
  }
}
