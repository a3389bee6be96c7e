/**
 * Answers GET /hello-node through an HTTP API (payload format 2.0, see events/http-api.json).
 *
 * Event doc: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 * @param {Object} event - HTTP API Lambda proxy event
 * @param {Object} context - Lambda context
 * @returns {Object} HTTP API Lambda proxy response
 */
export const lambdaHandler = async (event, context) => {
  const name = event.queryStringParameters?.name;
  const message = name ? `hello ${name}` : process.env.GREETING;
  console.log(`${context.functionName}: ${message} (${event.rawPath})`);

  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      message,
      stage: process.env.STAGE,
      path: event.rawPath,
    }),
  };
};
