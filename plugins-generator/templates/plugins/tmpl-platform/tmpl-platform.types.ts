/** What every record has: the id the sync keys it by and the paging continues after. */
export interface TmplPlatformRecord {
  tmpl_id: string | number;
}

// @each entity
/** Tmpl items as Tmpl Platform's API returns them: the fields this plugin reads. */
export interface TmplPlatformTmplItem extends TmplPlatformRecord {
  tmpl_id: string; // @sub [string] idType
  tmpl_field: string | null; // @each field @sub [string | null] type
  tmpl_updated: string; // @if updated @sub [string] updatedType
}

// @end
