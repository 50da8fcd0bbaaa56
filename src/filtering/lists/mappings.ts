/**
 * Maps the category names of third-party lists onto Osprey's taxonomy (R2.3: "imported list categories map onto
 * this taxonomy"). The mappings are data shipped with Osprey (`mappings/*.json`), so a reviewer can read and correct
 * them without reading code.
 */
import ut1 from './mappings/ut1.json' with { type: 'json' };
import shadowWhisperer from './mappings/shadowwhisperer.json' with { type: 'json' };
import blockListProject from './mappings/blocklistproject.json' with { type: 'json' };

export type ListVendor = 'ut1' | 'shadowwhisperer' | 'blocklistproject';

export const LIST_VENDORS: readonly ListVendor[] = ['ut1', 'shadowwhisperer', 'blocklistproject'];

/** How one vendor category is treated: imported under an Osprey category, or ignored for the stated reason. */
export type CategoryMapping =
  | { vendor: ListVendor; name: string; categoryId: string; note?: string; aliasOf?: string }
  | { vendor: ListVendor; name: string; categoryId: null; reason: string; aliasOf?: string };

interface MappingFile {
  vendor: string;
  shortName: string;
  title: string;
  licence: string;
  categories: Record<string, { category: string | null; reason?: string; note?: string; aliasOf?: string }>;
}

const FILES: Record<ListVendor, MappingFile> = {
  ut1,
  shadowwhisperer: shadowWhisperer,
  blocklistproject: blockListProject,
};

export function isListVendor(value: string): value is ListVendor {
  return (LIST_VENDORS as readonly string[]).includes(value);
}

/** The vendor's title and licence, for attribution next to imported lists (UT1's CC BY-SA notice must travel). */
export function vendorInfo(vendor: ListVendor): { shortName: string; title: string; licence: string } {
  const { shortName, title, licence } = FILES[vendor];
  return { shortName, title, licence };
}

/** Every name the vendor's mapping knows, including aliases. */
export function vendorCategoryNames(vendor: ListVendor): string[] {
  return Object.keys(FILES[vendor].categories);
}

/**
 * The Osprey category for a vendor's category (a UT1 folder, a ShadowWhisperer file, a Block List Project file with
 * or without `.txt`). Returns `undefined` when the mapping does not know the name: the caller reports it rather than
 * guessing.
 */
export function mapCategory(vendor: ListVendor, name: string): CategoryMapping | undefined {
  const categories = FILES[vendor].categories;
  const bare = name.replace(/\.txt$/i, '');
  const key = bare in categories ? bare : Object.keys(categories).find((known) => known.toLowerCase() === bare.toLowerCase());
  if (key === undefined) return undefined;
  const entry = categories[key];
  if (entry === undefined) return undefined;
  const alias = entry.aliasOf === undefined ? {} : { aliasOf: entry.aliasOf };
  if (entry.category === null) {
    return { vendor, name: key, categoryId: null, reason: entry.reason ?? 'ignored by the mapping', ...alias };
  }
  return { vendor, name: key, categoryId: entry.category, ...(entry.note === undefined ? {} : { note: entry.note }), ...alias };
}
