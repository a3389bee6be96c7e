import json
import os

from greeting import greet  # from GreetingLayer: layers/greeting/python/greeting.py


def lambda_handler(event, context):
    """Answers GET /hello through API Gateway (REST API, Lambda proxy integration).

    Parameters
    ----------
    event: dict, required
        API Gateway Lambda Proxy Input Format (see events/event.json)

        Event doc: https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-input-format

    context: object, required
        Lambda Context runtime methods and attributes

    Returns
    ------
    API Gateway Lambda Proxy Output Format: dict
    """
    name = (event.get("queryStringParameters") or {}).get("name")
    message = greet(name)
    print(f"{context.function_name}: {message} ({os.environ['STAGE']})")

    return {
        "statusCode": 200,
        "body": json.dumps({
            "message": message,
            "stage": os.environ["STAGE"],
            "service": os.environ["SERVICE_NAME"],
        }),
    }
