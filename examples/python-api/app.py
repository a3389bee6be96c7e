"""An API Gateway (REST / HTTP API proxy) style handler."""

import json


def handler(event, context):
    method = event.get("httpMethod") or event.get("requestContext", {}).get("http", {}).get("method", "GET")
    path = event.get("path") or event.get("rawPath") or "/"
    params = event.get("queryStringParameters") or {}
    body = event.get("body")
    if body and event.get("isBase64Encoded"):
        import base64
        body = base64.b64decode(body).decode()
    if method == "POST":
        try:
            data = json.loads(body or "{}")
        except ValueError:
            return {"statusCode": 400, "headers": {"Content-Type": "application/json"},
                    "body": json.dumps({"error": "body is not JSON"})}
        return {"statusCode": 201, "headers": {"Content-Type": "application/json"},
                "body": json.dumps({"created": data, "path": path})}
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "X-Request-Id": context.aws_request_id},
        "body": json.dumps({"path": path, "query": params, "method": method}),
    }
