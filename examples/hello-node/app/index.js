// A FunctionGraph Node.js handler: returns a greeting from the GREETING environment variable.
exports.handler = async (event, context) => {
  const greeting = process.env.GREETING || "hello";
  return {
    statusCode: 200,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ message: `${greeting} from FunctionGraph`, requestId: context && context.getRequestID ? context.getRequestID() : undefined }),
  };
};
