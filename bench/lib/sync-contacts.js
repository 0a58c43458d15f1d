'use strict';
/**
 * Deterministic HubSpot contacts for the sync bench, generated from their index: contact i (0-based)
 * has id String(i + 1). `version` (0..255) changes a real property (phone, lastname) and the
 * timestamps, so a record whose version was bumped hashes differently. Shared by the source server
 * (bench/lib/sync-source.child.js) and the COPY baseline, so both write the same rows.
 */
const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Ken', 'Radia', 'Linus', 'Margaret', 'John', 'Frances'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Thompson', 'Perlman', 'Torvalds', 'Hamilton', 'Backus', 'Allen'];
const COMPANY = ['Initech', 'Globex', 'Umbrella', 'Hooli', 'Stark Industries', 'Wayne Enterprises', 'Acme', 'Soylent', 'Vandelay', 'Massive Dynamic'];
const EPOCH = Date.UTC(2024, 0, 1);

function contact(i, version = 0) {
  const id = String(i + 1);
  const created = new Date(EPOCH + i * 1000).toISOString();
  const updated = new Date(EPOCH + i * 1000 + 86_400_000 * (1 + version)).toISOString();
  const first = FIRST[i % FIRST.length];
  const last = LAST[(i * 7) % LAST.length] + (version ? `-v${version}` : '');
  return {
    id,
    properties: {
      company: COMPANY[(i * 3) % COMPANY.length],
      createdate: created,
      email: `${first.toLowerCase()}.${i}@example.com`,
      firstname: first,
      hs_object_id: id,
      lastmodifieddate: updated,
      lastname: last,
      phone: `+1-555-${String(i % 10_000_000).padStart(7, '0')}${version ? `-${version}` : ''}`,
    },
    createdAt: created,
    updatedAt: updated,
    archived: false,
  };
}

/** Which records the "1% changed" pass changes: every 100th, deterministic. */
const isChanged = (i) => i % 100 === 37;

module.exports = { contact, isChanged };
