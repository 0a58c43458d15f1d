import { Module } from '@nestjs/common';
import { ReconciliationService } from './reconciliation.service';

/** Reconciliation across platforms (issue 3): groups of matching records, merged or kept apart. Controllers are mounted by the API root. */
@Module({ providers: [ReconciliationService], exports: [ReconciliationService] })
export class ReconciliationModule {}
