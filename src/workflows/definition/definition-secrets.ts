import { Injectable } from '@nestjs/common';
import { VaultService } from '../../core/vault';
import { isSecretKey } from '../engine/secret-mask';
import type { StepDefinition, WorkflowDefinition } from './workflow-definition';

/** How a definition refers to a value kept in the vault. */
const REF = /^\$vault:([0-9a-f-]{36})$/;
/** What the API shows for a header kept in the vault; sent back unchanged, it keeps the stored value. */
export const SECRET_SHOWN = '[secret]';

type Headers = Record<string, string>;

function headersOf(s: StepDefinition): Headers | null {
  return s.type === 'http_request' && s.headers ? s.headers : null;
}

/**
 * Credentials written into a definition (an http_request's Authorization or API-key header) go to
 * the vault when the definition is saved: the stored version keeps a `$vault:<id>` reference, the API
 * shows `[secret]`, and the step reads the value at run time. Templates (`{{ ... }}`) are left as written.
 */
@Injectable()
export class DefinitionSecrets {
  constructor(private readonly vault: VaultService) {}

  /** The definition to store: literal secret headers moved to the vault, `[secret]` kept from the previous version. */
  async seal(d: WorkflowDefinition, previous: WorkflowDefinition | null): Promise<WorkflowDefinition> {
    const before = new Map((previous?.steps ?? []).map((s) => [s.id, headersOf(s) ?? {}]));
    const steps = await Promise.all(d.steps.map(async (s) => {
      const headers = headersOf(s);
      if (!headers) return s;
      const sealed: Headers = {};
      for (const [name, value] of Object.entries(headers)) {
        if (value === SECRET_SHOWN && REF.test(before.get(s.id)?.[name] ?? '')) sealed[name] = before.get(s.id)![name];
        else if (isSecretKey(name) && !REF.test(value) && !value.includes('{{')) sealed[name] = `$vault:${await this.vault.put({ value })}`;
        else sealed[name] = value;
      }
      return { ...s, headers: sealed };
    }));
    return { ...d, steps };
  }

  /** The definition as the API shows it. */
  shown(d: WorkflowDefinition): WorkflowDefinition {
    return { ...d, steps: d.steps.map((s) => (headersOf(s) ? { ...s, headers: Object.fromEntries(Object.entries(headersOf(s)!).map(([k, v]) => [k, REF.test(v) ? SECRET_SHOWN : v])) } : s)) };
  }

  /** Header values with their vault references read (in the current tenant's context). */
  async open(headers: Headers): Promise<Headers> {
    const out: Headers = {};
    for (const [k, v] of Object.entries(headers)) {
      const ref = REF.exec(v);
      out[k] = ref ? (await this.vault.get(ref[1])).value : v;
    }
    return out;
  }

  /** Deletes the vault entries every version of a deleted workflow referred to. */
  async discard(versions: WorkflowDefinition[]): Promise<void> {
    const ids = new Set(versions.flatMap((d) => d.steps.flatMap((s) => Object.values(headersOf(s) ?? {}).map((v) => REF.exec(v)?.[1]).filter((x): x is string => !!x))));
    for (const id of ids) await this.vault.delete(id);
  }
}
