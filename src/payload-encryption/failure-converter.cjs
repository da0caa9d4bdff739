// Loaded by path (DataConverter.failureConverterPath): by the SDK's require() in clients and
// workers, and by the workflow bundler into the workflow sandbox; plain CommonJS so that both can.
// Error messages and stack traces become a payload, which the codec encrypts: a message that
// quotes a record (a SCIM server's "userName … already exists") is not left in clear.
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
