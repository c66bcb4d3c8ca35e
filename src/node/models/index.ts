// Public surface of the model package code: manifest reading, verification, the JavaScript generation loop.
export { readManifest, parseManifest, MAX_MANIFEST_BYTES, GRAPH_NAMES, type ModelManifest, type GraphName, type GraphEntry, type ModelFamily } from './manifest.js';
export { verifyModelPackage, MAX_TOKENIZER_BYTES, type VerifyReport, type VerifyProblem, type VerifiedFile, type VerifyOptions } from './verify.js';
export { expectedSignature, compareSignature, type GraphSignature, type TensorSignature } from './signatures.js';
export { PackageRunner, type GenerateRequest, type GenerateResult, type RunnerOptions } from './generate.js';
export { Pcg32, variationRng, MAX_SEED, VARIATION_STREAM } from './pcg32.js';
export { combineGuidance, pickToken, type GuidanceMode, type PickOptions } from './sampling.js';
export { UnigramTokenizer } from './unigram-tokenizer.js';
