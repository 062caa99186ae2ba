exports.handler = async () => ({ statusCode: 200, body: `${process.env.GREETING} from a GitOps pipeline` });
