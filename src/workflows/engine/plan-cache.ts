import { Injectable, NotFoundException } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { DataSource } from 'typeorm';
import { planOf, type WorkflowDefinition, type WorkflowPlan } from '../definition';

/**
 * Compiled plans of workflow versions. A version never changes once written, so a plan is cached
 * for as long as memory allows, keyed by tenant, workflow and version.
 */
@Injectable()
export class PlanCache {
  private readonly plans = new LRUCache<string, { plan: WorkflowPlan; name: string }>({ max: 2000 });

  constructor(private readonly dataSource: DataSource) {}

  async get(tenantId: string, workflowId: string, version: number): Promise<{ plan: WorkflowPlan; name: string }> {
    const key = `${tenantId}:${workflowId}:${version}`;
    const hit = this.plans.get(key);
    if (hit) return hit;
    const [row] = await this.dataSource.query(
      `SELECT definition FROM workflow_versions WHERE tenant_id = $1 AND workflow_id = $2 AND version = $3`,
      [tenantId, workflowId, version],
    );
    if (!row) throw new NotFoundException(`workflow ${workflowId} has no version ${version}`);
    const definition = row.definition as WorkflowDefinition;
    const entry = { plan: planOf(definition), name: definition.name };
    this.plans.set(key, entry);
    return entry;
  }
}
