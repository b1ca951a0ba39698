import { Type } from '@sinclair/typebox';
import { Obj } from './common.js';

export const LogsQuery = Obj({
  after: Type.Optional(Type.Integer({ minimum: 0, description: 'only lines after this seq (resume)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 1000 })),
  follow: Type.Optional(Type.Boolean({ default: false, description: 'true: a text/event-stream of the lines, live, ending with an `end` event' })),
});
