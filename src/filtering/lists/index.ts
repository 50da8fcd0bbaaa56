/**
 * The list side of Osprey's web filter (R2.2, R2.3, R2.11): the category taxonomy, vendor mappings, list parsers
 * and the disk reader. The engine takes the `ListEntries` this produces; it never reads list files itself.
 */
export { CATEGORIES, UKSIC_COVERAGE, categoryById, isCategoryId, type CategoryGroup, type TaxonomyCategory } from './taxonomy.js';
export {
  LIST_VENDORS, isListVendor, mapCategory, vendorCategoryNames, vendorInfo, type CategoryMapping, type ListVendor,
} from './mappings.js';
export { normaliseHost, type HostCheck, type HostOptions } from './formats/domain.js';
export { parseDomainList } from './formats/plain.js';
export { parseHostsFile } from './formats/hosts.js';
export { parseAdblockList } from './formats/adblock.js';
export { parseSquidGuardCategory, SQUIDGUARD_FILES } from './formats/squidguard.js';
export { createListParser, parseList, type ListParser } from './formats/parse.js';
export { detectFormat, type FormatGuess } from './formats/detect.js';
export {
  LIST_FORMATS, MAX_LINE_BYTES, MAX_PROBLEMS, describeProblem,
  type ListFormat, type ListProblem, type ParseCounts, type ParseResult, type ParsedEntries,
} from './formats/types.js';
export {
  ListSourceError, detectPathFormat, readListSource, type ListSource, type ReadListOptions, type SourceList,
} from './read.js';
