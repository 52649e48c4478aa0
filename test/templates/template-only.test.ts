import { VARIANTS } from '#lib/variants';
import { type CfnTemplate, packageService } from '../helpers/template.ts';

/**
 * The main job packages templates without the functions' code (no bundle or zip per function):
 * the resources it counts, and every property but the code's location and hash (and the hash in a
 * version's logical id), must be those of the full `sls package`.
 */
const withoutCode = (template: CfnTemplate) =>
  Object.fromEntries(
    // A version's logical id ends with a hash of its code: the id without it, in every reference too.
    Object.entries(
      JSON.parse(
        JSON.stringify(template.Resources).replace(/(LambdaVersion)[A-Za-z0-9]+/g, '$1'),
      ) as CfnTemplate['Resources'],
    ).map(([id, resource]) => {
      const { Code, CodeSha256, ...properties } = (resource.Properties ?? {}) as Record<string, unknown>;
      return [id, { Type: resource.Type, code: Code !== undefined, hash: CodeSha256 !== undefined, properties }];
    }),
  );

describe.each(VARIANTS)('%s packaged for its template alone', (variant) => {
  it('has the resources of the full package, with the same properties but the code', async () => {
    const [full, templateOnly] = await Promise.all([
      packageService(variant),
      packageService(variant, [], { code: false }),
    ]);
    expect(Object.keys(templateOnly.Resources).length).toBeGreaterThan(20);
    expect(withoutCode(templateOnly)).toEqual(withoutCode(full));
  }, 180_000);
});
