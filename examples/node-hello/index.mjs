// An ES module handler: async, returns its result.
const greeting = process.env.GREETING ?? 'Hello';

export const handler = async (event, context) => {
  const name = event?.name ?? 'world';
  console.log(`greeting ${name}`);
  return {
    message: `${greeting}, ${name}!`,
    requestId: context.awsRequestId,
    runtime: process.version,
  };
};
