// The rule is the domain's (pure); the engine's callers import it from here.
export { redact } from '../domain/redact.js';
