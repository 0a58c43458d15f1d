export { PublishingModule, PublishingWorkerModule } from './publishing.module';
export { PublishingController } from './publishing.controller';
export {
  PublishingService, PUBLISH_QUEUE, publicationStatus, type PublishInput, type PublicationView, type PlatformResultView,
} from './publishing.service';
export { Publication, PublicationTarget, PUBLICATION_STATUSES, type PublicationStatus, type TargetStatus } from './publication.entity';
export { publishingSchema } from './publishing.schema';
