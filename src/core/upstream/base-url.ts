/** The env variable that points a plugin at a simulator or sandbox: PLUGIN_<NAME>_BASE_URL. */
export function baseUrlEnvName(plugin: string): string {
  return `PLUGIN_${plugin.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_BASE_URL`;
}

/** A connection's operator-set baseUrl wins, then the environment, then the manifest. */
export function resolveBaseUrl(plugin: { name: string; baseUrl: string }, connectionBaseUrl?: string | null, env = process.env): string {
  return (connectionBaseUrl || env[baseUrlEnvName(plugin.name)] || plugin.baseUrl).replace(/\/+$/, '');
}
