import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { closestName } from '../src/cli/name-suggestion';
import { nameForms } from './names';
import { buildSpec, EntityChoiceNeeded, GENERATOR_ROOT, renderPlugin, writePlugin } from './plugin-generator';
import { GeneratorInputError } from './plugin-spec';

const USAGE = `usage: npm run plugin:new -- <name> --category <category> --auth api_key|oauth2|basic|none --base-url <url>
         [--entities contacts,companies[:model]] [--from-openapi <file>] [--paging cursor|after-id|offset|page|link] [--display-name <name>]`;

const OPTIONS = {
  category: { type: 'string' },
  auth: { type: 'string' },
  'base-url': { type: 'string' },
  entities: { type: 'string' },
  'from-openapi': { type: 'string' },
  paging: { type: 'string' },
  'display-name': { type: 'string' },
  help: { type: 'boolean' },
} as const;

/**
 * `npm run plugin:new -- acme-crm --category crm --auth api_key --base-url https://api.acme.example --entities contacts,companies`
 * writes src/plugins/acme-crm, a plugin the loader finds at the next boot. Refusals change nothing.
 */
function main(argv: string[]): number {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (e) {
    const flag = /'(--[^']+)'/.exec((e as Error).message)?.[1];
    const guess = flag && closestName(flag.slice(2), Object.keys(OPTIONS));
    return fail(`${(e as Error).message}${guess ? ` (did you mean --${guess}?)` : ''}`);
  }
  const { values: v, positionals } = parsed;
  if (v.help) return print(USAGE);
  if (positionals.length !== 1) return fail(positionals.length ? `one plugin name, please (got ${positionals.join(' ')})` : 'name the plugin, e.g. acme-crm');
  if (!v.category || !v.auth) return fail(`--category and --auth are required`);
  const [name] = positionals;
  const repo = join(GENERATOR_ROOT, '..');
  const pluginsDir = join(repo, 'src', 'plugins');
  try {
    if (existsSync(join(pluginsDir, name)) || existsSync(join(repo, 'node_modules', `plugboard-plugin-${name}`))) {
      throw new GeneratorInputError(`a plugin named ${name} exists already`);
    }
    const coreVersion = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version as string;
    const spec = buildSpec({
      name, category: v.category, auth: v.auth, baseUrl: v['base-url'], entities: v.entities?.split(',').map((e) => e.trim()).filter(Boolean),
      fromOpenApi: v['from-openapi'], paging: v.paging, displayName: v['display-name'],
    }, `^${coreVersion.split('.').slice(0, 2).join('.')}.0`);
    const files = renderPlugin(spec);
    const target = writePlugin(files, pluginsDir, name);
    const where = relative(process.cwd(), target) || target;
    return print([
      `wrote ${where}: ${files.length} files (${spec.entities.map((e) => `${e.key} -> ${e.model}`).join(', ')}; ${spec.paging.style} paging; ${spec.auth} auth)`,
      ...files.map((f) => `  ${f.path}`),
      'next:',
      `  npx jest --config test/jest.config.js ${where}      its tests run against its simulator`,
      `  PLUGIN_${nameForms(name).constant}_BASE_URL=<url>          points it at a sandbox; the manifest has ${spec.baseUrl}`,
      '  then make the simulator behave as the platform does (paths, paging, errors, limits) and the plugin follow it',
    ].join('\n'));
  } catch (e) {
    if (e instanceof EntityChoiceNeeded) return fail(e.message, 2);
    if (e instanceof GeneratorInputError) return fail(e.message);
    throw e;
  }
}

function print(text: string): number {
  process.stdout.write(`${text}\n`);
  return 0;
}

function fail(message: string, code = 1): number {
  process.stderr.write(`plugin:new: ${message}\nnothing was written\n${code === 1 ? `${USAGE}\n` : ''}`);
  return code;
}

process.exitCode = main(process.argv.slice(2));
