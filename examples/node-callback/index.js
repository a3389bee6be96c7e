// A CommonJS handler in the callback style.
let invocations = 0;

exports.handler = function (event, context, callback) {
  invocations += 1;
  const values = Array.isArray(event.values) ? event.values : [];
  setTimeout(() => {
    callback(null, {
      sum: values.reduce((a, b) => a + b, 0),
      invocations,
      functionName: context.functionName,
    });
  }, 10);
};
