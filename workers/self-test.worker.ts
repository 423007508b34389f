// Diagnostics worker (see src/lib/util/self-test.ts): deliberately fails and crashes on request.
import { reportFatalErrors, serve } from '../src/lib/protocol';
import { selfTestHandlers, type SelfTestRpc } from '../src/lib/util/self-test';

reportFatalErrors(self);
serve<SelfTestRpc>(self, selfTestHandlers());
