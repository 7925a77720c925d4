import type { CollectionTag, ScalarTag } from 'yaml';

/** CloudFormation's YAML short forms and the long (JSON) function each one stands for. */
export const FUNCTION_OF_TAG: ReadonlyMap<string, string> = new Map([
  ['!Ref', 'Ref'],
  ['!Condition', 'Condition'],
  ['!Sub', 'Fn::Sub'],
  ['!GetAtt', 'Fn::GetAtt'],
  ['!Join', 'Fn::Join'],
  ['!If', 'Fn::If'],
  ['!Select', 'Fn::Select'],
  ['!Split', 'Fn::Split'],
  ['!FindInMap', 'Fn::FindInMap'],
  ['!Equals', 'Fn::Equals'],
  ['!And', 'Fn::And'],
  ['!Or', 'Fn::Or'],
  ['!Not', 'Fn::Not'],
  ['!Base64', 'Fn::Base64'],
  ['!Cidr', 'Fn::Cidr'],
  ['!GetAZs', 'Fn::GetAZs'],
  ['!ImportValue', 'Fn::ImportValue'],
  ['!Transform', 'Fn::Transform'],
]);

/**
 * The short forms as tags the YAML parser knows, on a scalar, a sequence or a mapping alike. Each keeps its node as
 * parsed (with the tag on it), so the reader turns it into the long form with the line of every part intact; which
 * argument shapes a function accepts is the resolver's business, as it is CloudFormation's.
 */
export const CLOUDFORMATION_TAGS: (ScalarTag | CollectionTag)[] = [...FUNCTION_OF_TAG.keys()].flatMap(
  (tag): (ScalarTag | CollectionTag)[] => [
    { tag, resolve: (value: string) => value },
    { tag, collection: 'seq', resolve: (seq) => seq },
    { tag, collection: 'map', resolve: (map) => map },
  ],
);
