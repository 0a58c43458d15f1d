import { Inject } from '@nestjs/common';
import { Command, CommandRunner } from 'nest-commander';
import { DataSource } from 'typeorm';
import { createApiApp } from '../../app/bootstrap';
import { BILLING_WEBHOOK_PATH, PlanSync, startBillingSimulator } from '../../billing';
import { ApiKeysService, AuthService, type SessionTokens } from '../../core/auth';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../../core/config';
import { PluginRegistry } from '../../core/plugin-host';
import type { RunningSimulator } from '../../core/plugin-sdk';
import { Operator, PasswordHasher, RequestContext, Tenant, User } from '../../core/tenancy';
import { baseUrlEnvName } from '../../core/upstream';
import { clientEnvNames } from '../../integrations/connections';
import { cliPrincipal } from '../tenant-lookup';

export const DEMO_EMAIL = 'demo@plugboard.local';
export const DEMO_OPERATOR_EMAIL = 'operator@plugboard.local';
export const DEMO_PASSWORD = 'plugboard-demo';

/**
 * `plugboard demo`: migrates, ensures a demo tenant and operator, starts every plugin's simulator
 * and points the plugin at it, then serves the API until interrupted. Safe to run again.
 */
@Command({ name: 'demo', description: 'Run Plugboard with a demo tenant and every platform simulator' })
export class DemoCommand extends CommandRunner {
  constructor(
    @Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig,
    private readonly dataSource: DataSource,
    private readonly auth: AuthService,
    private readonly keys: ApiKeysService,
    private readonly context: RequestContext,
    private readonly hasher: PasswordHasher,
    private readonly registry: PluginRegistry,
  ) {
    super();
  }

  async run(): Promise<void> {
    await this.dataSource.runMigrations({ transaction: 'each' });
    const session = await this.ensureTenant();
    await this.dataSource.manager.upsert(
      Operator, { email: DEMO_OPERATOR_EMAIL, name: 'Demo operator', passwordHash: await this.hasher.hash(DEMO_PASSWORD), failedLogins: 0, lockedUntil: null }, ['email'],
    );
    const tenant = await this.dataSource.manager.findOneByOrFail(Tenant, { id: session.tenant.id });
    const key = await this.context.runAsTenant(cliPrincipal(tenant), () => this.keys.create({ name: `demo ${new Date().toISOString()}`, scopes: ['read', 'write'] }));

    const simulators = await this.startSimulators();
    // Plugboard's own billing, pointed at its simulator: plans synced, checkout and the portal work in the browser
    const billing = await startBillingSimulator();
    const app = await createApiApp({ ...this.config, ...billing.settings }, { withWorker: true, plugins: this.registry.loadReport });
    await app.listen({ port: this.config.PORT, host: this.config.HOST });
    const url = (await app.getUrl()).replace('[::1]', 'localhost');
    billing.connect(`${url}${BILLING_WEBHOOK_PATH}`);
    const plans = await app.get(PlanSync).run();

    const lines = [
      '',
      `Plugboard demo is running at ${url}`,
      `  admin panel     ${url}/admin   (operator ${DEMO_OPERATOR_EMAIL} / ${DEMO_PASSWORD})`,
      `  API docs        ${url}/api/docs`,
      `  health          ${url}/health/ready`,
      `  plugin catalog  ${url}/api/v1/plugins`,
      '',
      `Demo tenant "${session.tenant.name}" (plan ${tenant.plan}), owner ${DEMO_EMAIL} / ${DEMO_PASSWORD}`,
      `  access token    ${session.accessToken}`,
      `  API key         ${key.key}`,
      `  try             curl -H "Authorization: Bearer ${key.key}" ${url}/api/v1/plugins`,
      `Operator          ${DEMO_OPERATOR_EMAIL} / ${DEMO_PASSWORD}: every tenant in the admin panel (${url}/admin); the owner above sees their tenant's pages`,
      '',
      'Platform simulators (each plugin is pointed at its own):',
      ...simulators.map(({ name, sim }) => `  ${name.padEnd(14)} ${sim.url}  credentials ${JSON.stringify(sim.credentials)}`),
      '',
      `Billing (a simulated payment provider at ${billing.url}; ${plans.filter((l) => l.kind === 'price').length} prices synced):`,
      `  plans           ${url}/api/v1/billing/plans   usage: ${url}/api/v1/billing/usage`,
      `  subscribe       curl -X POST -H "Authorization: Bearer ${session.accessToken}" -H 'content-type: application/json' -d '{"plan":"starter"}' ${url}/api/v1/billing/checkout`,
      '                  then open the returned url and pay with the test card; GET /api/v1/billing/subscription shows the result',
      '',
      'Ctrl-C stops everything.',
      '',
    ];
    process.stdout.write(lines.join('\n'));

    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await app.close();
    await Promise.all([...simulators.map(({ sim }) => sim.close()), billing.close()]);
  }

  private async ensureTenant(): Promise<SessionTokens> {
    const existing = await this.dataSource.manager.findOne(User, { where: { email: DEMO_EMAIL } });
    if (existing) return this.auth.login(DEMO_EMAIL, DEMO_PASSWORD);
    const session = await this.auth.signup({ tenantName: 'Demo Company', email: DEMO_EMAIL, password: DEMO_PASSWORD, name: 'Demo Owner' });
    await this.dataSource.manager.update(Tenant, { id: session.tenant.id }, { plan: 'professional' });
    return session;
  }

  private async startSimulators(): Promise<{ name: string; sim: RunningSimulator }[]> {
    const started: { name: string; sim: RunningSimulator }[] = [];
    for (const plugin of this.registry.list()) {
      if (!plugin.simulator) continue;
      const sim = await (await plugin.simulator()).startSimulator();
      // the upstream client reads this per request, so the API below talks to the simulator
      process.env[baseUrlEnvName(plugin.name)] = sim.url;
      // and its OAuth app is the platform-wide one, unless the environment names another
      if (sim.oauthClient) {
        const names = clientEnvNames(plugin.name);
        process.env[names.id] ??= sim.oauthClient.clientId;
        process.env[names.secret] ??= sim.oauthClient.clientSecret;
      }
      started.push({ name: plugin.name, sim });
    }
    return started;
  }
}
