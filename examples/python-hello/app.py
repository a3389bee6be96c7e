import os

GREETING = os.environ.get("GREETING", "Hello")


def handler(event, context):
    name = (event or {}).get("name", "world")
    return {
        "message": f"{GREETING}, {name}!",
        "requestId": context.aws_request_id,
        "remainingMs": context.get_remaining_time_in_millis(),
    }
