import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATEGORIES, UKSIC_COVERAGE, categoryById, isCategoryId } from './taxonomy.js';
import { LIST_VENDORS, mapCategory, vendorCategoryNames, type ListVendor } from './mappings.js';

const blocklists = fileURLToPath(new URL('../../../../shared/data/blocklists/', import.meta.url));

/** Files in the shared data that are attribution or documentation, not lists. */
const NOT_LISTS = new Set(['LICENSE', 'LICENSE.pdf', 'cc-by-sa-4-0.pdf', 'README', 'global_usage', 'counts.tsv']);

/** The category names each vendor's folder holds: UT1's folders (and alias files), the others' list files. */
function namesInData(vendor: ListVendor): string[] {
  const folder = path.join(blocklists, vendor);
  return readdirSync(folder)
    .filter((name) => !NOT_LISTS.has(name))
    .map((name) => (vendor === 'blocklistproject' ? name.replace(/\.txt$/, '') : name));
}

test('every category R2.3 names is in the taxonomy, with the illegal ones marked illegal', () => {
  const required = [
    'child-abuse', 'terrorism', 'discrimination', 'hate-speech', 'drugs', 'extremism', 'gambling', 'malware', 'hacking',
    'misinformation', 'pornography', 'piracy', 'self-harm', 'violence', 'social-networking', 'chat', 'online-games',
    'dating', 'shopping', 'media-downloads', 'file-sharing', 'video-streaming', 'webmail', 'proxies', 'vpns',
    'dns-over-https', 'url-shorteners',
  ];
  for (const id of required) assert.ok(isCategoryId(id), `${id} is in the taxonomy`);
  assert.deepEqual(CATEGORIES.filter((c) => c.illegal).map((c) => c.id), ['child-abuse', 'terrorism']);
  assert.deepEqual(CATEGORIES.filter((c) => c.circumvention).map((c) => c.id), ['proxies', 'vpns', 'dns-over-https']);
  assert.match(categoryById('child-abuse')?.description ?? '', /Internet Watch Foundation/);
  assert.match(categoryById('terrorism')?.description ?? '', /CTIRU/);
});

test('category ids are unique kebab-case, and every category has a name and a one-sentence description', () => {
  const ids = CATEGORIES.map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length, 'no id is used twice');
  for (const c of CATEGORIES) {
    assert.match(c.id, /^[a-z0-9]+(-[a-z0-9]+)*$/, `${c.id} is kebab-case`);
    assert.ok(c.name.length > 0 && c.name.length <= 60, `${c.id} has a short name`);
    assert.match(c.description, /^[A-Z"].*\.$/, `${c.id}'s description is a sentence`);
    assert.equal(c.description.match(/\. [A-Z]/g), null, `${c.id}'s description is one sentence`);
    assert.doesNotMatch(`${c.name} ${c.description}`, /\b(color|behavior|organization|license)\b/i, 'British English');
  }
});

test("the UK Safer Internet Centre's headings are each covered by categories that exist", () => {
  for (const { heading, categoryIds } of UKSIC_COVERAGE) {
    assert.ok(categoryIds.length > 0, heading);
    for (const id of categoryIds) assert.ok(isCategoryId(id), `${heading} → ${id}`);
  }
});

for (const vendor of LIST_VENDORS) {
  test(`every ${vendor} list in the shared data is mapped, onto a category that exists or deliberately to none`, () => {
    const names = namesInData(vendor);
    assert.ok(names.length >= 10, `the shared data has ${vendor} lists`);
    for (const name of names) {
      const mapping = mapCategory(vendor, name);
      assert.ok(mapping, `${vendor} '${name}' is in mappings/${vendor}.json`);
      if (mapping.categoryId === null) assert.ok(mapping.reason.length > 20, `${vendor} '${name}' says why it is ignored`);
      else assert.ok(isCategoryId(mapping.categoryId), `${vendor} '${name}' → '${mapping.categoryId}' exists`);
    }
  });
}

test("UT1's French and aliased names land where a teacher would expect", () => {
  assert.equal(mapCategory('ut1', 'drogue')?.categoryId, 'drugs');
  assert.equal(mapCategory('ut1', 'agressif')?.categoryId, 'hate-speech');
  assert.equal(mapCategory('ut1', 'associations_religieuses')?.categoryId, 'religion');
  assert.equal(mapCategory('ut1', 'publicite')?.categoryId, 'advertising');
  assert.equal(mapCategory('ut1', 'tricheur')?.categoryId, 'cheating');
  assert.equal(mapCategory('ut1', 'redirector')?.categoryId, 'proxies');
  assert.equal(mapCategory('ut1', 'strict_redirector')?.categoryId, null, 'would block Google image search');
  // Each alias names a real folder, and maps where that folder does.
  for (const name of vendorCategoryNames('ut1')) {
    const mapping = mapCategory('ut1', name);
    if (mapping?.aliasOf === undefined) continue;
    assert.equal(mapping.categoryId, mapCategory('ut1', mapping.aliasOf)?.categoryId, `${name} → ${mapping.aliasOf}`);
    assert.ok(statSync(path.join(blocklists, 'ut1', mapping.aliasOf)).isDirectory());
    assert.equal(readFileSync(path.join(blocklists, 'ut1', name), 'utf8').trim(), mapping.aliasOf);
  }
});

test('vendor names are found however the file is spelt, and unknown names are not guessed', () => {
  assert.equal(mapCategory('blocklistproject', 'drugs.txt')?.categoryId, 'drugs');
  assert.equal(mapCategory('shadowwhisperer', 'adult')?.categoryId, 'pornography');
  assert.equal(mapCategory('shadowwhisperer', 'UrlShortener')?.categoryId, 'url-shorteners');
  assert.equal(mapCategory('ut1', 'nouvelle_categorie'), undefined);
});
