// Says in the response why a stated purpose left values masked (or which fields it unlocked), as
// `extensions.masking`: a purpose header without a case reference, or one the role does not hold,
// used to change nothing and say nothing. The answer comes from the headers, token and policy only.
import { isAsyncIterable, type Plugin } from "graphql-yoga";
import type { Context } from "../context.ts";
import { requestPurpose } from "./apply.ts";

export function usePurposeHint(): Plugin<Context> {
  return {
    onExecute() {
      return {
        onExecuteDone({ args, result, setResult }) {
          const status = requestPurpose(args.contextValue as Context);
          if (!status || isAsyncIterable(result)) return;
          setResult({ ...result, extensions: { ...result.extensions, masking: status } });
        },
      };
    },
  };
}
